/**
 * The input file's text → {@linkcode SimulationInput}: strict values, defaults, required
 * parameters and components by what the run generates (spec §1.2, §8).
 *
 * @module
 */
import { isAbsolute, join, normalize, resolve } from "node:path";
import { TemInputError } from "./input_error.ts";
import { parseIntegerLiteral, parseRealLiteral } from "./numbers.ts";
import { PARAMETERS } from "./schema.ts";
import type { ParameterSpec } from "./schema.ts";
import { splitInputText } from "./syntax.ts";
import type { RawAssignment, RawBlock } from "./syntax.ts";
import type {
  ComponentBase,
  ComponentType,
  DetectorParameters,
  ElectronBeamParameters,
  GeometryParameters,
  OpticsParameters,
  ParticleParameters,
  ParticleSetParameters,
  SampleParameters,
  SimulationInput,
  SimulationParameters,
  VolumeParameters,
} from "./types.ts";

/** Options of {@linkcode parseSimulationText}. */
export interface ParseSimulationOptions {
  /** The input file as the user named it (shown in messages and in the log). */
  fileName: string;
  /** Absolute folder that relative paths are resolved against (the input file's folder). */
  baseDir: string;
  /** Absolute path of the input file; defaults to `baseDir` joined with the name of `fileName`. */
  sourceFile?: string;
}

/** A component's values by parameter name, with its name and location. */
type Values = ComponentBase & Record<string, unknown>;

/** Where messages point, where relative paths resolve, and the warnings collected. */
interface Context {
  fileName: string;
  path: string;
  baseDir: string;
  warnings: string[];
}

/** Throws the located input error of `reason`. */
function fail(context: Context, line: number | undefined, reason: string, key?: string): never {
  throw new TemInputError(
    { fileName: context.fileName, path: context.path, line: line || undefined, key },
    reason,
  );
}

/** A parameter's allowed range in words ("between 1 and 3", "at least 0"). */
function describeRange(spec: ParameterSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) {
    return `between ${spec.min} and ${spec.max}`;
  }
  if (spec.min !== undefined) return `at least ${spec.min}`;
  return `at most ${spec.max}`;
}

/** Converts one raw value by its parameter's type; throws a located input error. */
function convertValue(context: Context, spec: ParameterSpec, raw: RawAssignment): unknown {
  const { value, line } = raw;
  const bad = (expected: string): never =>
    fail(
      context,
      line,
      `"${spec.name}" must be ${expected}, got ${JSON.stringify(value)}`,
      spec.name,
    );
  switch (spec.type) {
    case "boolean":
      if (value === "yes") return true;
      if (value === "no") return false;
      return bad('"yes" or "no"');
    case "integer":
    case "real": {
      const number = spec.type === "integer" ? parseIntegerLiteral(value) : parseRealLiteral(value);
      if (number === undefined) return bad(spec.type === "integer" ? "an integer" : "a number");
      if (
        (spec.min !== undefined && number < spec.min) ||
        (spec.max !== undefined && number > spec.max)
      ) {
        return bad(describeRange(spec));
      }
      return number;
    }
    case "enum":
      if (spec.values?.includes(value)) return value;
      return bad(`one of ${(spec.values ?? []).map((v) => `"${v}"`).join(", ")}`);
    case "string":
      return value;
    case "input_file":
    case "output_file":
      if (value === "") return bad("a file name");
      return normalize(isAbsolute(value) ? value : join(context.baseDir, value));
  }
}

/** Builds one component from its assignments: converted values, then defaults. */
function buildComponent(
  context: Context,
  type: ComponentType,
  name: string,
  line: number,
  assignments: RawAssignment[],
): Values {
  const specs = PARAMETERS[type];
  const given: Record<string, number> = {};
  const values: Values = { name, location: { line, given } };
  for (const assignment of assignments) {
    const spec = specs.find((candidate) => candidate.name === assignment.name);
    if (spec === undefined) {
      fail(
        context,
        assignment.line,
        `unknown parameter "${assignment.name}" in component "${type}"`,
        assignment.name,
      );
    }
    const earlier = given[spec.name];
    if (earlier !== undefined) {
      context.warnings.push(
        `${context.fileName}: line ${assignment.line}: "${spec.name}" was already given at line ` +
          `${earlier}; the last value is used`,
      );
    }
    values[spec.name] = convertValue(context, spec, assignment);
    given[spec.name] = assignment.line;
  }
  for (const spec of specs) {
    if (!(spec.name in values) && spec.default !== undefined) values[spec.name] = spec.default;
  }
  return values;
}

/** A component as named in messages: `"type"` or `"type name"`. */
function title(component: Values, type: ComponentType): string {
  return component.name === "" ? `"${type}"` : `"${type} ${component.name}"`;
}

/** Checks the required parameters of a used component, and a conditional list. */
function requireParameters(
  context: Context,
  type: ComponentType,
  component: Values,
  names: readonly string[],
  because?: string,
): void {
  for (const name of names) {
    if (component[name] === undefined) {
      const reason = because === undefined ? "" : ` (required when ${because})`;
      fail(
        context,
        component.location.line,
        `component ${title(component, type)} needs "${name}"${reason}`,
        name,
      );
    }
  }
}

/** Checks the parameters the schema marks as always required for the type. */
function requireTableParameters(context: Context, type: ComponentType, component: Values): void {
  const required = PARAMETERS[type].filter((spec) => spec.required).map((spec) => spec.name);
  requireParameters(context, type, component, required);
}

/** The first block of a single component type; a second one is an error. */
function single(
  context: Context,
  blocks: RawBlock[],
  type: ComponentType,
): Values | undefined {
  const ofType = blocks.filter((block) => block.type === type);
  const [first, second] = ofType;
  if (first === undefined) return undefined;
  if (second !== undefined) {
    fail(
      context,
      second.line,
      `a second "${type}" component (the first is at line ${first.line}); only one is allowed`,
    );
  }
  return buildComponent(context, type, first.name, first.line, first.assignments);
}

/** All blocks of a repeatable component type; two with the same non-empty name are an error. */
function repeated(context: Context, blocks: RawBlock[], type: ComponentType): Values[] {
  const seen = new Map<string, number>();
  const result: Values[] = [];
  for (const block of blocks) {
    if (block.type !== type) continue;
    if (block.name !== "") {
      const earlier = seen.get(block.name);
      if (earlier !== undefined) {
        fail(
          context,
          block.line,
          `a second component "${type} ${block.name}" (the first is at line ${earlier})`,
        );
      }
      seen.set(block.name, block.line);
    }
    result.push(buildComponent(context, type, block.name, block.line, block.assignments));
  }
  return result;
}

/** Checks the parameters a used particle needs for its source and potential. */
function checkParticle(context: Context, particle: Values): void {
  requireTableParameters(context, "particle", particle);
  const kind = particle["source"] as string;
  if (kind === "pdb") {
    requireParameters(context, "particle", particle, ["pdb_file_in", "voxel_size"], "source = pdb");
  } else if (kind === "map") {
    requireParameters(context, "particle", particle, ["map_file_re_in"], "source = map");
    if (particle["map_file_format"] === "raw") {
      requireParameters(
        context,
        "particle",
        particle,
        ["nx", "ny", "nz", "voxel_size"],
        "map_file_format = raw",
      );
    }
    if (particle["use_imag_pot"] === true) {
      requireParameters(
        context,
        "particle",
        particle,
        ["map_file_im_in"],
        "source = map and use_imag_pot = yes",
      );
    }
  } else {
    requireParameters(
      context,
      "particle",
      particle,
      ["nx", "ny", "nz", "voxel_size", "contrast_re", "smoothness", "make_positive"],
      "source = random",
    );
    if (particle["use_imag_pot"] === true) {
      requireParameters(
        context,
        "particle",
        particle,
        ["contrast_im"],
        "source = random and use_imag_pot = yes",
      );
    }
  }
  if (particle["use_imag_pot"] === false) {
    requireParameters(context, "particle", particle, ["famp"], "use_imag_pot = no");
  }
}

/** Checks a particle set: a known particle type and what its coordinates source needs. */
function checkParticleSet(context: Context, set: Values, particles: Values[]): void {
  requireTableParameters(context, "particleset", set);
  const type = set["particle_type"] as string;
  const matches = particles.filter((particle) => particle.name === type);
  if (matches.length !== 1) {
    const known = particles.map((particle) => `"${particle.name}"`).join(", ");
    fail(
      context,
      set.location.given["particle_type"] ?? set.location.line,
      `particle_type "${type}" names no particle component` +
        (known === "" ? " (there is none)" : ` (known: ${known})`),
      "particle_type",
    );
  }
  if (set["particle_coords"] === undefined) {
    fail(
      context,
      set.location.line,
      `component ${title(set, "particleset")} needs "particle_coords" (file, random or grid)`,
      "particle_coords",
    );
  }
  switch (set["particle_coords"]) {
    case "file":
      requireParameters(context, "particleset", set, ["coord_file_in"], "particle_coords = file");
      break;
    case "random":
      requireParameters(context, "particleset", set, ["where"], "particle_coords = random");
      if (
        set["num_particles"] === undefined && set["particle_conc"] === undefined &&
        set["occupancy"] === undefined
      ) {
        fail(
          context,
          set.location.line,
          `component ${title(set, "particleset")} needs "num_particles", "particle_conc" or ` +
            `"occupancy" (required when particle_coords = random)`,
          "num_particles",
        );
      }
      break;
    case "grid":
      requireParameters(context, "particleset", set, ["particle_dist"], "particle_coords = grid");
      break;
  }
}

/** Checks the geometry: generated or file tilt angles, and the error file if used. */
function checkGeometry(context: Context, geometry: Values): void {
  requireTableParameters(context, "geometry", geometry);
  if (geometry["gen_tilt_data"] === true) {
    requireParameters(
      context,
      "geometry",
      geometry,
      ["ntilts", "theta_start", "theta_incr"],
      "gen_tilt_data = yes",
    );
  } else {
    requireParameters(context, "geometry", geometry, ["geom_file_in"], "gen_tilt_data = no");
  }
  if (geometry["geom_errors"] === "file") {
    requireParameters(context, "geometry", geometry, ["error_file_in"], "geom_errors = file");
  }
}

/** Checks the electron beam: a dose to generate, or a dose file. */
function checkElectronBeam(context: Context, beam: Values): void {
  requireTableParameters(context, "electronbeam", beam);
  if (beam["gen_dose"] === true) {
    if (beam["total_dose"] === undefined && beam["dose_per_im"] === undefined) {
      fail(
        context,
        beam.location.line,
        `component ${title(beam, "electronbeam")} needs "total_dose" or "dose_per_im" ` +
          `(required when gen_dose = yes)`,
        "dose_per_im",
      );
    }
  } else {
    requireParameters(context, "electronbeam", beam, ["dose_file_in"], "gen_dose = no");
  }
}

/** Checks the optics: a nominal defocus to generate, or a defocus file. */
function checkOptics(context: Context, optics: Values): void {
  requireTableParameters(context, "optics", optics);
  if (optics["gen_defocus"] === true) {
    requireParameters(context, "optics", optics, ["defocus_nominal"], "gen_defocus = yes");
  } else {
    requireParameters(context, "optics", optics, ["defocus_file_in"], "gen_defocus = no");
  }
}

/** Checks a detector: its required parameters and a positive MTF normalisation. */
function checkDetector(context: Context, detector: Values): void {
  requireTableParameters(context, "detector", detector);
  const sum = (detector["mtf_a"] as number) + (detector["mtf_b"] as number) +
    (detector["mtf_c"] as number);
  if (!(sum > 0)) {
    fail(
      context,
      detector.location.given["mtf_c"] ?? detector.location.line,
      `mtf_a + mtf_b + mtf_c must be positive (the MTF is normalised by it), got 0`,
      "mtf_c",
    );
  }
}

/** The component a generate flag needs, or an error at the flag's line. */
function needComponent<T>(
  context: Context,
  simulation: Values,
  flag: string,
  component: T | undefined,
  type: ComponentType,
): T {
  if (component === undefined) {
    fail(
      context,
      simulation.location.given[flag],
      `${flag} = yes needs a "=== ${type} ===" component`,
      flag,
    );
  }
  return component;
}

/** Output files named twice, or output files that are also inputs, are errors. */
function checkFileClashes(context: Context, components: Values[]): void {
  const outputs = new Map<string, { key: string; line: number }>();
  const inputs = new Map<string, { key: string; line: number }>();
  for (const component of components) {
    const specs = PARAMETERS[componentType(component)];
    for (const spec of specs) {
      const value = component[spec.name];
      if (typeof value !== "string") continue;
      const line = component.location.given[spec.name] ?? component.location.line;
      if (spec.type === "output_file") {
        const earlier = outputs.get(value);
        if (earlier !== undefined) {
          fail(
            context,
            line,
            `"${spec.name}" names the same file as "${earlier.key}" at line ${earlier.line}: ` +
              JSON.stringify(value),
            spec.name,
          );
        }
        outputs.set(value, { key: spec.name, line });
      } else if (spec.type === "input_file") {
        if (!inputs.has(value)) inputs.set(value, { key: spec.name, line });
      }
    }
  }
  for (const [path, output] of outputs) {
    const input = inputs.get(path);
    if (input !== undefined) {
      fail(
        context,
        output.line,
        `"${output.key}" would overwrite the input file of "${input.key}" at line ${input.line}: ` +
          JSON.stringify(path),
        output.key,
      );
    }
  }
}

/** The component type of each built component (set by {@linkcode tag}). */
const TYPE_OF = new WeakMap<Values, ComponentType>();

/** The type a component was tagged with. */
function componentType(component: Values): ComponentType {
  const type = TYPE_OF.get(component);
  if (type === undefined) throw new Error("component without a type");
  return type;
}

/** Records the type of a component (if any) and returns it. */
function tag<T extends Values | undefined>(type: ComponentType, component: T): T {
  if (component !== undefined) TYPE_OF.set(component, type);
  return component;
}

/** The components of an input file, built from its blocks and tagged with their types. */
interface Components {
  simulation: Values;
  sample: Values | undefined;
  geometry: Values | undefined;
  electronbeam: Values | undefined;
  optics: Values | undefined;
  detectors: Values[];
  particles: Values[];
  particlesets: Values[];
  volumes: Values[];
}

/** What the run generates: the three generate flags of the simulation component. */
interface Generated {
  micrographs: boolean;
  volumeMaps: boolean;
  particleMaps: boolean;
}

/** The simulation component: the assignments of all its blocks, as one component. */
function buildSimulation(context: Context, blocks: RawBlock[]): Values {
  const simulationBlocks = blocks.filter((block) => block.type === "simulation");
  return tag(
    "simulation",
    buildComponent(
      context,
      "simulation",
      simulationBlocks[0]?.name ?? "",
      simulationBlocks[0]?.line ?? 0,
      simulationBlocks.flatMap((block) => block.assignments),
    ),
  );
}

/** Builds every component from its blocks, type by type (the order errors are reported in). */
function buildComponents(context: Context, blocks: RawBlock[]): Components {
  const simulation = buildSimulation(context, blocks);
  const sample = tag("sample", single(context, blocks, "sample"));
  const geometry = tag("geometry", single(context, blocks, "geometry"));
  const electronbeam = tag("electronbeam", single(context, blocks, "electronbeam"));
  const optics = tag("optics", single(context, blocks, "optics"));
  const detectors = repeated(context, blocks, "detector").map((c) => tag("detector", c));
  const particles = repeated(context, blocks, "particle").map((c) => tag("particle", c));
  const particlesets = repeated(context, blocks, "particleset").map((c) => tag("particleset", c));
  const volumes = repeated(context, blocks, "volume").map((c) => tag("volume", c));
  return {
    simulation,
    sample,
    geometry,
    electronbeam,
    optics,
    detectors,
    particles,
    particlesets,
    volumes,
  };
}

/** The obsolete gen_rand_positions stands for particle_coords when that is absent. */
function applyGenRandPositions(particlesets: Values[]): void {
  for (const set of particlesets) {
    if (set["particle_coords"] === undefined && set["gen_rand_positions"] !== undefined) {
      set["particle_coords"] = set["gen_rand_positions"] === true ? "random" : "file";
    }
  }
}

/** The generate flags of the simulation component; generating nothing is an error. */
function readGenerateFlags(context: Context, simulation: Values): Generated {
  const micrographs = simulation["generate_micrographs"] === true;
  const volumeMaps = simulation["generate_volumes"] === true;
  const particleMaps = simulation["generate_particle_maps"] === true;
  if (!micrographs && !volumeMaps && !particleMaps) {
    fail(
      context,
      undefined,
      'nothing to generate: set "generate_micrographs", "generate_volumes" or ' +
        '"generate_particle_maps" to "yes" in "=== simulation ==="',
      "generate_micrographs",
    );
  }
  return { micrographs, volumeMaps, particleMaps };
}

/**
 * Checks the particle sets the run places (for micrographs or volumes) and the particles it uses
 * (those sets' particles, or all for particle maps); returns the particles used.
 */
function checkUsedParticles(
  context: Context,
  components: Components,
  generated: Generated,
): Set<Values> {
  const { particles, particlesets } = components;
  const usedParticles = new Set<Values>();
  if (generated.micrographs || generated.volumeMaps) {
    for (const set of particlesets) {
      checkParticleSet(context, set, particles);
      for (const particle of particles) {
        if (particle.name === set["particle_type"]) usedParticles.add(particle);
      }
    }
  }
  if (generated.particleMaps) { for (const particle of particles) usedParticles.add(particle); }
  for (const particle of particles) {
    if (usedParticles.has(particle)) checkParticle(context, particle);
  }
  return usedParticles;
}

/** Whether a used particle is a PDB particle with an imaginary (absorption) potential. */
function hasAbsorbingPdb(usedParticles: Set<Values>): boolean {
  return [...usedParticles].some((particle) =>
    particle["source"] === "pdb" && particle["use_imag_pot"] === true
  );
}

/** Checks the components micrographs need: sample, geometry, beam, optics and detectors. */
function checkMicrographComponents(context: Context, components: Components): void {
  const { simulation, sample, geometry, electronbeam, optics, detectors } = components;
  const flag = "generate_micrographs";
  checkSample(context, needComponent(context, simulation, flag, sample, "sample"));
  checkGeometry(context, needComponent(context, simulation, flag, geometry, "geometry"));
  checkElectronBeam(
    context,
    needComponent(context, simulation, flag, electronbeam, "electronbeam"),
  );
  checkOptics(context, needComponent(context, simulation, flag, optics, "optics"));
  needComponent(context, simulation, flag, detectors[0], "detector");
  for (const detector of detectors) checkDetector(context, detector);
}

/**
 * Checks the components volume maps need: sample and volumes, and the electron beam when a
 * volume writes an imaginary map or a used particle is an absorbing PDB.
 */
function checkVolumeComponents(
  context: Context,
  components: Components,
  absorbingPdb: boolean,
): void {
  const { simulation, sample, electronbeam, volumes } = components;
  const flag = "generate_volumes";
  checkSample(context, needComponent(context, simulation, flag, sample, "sample"));
  needComponent(context, simulation, flag, volumes[0], "volume");
  for (const volume of volumes) requireTableParameters(context, "volume", volume);
  const imaginary = volumes.some((volume) => volume["map_file_im_out"] !== undefined);
  if (imaginary || absorbingPdb) {
    checkElectronBeam(
      context,
      needComponent(context, simulation, flag, electronbeam, "electronbeam"),
    );
  }
}

/** Checks the electron beam particle maps need for absorbing PDB particles. */
function checkParticleMapComponents(context: Context, components: Components): void {
  const { simulation, electronbeam } = components;
  checkElectronBeam(
    context,
    needComponent(context, simulation, "generate_particle_maps", electronbeam, "electronbeam"),
  );
}

/** Every component given, single ones first (the order file clashes are reported in). */
function allComponents(components: Components): Values[] {
  const { simulation, sample, geometry, electronbeam, optics } = components;
  const all: Values[] = [simulation];
  for (const component of [sample, geometry, electronbeam, optics]) {
    if (component !== undefined) all.push(component);
  }
  const { detectors, particles, particlesets, volumes } = components;
  all.push(...detectors, ...particles, ...particlesets, ...volumes);
  return all;
}

/** The checked components as the typed {@linkcode SimulationInput}. */
function toSimulationInput(
  components: Components,
  context: Context,
  fileName: string,
): SimulationInput {
  const { simulation, sample, geometry, electronbeam, optics } = components;
  const { detectors, particles, particlesets, volumes } = components;
  return {
    simulation: simulation as unknown as SimulationParameters,
    sample: sample as unknown as SampleParameters | undefined,
    geometry: geometry as unknown as GeometryParameters | undefined,
    electronbeam: electronbeam as unknown as ElectronBeamParameters | undefined,
    optics: optics as unknown as OpticsParameters | undefined,
    detectors: detectors as unknown as DetectorParameters[],
    particles: particles as unknown as ParticleParameters[],
    particlesets: particlesets as unknown as ParticleSetParameters[],
    volumes: volumes as unknown as VolumeParameters[],
    sourceFile: context.path,
    fileName,
    baseDir: context.baseDir,
    warnings: context.warnings,
  };
}

/**
 * Parses the text of a TEM-Simulator input file. Checks syntax, values (strict numbers, ranges,
 * enumerations), names, and the parameters and components the run needs; resolves file paths
 * against `options.baseDir`. It does not touch the file system: {@linkcode parseSimulationFile}
 * adds the checks of the files named. Throws an `EtsError` of kind `input` (a `TemInputError`)
 * with file, line and key. Needs no permissions.
 */
export function parseSimulationText(
  text: string,
  options: ParseSimulationOptions,
): SimulationInput {
  const baseDir = resolve(options.baseDir);
  const sourceFile = options.sourceFile ??
    join(baseDir, options.fileName.slice(options.fileName.lastIndexOf("/") + 1));
  const context: Context = { fileName: options.fileName, path: sourceFile, baseDir, warnings: [] };
  const blocks = splitInputText(text, { fileName: options.fileName, path: sourceFile });

  const components = buildComponents(context, blocks);
  applyGenRandPositions(components.particlesets);
  const generated = readGenerateFlags(context, components.simulation);
  const absorbingPdb = hasAbsorbingPdb(checkUsedParticles(context, components, generated));
  if (generated.micrographs) checkMicrographComponents(context, components);
  if (generated.volumeMaps) checkVolumeComponents(context, components, absorbingPdb);
  if (generated.particleMaps && absorbingPdb) checkParticleMapComponents(context, components);
  checkFileClashes(context, allComponents(components));

  return toSimulationInput(components, context, options.fileName);
}

/** Checks the required parameters of the sample. */
function checkSample(context: Context, sample: Values): void {
  requireTableParameters(context, "sample", sample);
}

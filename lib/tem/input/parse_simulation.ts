/**
 * The input file's text → {@linkcode SimulationInput}: strict values, defaults, required
 * parameters and components by what the run generates (spec §1.2, §8).
 *
 * @module
 */
import { join, resolve } from "node:path";
import {
  checkDetector,
  checkElectronBeam,
  checkFileClashes,
  checkGeometry,
  checkOptics,
  checkParticle,
  checkParticleSet,
  checkSample,
} from "./component_checks.ts";
import {
  buildComponent,
  needComponent,
  repeated,
  requireTableParameters,
  single,
} from "./component_values.ts";
import { fail, tag } from "./parse_context.ts";
import type { Context, Values } from "./parse_context.ts";
import { splitInputText } from "./syntax.ts";
import type { RawBlock } from "./syntax.ts";
import type {
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

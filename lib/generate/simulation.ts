/**
 * One stack's simulation set-up (ETSimulations' Simulation class): the template sim.txt copied
 * and edited for this stack (outputs, log, defocus, seed, engine text outputs into the work dir,
 * the template's input paths made absolute), particle and particleset sections with their
 * coordinate files (nm, full precision, `N 6`), and the fiducial set.
 *
 * Files inside the stack's work dir are named relative to it (the engine runs there and reads
 * relative paths against the input's folder), so the input text does not depend on which
 * worker's temp dir the stack ran in, and the copy kept in `raw_data/NAME_i/sim/` names the
 * files kept beside it.
 *
 * @module
 */
import {
  type GaussianError,
  type ParsedCoordinates,
  type ParticleSet,
  Random,
  type SampleGeometry,
  sampleGeometryOf,
  type TemplateParticle,
  type TiltSeriesSimulation,
  type Triple,
} from "../assemblers/mod.ts";
import {
  basenameOf,
  dirnameOf,
  type GenerateConfig,
  INPUT_FILE_PARAMETERS,
  resolvePath,
  SimTemplate,
} from "../config/mod.ts";
import type { StackPlan } from "./plan.ts";

/** The name of the fiducial particle (as in ETSimulations). */
export const FIDUCIAL_NAME = "Fiducial";

/** Where a stack's engine files live while it runs. */
export interface StackWorkFiles {
  /** The work dir (in the worker's temp dir). */
  workDir: string;
  /** The engine input. */
  input: string;
  /** The engine log. */
  log: string;
  /** The engine's noisy tilt series (moved to raw_data afterwards). */
  noisy: string;
  /** The engine's noise-free tilt series. */
  nonoise: string;
  /** geom_file_out. */
  geom: string;
  /** error_file_out (undefined when the template has no geometry errors). */
  error?: string;
  /** dose_file_out. */
  dose: string;
  /** defocus_file_out. */
  defocus: string;
  /** coord_file_out of the fiducial set, when there are fiducials. */
  fiducialCoords?: string;
  /** Coordinate files of the particle sets, by set name. */
  coordFiles: Record<string, string>;
}

/** The engine input of a stack with the coordinate files it reads. */
export interface StackInput {
  /** The edited sim.txt. */
  text: string;
  /** Coordinate files to write (path → text). */
  coordFiles: [string, string][];
  /** The files of the run. */
  files: StackWorkFiles;
}

/** TEM-Simulator's input line limit (characters); longer lines are cut silently by it. */
export const TEM_SIMULATOR_LINE_LIMIT = 200;

/** A number in full precision as text (shortest round trip). */
export function fullPrecision(value: number): string {
  return Object.is(value, -0) ? "0" : String(value);
}

/** A TEM-Simulator coordinate file: `N 6` then `x y z phi theta psi` rows, full precision. */
export function formatCoordFile(
  coordinates: readonly Triple[],
  orientations: readonly Triple[],
): string {
  const lines = [`${coordinates.length} 6`];
  coordinates.forEach((position, i) => {
    const angles = orientations[i] ?? [0, 0, 0];
    lines.push([...position, ...angles].map(fullPrecision).join(" "));
  });
  return lines.join("\n") + "\n";
}

/** `map` or `pdb` by file name, as ETSimulations decides it. */
export function sourceKind(path: string): "map" | "pdb" {
  if (/\.(pdb|ent)$/i.test(path)) return "pdb";
  if (/\.(mrc|map|ccp4|mrcs|rec|st)$/i.test(path)) return "map";
  throw new Error(`cannot tell whether "${path}" is a map (.mrc) or a model (.pdb)`);
}

/** The simulation of one stack, as built by its assembler. Needs no permissions. */
export class StackSimulation implements TiltSeriesSimulation {
  readonly stackId: number;
  readonly name: string;
  readonly apix: number;
  readonly random: Random;
  readonly #config: GenerateConfig;
  readonly #plan: StackPlan;
  readonly particleSets: ParticleSet[] = [];
  customData: Record<string, unknown> | null = null;

  constructor(config: GenerateConfig, plan: StackPlan) {
    this.#config = config;
    this.#plan = plan;
    this.stackId = plan.id;
    this.name = plan.name;
    this.apix = config.apix;
    this.random = new Random(plan.seed);
  }

  numParticles(): number {
    return this.#config.coordRows.length;
  }

  templateParticles(): TemplateParticle[] {
    const apix = this.#config.apix;
    return this.#config.coordRows.map((row) => ({
      position: [row.position[0] * apix, row.position[1] * apix, row.position[2] * apix],
      orientation: [...row.orientation],
    }));
  }

  parseCoordinates(coordError?: GaussianError): ParsedCoordinates {
    const apix = this.#config.apix;
    const error = coordError ?? this.#config.coordError;
    const trueCoordinates: Triple[] = [];
    const coordinates: Triple[] = [];
    for (const row of this.#config.coordRows) {
      const [x, y, z] = row.position;
      trueCoordinates.push([x * apix, y * apix, z * apix]);
      if (error === undefined) {
        coordinates.push([x * apix, y * apix, z * apix]);
      } else {
        coordinates.push([
          (x + this.random.gauss(error.mu, error.sigma)) * apix,
          (y + this.random.gauss(error.mu, error.sigma)) * apix,
          (z + this.random.gauss(error.mu, error.sigma)) * apix,
        ]);
      }
    }
    return {
      coordinates,
      trueCoordinates,
      errorDistribution: error === undefined
        ? undefined
        : `gauss(${error.mu.toFixed(6)}, ${error.sigma.toFixed(6)})`,
    };
  }

  addParticleSets(sets: ParticleSet[]): void {
    for (const set of sets) {
      if (!/^[A-Za-z0-9_.-]+$/.test(set.name) || set.name === FIDUCIAL_NAME) {
        throw new Error(`invalid particle set name "${set.name}"`);
      }
      if (this.particleSets.some((existing) => existing.name === set.name)) {
        throw new Error(`particle set "${set.name}" added twice`);
      }
      if (set.coordinates.length !== set.orientations.length) {
        throw new Error(
          `particle set "${set.name}": coordinates and orientations differ in number`,
        );
      }
      this.particleSets.push(set);
    }
  }

  setCustomData(data: Record<string, unknown>): void {
    this.customData = data;
  }

  sampleGeometry(): SampleGeometry {
    return configSampleGeometry(this.#config);
  }

  /** Recorded positions of the particles of interest (ETSimulations' `positions`). */
  recordedPositions(): Triple[] {
    return this.particleSets.filter((set) => set.key).flatMap((set) =>
      set.savedCoordinates ?? set.coordinates
    );
  }

  /** Recorded orientations of the particles of interest (ETSimulations' `orientations`). */
  recordedOrientations(): Triple[] {
    return this.particleSets.filter((set) => set.key).flatMap((set) =>
      set.savedOrientations ?? set.orientations
    );
  }

  /**
   * The engine input of this stack, with its files under `workDir` (named relative to it in the
   * text: the engine runs with `workDir` as its folder). `lineLimit` (for an external
   * TEM-Simulator) makes over-long lines an error instead of a silent truncation.
   */
  buildInput(workDir: string, lineLimit?: number): StackInput {
    const config = this.#config;
    const plan = this.#plan;
    const template = new SimTemplate(config.simTemplateText);
    const files = stackWorkFiles(workDir, plan.name);
    makeTemplateInputsAbsolute(template, dirnameOf(config.simTemplate));
    moveOtherOutputsToWorkDir(template);
    setSimulationRun(template, files, plan.seed);
    setDetectorImages(template, files);
    setOptics(template, files, plan.defocus);
    setGeometryTables(template, files);
    template.set("electronbeam", "dose_file_out", localPath(workDir, files.dose));
    const { lines, coordFiles } = particleSetSections(this.particleSets, files, config.apix);
    lines.push(...fiducialSetSection(config, files));
    template.append(lines);
    const text = template.toString();
    if (lineLimit !== undefined) checkLineLimit(text, lineLimit);
    return { text, coordFiles, files };
  }
}

/** The engine files of a stack running in `workDir` (no error table or coordinate files yet). */
function stackWorkFiles(workDir: string, name: string): StackWorkFiles {
  return {
    workDir,
    input: `${workDir}/sim.txt`,
    log: `${workDir}/sim.log`,
    noisy: `${workDir}/${name}.mrc`,
    nonoise: `${workDir}/${name}_nonoise.mrc`,
    geom: `${workDir}/geom.txt`,
    dose: `${workDir}/dose.txt`,
    defocus: `${workDir}/defocus.txt`,
    coordFiles: {},
  };
}

/** The template's input files made absolute (against its folder), so the copy reads the same. */
function makeTemplateInputsAbsolute(template: SimTemplate, templateDir: string): void {
  for (const { parameter } of template.inputFiles()) {
    template.rewriteLine(
      parameter.lineIndex,
      parameter.name,
      resolvePath(templateDir, parameter.value),
    );
  }
}

/** Outputs the stack names itself (other `*_out` keep their base name, in the work dir). */
const STACK_OUTPUT_PARAMETERS = new Set([
  "image_file_out",
  "log_file",
  "geom_file_out",
  "error_file_out",
  "dose_file_out",
  "defocus_file_out",
]);

/** Other outputs the template names go into the work dir (their base names). */
function moveOtherOutputsToWorkDir(template: SimTemplate): void {
  for (const component of template.components) {
    for (const parameter of component.parameters) {
      if (parameter.name.endsWith("_out") && !STACK_OUTPUT_PARAMETERS.has(parameter.name)) {
        template.rewriteLine(
          parameter.lineIndex,
          parameter.name,
          basenameOf(parameter.value),
        );
      }
    }
  }
}

/** The simulation section: the stack's engine log and random seed. */
function setSimulationRun(template: SimTemplate, files: StackWorkFiles, seed: number): void {
  template.set("simulation", "log_file", localPath(files.workDir, files.log));
  template.set("simulation", "rand_seed", String(seed));
}

/** Each detector's image: the noisy series, the noise-free one, then `detector_D.mrc`. */
function setDetectorImages(template: SimTemplate, files: StackWorkFiles): void {
  const detectors = template.componentsOf("detector").length;
  for (let d = 0; d < detectors; d++) {
    const path = d === 0
      ? files.noisy
      : d === 1
      ? files.nonoise
      : `${files.workDir}/detector_${d}.mrc`;
    template.set("detector", "image_file_out", localPath(files.workDir, path), d);
  }
}

/** The optics section: the stack's nominal defocus and its defocus table. */
function setOptics(template: SimTemplate, files: StackWorkFiles, defocus: number): void {
  template.set("optics", "defocus_nominal", fullPrecision(defocus));
  template.set("optics", "defocus_file_out", localPath(files.workDir, files.defocus));
}

/** The geometry section's tables: the tilt geometry, and its errors when the template has any. */
function setGeometryTables(template: SimTemplate, files: StackWorkFiles): void {
  template.set("geometry", "geom_file_out", localPath(files.workDir, files.geom));
  if ((template.get("geometry", "geom_errors") ?? "none") !== "none") {
    files.error = `${files.workDir}/err.txt`;
    template.set("geometry", "error_file_out", localPath(files.workDir, files.error));
  }
}

/**
 * The particle and particleset sections of the assembler's sets (after a leading empty line),
 * with the coordinate file each reads; records the files in `files.coordFiles`.
 */
function particleSetSections(
  sets: readonly ParticleSet[],
  files: StackWorkFiles,
  apix: number,
): { lines: string[]; coordFiles: [string, string][] } {
  const local = (path: string) => localPath(files.workDir, path);
  const coordFiles: [string, string][] = [];
  const lines: string[] = [""];
  for (const set of sets) {
    const coordFile = `${files.workDir}/${set.name}_coord.txt`;
    files.coordFiles[set.name] = coordFile;
    coordFiles.push([coordFile, formatCoordFile(set.coordinates, set.orientations)]);
    lines.push(...particleSection(set.name, local(set.source), apix));
    lines.push(
      "=== particleset ===",
      `particle_type = ${set.name}`,
      `num_particles = ${set.coordinates.length}`,
      "particle_coords = file",
      `coord_file_in = ${quoted(local(coordFile))}`,
      "",
    );
  }
  return { lines, coordFiles };
}

/**
 * The fiducial particle and its randomly placed set (the engine writes their coordinates), when
 * the config has beads; records `files.fiducialCoords`. Empty without beads.
 */
function fiducialSetSection(config: GenerateConfig, files: StackWorkFiles): string[] {
  if (config.beadMap === undefined || config.beadOccupancy === undefined) return [];
  files.fiducialCoords = `${files.workDir}/fiducial_coord.txt`;
  return [
    ...particleSection(FIDUCIAL_NAME, config.beadMap, config.apix),
    "=== particleset ===",
    `particle_type = ${FIDUCIAL_NAME}`,
    `occupancy = ${fullPrecision(config.beadOccupancy)}`,
    "particle_coords = random",
    "where = volume",
    `coord_file_out = ${quoted(localPath(files.workDir, files.fiducialCoords))}`,
    "",
  ];
}

/** Refuses engine input with a line TEM-Simulator would cut (`lineLimit` characters or more). */
function checkLineLimit(text: string, lineLimit: number): void {
  const long = text.split("\n").findIndex((line) => line.length >= lineLimit);
  if (long >= 0) {
    throw new Error(
      `line ${
        long + 1
      } of the engine input is longer than TEM-Simulator's ${lineLimit} characters (use a shorter root path)`,
    );
  }
}

/** The field of view and the ice of a config's template. Needs no permissions. */
export function configSampleGeometry(
  config: Pick<GenerateConfig, "simTemplateText" | "simFacts" | "apix">,
): SampleGeometry {
  const template = new SimTemplate(config.simTemplateText);
  return sampleGeometryOf(
    (section, key) => template.get(section, key),
    config.simFacts.detector,
    config.apix,
  );
}

/**
 * `path` relative to `dir` when it lies inside it, else unchanged. Needs no permissions.
 */
export function localPath(dir: string, path: string): string {
  const base = dir.replace(/\/+$/, "");
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1) : path;
}

function quoted(value: string): string {
  return /\s/.test(value) ? `"${value}"` : value;
}

/** The particle section of a source (ETSimulations' __write_particle_section). */
export function particleSection(name: string, source: string, apix: number): string[] {
  if (sourceKind(source) === "pdb") {
    return [
      `=== particle ${name} ===`,
      "source = pdb",
      `pdb_file_in = ${quoted(source)}`,
      `voxel_size = ${fullPrecision(apix)}`,
      "",
    ];
  }
  return [
    `=== particle ${name} ===`,
    "source = map",
    `map_file_re_in = ${quoted(source)}`,
    "use_imag_pot = no",
    "famp = 0",
    "",
  ];
}

/** Parameter names that name input files (re-exported for permissions). */
export const TEMPLATE_INPUT_PARAMETERS = INPUT_FILE_PARAMETERS;

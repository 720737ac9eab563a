/**
 * The log file (spec §4.2): every component's full parameter table in the input format, so the
 * log is re-usable as an input file, then `=== end of input ===` and progress comments.
 *
 * Differences from TEM-Simulator 1.3, all keeping the log re-usable: the first line names this
 * program; strings with spaces are quoted; reals that `%f` would round are written in full
 * (`1e-7`, not `0.000000`); file paths are written relative to the log file's folder (absolute
 * when outside it), so they resolve to the same files when the log is read back.
 *
 * @module
 */
import { dirname, isAbsolute, join, relative } from "node:path";
import { writeFileAtomic, writeFileAtomicSync } from "../../platform/mod.ts";
import { COMPONENT_ORDER, PARAMETERS } from "../input/mod.ts";
import type { ComponentBase, ComponentType, ParameterSpec, SimulationInput } from "../input/mod.ts";
import { formatFixed, formatReal } from "./format.ts";
import type { SimulationLogOptions } from "./types.ts";

/** First line of the log file. */
export const LOG_FIRST_LINE =
  "# Log file created by ets tem-simulator (TEM-simulator 1.3 compatible).";

/** The standard progress messages of TEM-Simulator's log (without the leading `# `). */
export const LOG_MESSAGES = {
  /** After the simulation component is set up. */
  parametersInitialized: () => "Simulation parameters object initialized.",
  /** When rand_seed is absent. */
  randomSeedFromClock: (seed: number) => `Random seed taken from clock: ${seed}.`,
  /** `kind` as TEM-Simulator capitalises it: Geometry, Electronbeam, Optics, Sample, Particle, Particleset, Detector, Volume. */
  componentInitialized: (kind: string) => `${kind} component initialized.`,
  /** After the wave function grid is set up. */
  wavefunctionInitialized: () => "Wavefunction object initialized.",
  /** Before the tilt loop. */
  generatingMicrographs: () => "Generating micrographs.",
  /** Before volume maps (wording of this program). */
  generatingVolumes: () => "Generating volumes.",
  /** Before particle maps (wording of this program). */
  generatingParticleMaps: () => "Generating particle maps.",
  /** Start of a PDB potential. */
  pdbPotential: (file: string) => `Generating potential from pdb file ${file}.`,
  /** Map size of a PDB particle. */
  mapSize: (nx: number, ny: number, nz: number) => `Size of particle map: ${nx} x ${ny} x ${nz}`,
  /** Map centre of a PDB particle, Å. */
  mapCenter: (x: number, y: number, z: number) =>
    `PDB coordinates of map center: (${formatFixed(x, 6)}, ${formatFixed(y, 6)}, ${
      formatFixed(z, 6)
    })`,
  /** Heading of the atom counts. */
  atomCountsHeading: () => "Number of atoms used to compute potential:",
  /** One element's atom count (element symbol as in PDB columns 77–78, e.g. "C", "FE"). */
  atomCount: (element: string, count: number) => `${element.padStart(2)} : ${count}`,
  /** Number of PDB model copies (pdb_transf_file_in rows, 1 without). */
  transformedCopies: (count: number) => `Number of transformed copies of PDB model: ${count}`,
  /** After a PDB potential (TEM-Simulator's spelling). */
  mapFromPdb: () => "Particle map generated from pbd file.",
  /** After a random particle (wording of this program). */
  mapRandom: () => "Particle map generated from random coefficients.",
  /** A map written. */
  mapWritten: (file: string) => `Particle map written to file ${file}.`,
  /** A map read. */
  mapRead: (file: string) => `Particle map read from file ${file}.`,
  /** A volume written (wording of this program). */
  volumeWritten: (file: string) => `Volume map written to file ${file}.`,
  /** Random or grid placement. */
  generatedCoordinates: (count: number) => `Generated ${count} particle coordinates.`,
  /** Start of tilt `number` (1-based). */
  projectionStart: (number: number) => `Computing projection number ${number}.`,
  /** Particles projected in a tilt. */
  projected: (count: number) => `Projected ${count} particles.`,
  /** A detector image appended. */
  imageWritten: (number: number, file: string) =>
    `Detector image number ${number} written to file ${file}.`,
  /** The end. */
  complete: () => "Simulation complete.",
} as const;

/** Whether a string value must be quoted to read back as one token. */
function needsQuotes(value: string): boolean {
  return value === "" || /[\s#]/.test(value) || value.startsWith('"');
}

/** A path as written in the log: relative to the log's folder when inside it. */
function logPathValue(path: string, logFolder: string): string {
  const shortened = relative(logFolder, path);
  return shortened === "" || shortened.startsWith("..") || isAbsolute(shortened) ? path : shortened;
}

function formatValue(spec: ParameterSpec, value: unknown, logFolder: string): string {
  switch (spec.type) {
    case "boolean":
      return value === true ? "yes" : "no";
    case "integer":
      return String(value);
    case "real":
      return formatReal(value as number);
    case "input_file":
    case "output_file": {
      const text = logPathValue(String(value), logFolder);
      return needsQuotes(text) ? `"${text}"` : text;
    }
    default: {
      const text = String(value);
      return needsQuotes(text) ? `"${text}"` : text;
    }
  }
}

function componentsInLogOrder(
  input: SimulationInput,
): { type: ComponentType; component: ComponentBase & Record<string, unknown> }[] {
  const byType: Record<ComponentType, (ComponentBase | undefined)[]> = {
    simulation: [input.simulation],
    detector: input.detectors,
    electronbeam: [input.electronbeam],
    geometry: [input.geometry],
    optics: [input.optics],
    particle: input.particles,
    particleset: input.particlesets,
    sample: [input.sample],
    volume: input.volumes,
  };
  const result = [];
  for (const type of COMPONENT_ORDER) {
    for (const component of byType[type]) {
      if (component !== undefined) {
        result.push({ type, component: component as ComponentBase & Record<string, unknown> });
      }
    }
  }
  return result;
}

/**
 * The log file's head: the first lines, every component's parameter table (given parameters as
 * `  name = value`, defaults as `# name = value  (default)`, unset ones as `# name   undefined`),
 * and `=== end of input ===`. Reading it back with `parseSimulationText` (relative paths against
 * the log's folder) gives the same parameters. Needs no permissions.
 */
export function formatLogParameters(input: SimulationInput, logPath: string): string {
  const logFolder = dirname(logPath);
  const lines = [LOG_FIRST_LINE, `# Input data read from file ${input.fileName}.`];
  for (const { type, component } of componentsInLogOrder(input)) {
    lines.push("#", `=== ${type} ${component.name} ===`, "#");
    for (const spec of PARAMETERS[type]) {
      const name = spec.name.padEnd(25);
      const value = component[spec.name];
      if (value === undefined) {
        lines.push(`# ${name}   undefined`);
      } else if (spec.name in component.location.given) {
        lines.push(`  ${name} = ${formatValue(spec, value, logFolder)}`);
      } else {
        lines.push(`# ${name} = ${formatValue(spec, value, logFolder)}  (default)`);
      }
    }
  }
  lines.push("#", "=== end of input ===", "#");
  return lines.join("\n") + "\n";
}

/**
 * The default log file name when log_file is absent: `TEM-simulator_<unixtime>.log` in `baseDir`;
 * if that file exists and is non-empty (`isTaken`), +1 … +9 seconds are tried, and the last is
 * used if all are taken. Needs no permissions.
 */
export function defaultLogPath(
  baseDir: string,
  unixSeconds: number,
  isTaken: (path: string) => boolean,
): string {
  let path = "";
  for (let extra = 0; extra <= 9; extra++) {
    path = join(baseDir, `TEM-simulator_${Math.floor(unixSeconds) + extra}.log`);
    if (!isTaken(path)) return path;
  }
  return path;
}

/**
 * The log file of a run: log_file if given, else {@linkcode defaultLogPath} at `now` (ms since
 * the epoch). Needs --allow-read on the input file's folder when log_file is absent.
 */
export function chooseLogPath(input: SimulationInput, now: number = Date.now()): string {
  if (input.simulation.log_file !== undefined) return input.simulation.log_file;
  return defaultLogPath(input.baseDir, now / 1000, (path) => {
    try {
      return Deno.statSync(path).size > 0;
    } catch {
      return false;
    }
  });
}

/**
 * The log of one run. It holds the text in memory and rewrites the file atomically on each
 * {@linkcode SimulationLog.flush} (a log is a few kB), so the file is never half-written.
 * Lines added after the parameter tables are echoed through `options.echo`. Input warnings
 * (`input.warnings`) are added right after `=== end of input ===`.
 */
export class SimulationLog {
  /** Absolute path of the log file. */
  readonly path: string;
  readonly #baseDir: string;
  readonly #lines: string[] = [];
  readonly #echo?: (line: string) => void;

  /** A log for `input`, not yet written. Needs no permissions. */
  constructor(input: SimulationInput, options: SimulationLogOptions) {
    this.path = options.path;
    this.#baseDir = input.baseDir;
    this.#echo = options.echo;
    this.#lines.push(formatLogParameters(input, options.path));
    for (const warning of input.warnings) this.warning(warning);
  }

  /** Adds `# message`. Needs no permissions. */
  note(message: string): void {
    this.#add(`# ${message}`);
  }

  /** Adds the separator line `# ` TEM-Simulator writes between steps. Needs no permissions. */
  blank(): void {
    this.#add("# ");
  }

  /** Adds `# Warning: message`. Needs no permissions. */
  warning(message: string): void {
    this.#add(`# Warning: ${message}`);
  }

  /**
   * A file name as the log shows it: relative to the input file's folder when inside it
   * (as the user wrote it in the usual case). Needs no permissions.
   */
  fileName(path: string): string {
    return logPathValue(path, this.#baseDir);
  }

  /** The whole log text so far. Needs no permissions. */
  text(): string {
    return this.#lines.join("");
  }

  /** Writes the log so far, atomically. Needs --allow-write on the log's folder. */
  async flush(): Promise<void> {
    await writeFileAtomic(this.path, this.text());
  }

  /** {@linkcode SimulationLog.flush}, synchronously (for exit paths). Needs --allow-write on the log's folder. */
  flushSync(): void {
    writeFileAtomicSync(this.path, this.text());
  }

  #add(line: string): void {
    this.#lines.push(line + "\n");
    this.#echo?.(line);
  }
}

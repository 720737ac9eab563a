/**
 * Reading an input file from disk, with the checks that need the file system: the input files it
 * names exist, their tables are well formed and long enough, and the output folders exist.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { readMrcHeader } from "../../mrc/mod.ts";
import { TemInputError } from "./input_error.ts";
import { parseSimulationText } from "./parse_simulation.ts";
import { PARAMETERS } from "./schema.ts";
import {
  displayPath,
  readCoordinateFile,
  readDefocusFile,
  readDoseFile,
  readGeometryErrorFile,
  readPdbTransformFile,
  readTiltAngleFile,
} from "./text_table.ts";
import type {
  ComponentBase,
  ComponentType,
  GeometryParameters,
  ParticleParameters,
  SimulationInput,
} from "./types.ts";

/** A component the run uses, with its type. */
interface UsedComponent {
  type: ComponentType;
  component: ComponentBase & Record<string, unknown>;
}

/** The components the run uses (see `SimulationInput`), in log order. */
function usedComponents(input: SimulationInput): UsedComponent[] {
  const { generate_micrographs: micrographs, generate_volumes: volumes } = input.simulation;
  const particleMaps = input.simulation.generate_particle_maps;
  const used: UsedComponent[] = [];
  const add = (type: ComponentType, component: ComponentBase | undefined) => {
    if (component !== undefined) {
      used.push({ type, component: component as ComponentBase & Record<string, unknown> });
    }
  };
  add("simulation", input.simulation);
  if (micrographs) { for (const detector of input.detectors) add("detector", detector); }
  const particles = new Set(
    particleMaps
      ? input.particles
      : micrographs || volumes
      ? input.particles.filter((particle) =>
        input.particlesets.some((set) => set.particle_type === particle.name)
      )
      : [],
  );
  const absorbing = [...particles].some((particle) =>
    particle.source === "pdb" && particle.use_imag_pot
  );
  const volumeImaginary = volumes &&
    input.volumes.some((volume) => volume.map_file_im_out !== undefined);
  if (micrographs || volumeImaginary || absorbing) add("electronbeam", input.electronbeam);
  if (micrographs) add("geometry", input.geometry);
  if (micrographs) add("optics", input.optics);
  for (const particle of input.particles) if (particles.has(particle)) add("particle", particle);
  if (micrographs || volumes) { for (const set of input.particlesets) add("particleset", set); }
  if (micrographs || volumes) add("sample", input.sample);
  if (volumes) { for (const volume of input.volumes) add("volume", volume); }
  return used;
}

/** Throws the input error of `reason` at `line` and `key` of the input file. */
function fail(
  input: SimulationInput,
  line: number | undefined,
  key: string,
  reason: string,
): never {
  throw new TemInputError(
    { fileName: input.fileName, path: input.sourceFile, line: line || undefined, key },
    reason,
  );
}

/** The line of parameter `key` of a component, or of its heading when it is not given. */
function lineOf(component: ComponentBase, key: string): number {
  return component.location.given[key] ?? component.location.line;
}

/** Stats `path`; a missing path or a folder is an input error at the parameter's line. */
async function requireFile(
  input: SimulationInput,
  component: ComponentBase,
  key: string,
  path: string,
): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      fail(
        input,
        lineOf(component, key),
        key,
        `"${key}" names a missing file "${displayPath(path)}"`,
      );
    }
    throw new TemInputError(
      { fileName: input.fileName, path: input.sourceFile, line: lineOf(component, key), key },
      `cannot open "${displayPath(path)}" of "${key}": ` +
        (error instanceof Error ? error.message : String(error)),
      { cause: error },
    );
  }
  if (!info.isFile) {
    fail(
      input,
      lineOf(component, key),
      key,
      `"${key}" names "${displayPath(path)}", which is not a file`,
    );
  }
}

/** Fewer table rows than needed is an input error at the parameter's line. */
function needRows(
  input: SimulationInput,
  component: ComponentBase,
  key: string,
  path: string,
  rows: number,
  needed: number,
  why: string,
): void {
  if (rows < needed) {
    fail(
      input,
      lineOf(component, key),
      key,
      `"${displayPath(path)}" of "${key}" has ${rows} row${
        rows === 1 ? "" : "s"
      }, needs ${needed} (${why})`,
    );
  }
}

/** Reads the input file's text; a missing file or a folder is an input error naming it. */
async function readInputText(path: string, sourceFile: string): Promise<string> {
  try {
    return await Deno.readTextFile(sourceFile);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a folder, not a file"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new TemInputError({ fileName: path, path: sourceFile }, reason, { cause: error });
  }
}

/** Checks that every input file the used components name exists and is a file. */
async function requireInputFiles(input: SimulationInput, used: UsedComponent[]): Promise<void> {
  for (const { type, component } of used) {
    for (const spec of PARAMETERS[type]) {
      const value = component[spec.name];
      if (spec.type === "input_file" && typeof value === "string") {
        await requireFile(input, component, spec.name, value);
      }
    }
  }
}

/** Checks the coordinate tables of the used particle sets: well formed, num_particles rows. */
async function checkCoordinateTables(input: SimulationInput, used: Set<unknown>): Promise<void> {
  for (const set of input.particlesets) {
    if (!used.has(set) || set.particle_coords !== "file" || set.coord_file_in === undefined) {
      continue;
    }
    const rows = (await readCoordinateFile(set.coord_file_in)).length;
    if (set.num_particles !== undefined) {
      const why = `num_particles = ${set.num_particles}`;
      needRows(input, set, "coord_file_in", set.coord_file_in, rows, set.num_particles, why);
    }
  }
}

/** Checks the files of the used particles: PDB transformation tables and input maps. */
async function checkParticleFiles(input: SimulationInput, used: Set<unknown>): Promise<void> {
  for (const particle of input.particles) {
    if (!used.has(particle)) continue;
    if (particle.source === "pdb" && particle.pdb_transf_file_in !== undefined) {
      await readPdbTransformFile(particle.pdb_transf_file_in);
    }
    if (particle.source === "map") await checkMapFiles(input, particle);
  }
}

/**
 * The number of tilts: ntilts, or the rows of the tilt-angle table when ntilts is not given
 * (an empty table is then an error); a table shorter than ntilts is an error.
 */
async function readTiltCount(
  input: SimulationInput,
  geometry: GeometryParameters,
): Promise<number> {
  let ntilts = geometry.ntilts ?? 0;
  if (!geometry.gen_tilt_data && geometry.geom_file_in !== undefined) {
    const rows = (await readTiltAngleFile(geometry.geom_file_in)).length;
    if (geometry.ntilts === undefined) {
      if (rows === 0) {
        fail(
          input,
          lineOf(geometry, "geom_file_in"),
          "geom_file_in",
          `"${displayPath(geometry.geom_file_in)}" of "geom_file_in" has no rows`,
        );
      }
      ntilts = rows;
    } else {
      needRows(
        input,
        geometry,
        "geom_file_in",
        geometry.geom_file_in,
        rows,
        ntilts,
        `ntilts = ${ntilts}`,
      );
    }
  }
  return ntilts;
}

/** Checks the tables with a row per tilt: geometry errors, dose and defocus (when read). */
async function checkPerTiltTables(input: SimulationInput, ntilts: number): Promise<void> {
  const geometry = input.geometry!;
  if (geometry.geom_errors === "file" && geometry.error_file_in !== undefined) {
    const rows = (await readGeometryErrorFile(geometry.error_file_in)).length;
    needRows(
      input,
      geometry,
      "error_file_in",
      geometry.error_file_in,
      rows,
      ntilts,
      `one per tilt`,
    );
  }
  const beam = input.electronbeam!;
  if (!beam.gen_dose && beam.dose_file_in !== undefined) {
    const rows = (await readDoseFile(beam.dose_file_in)).length;
    needRows(input, beam, "dose_file_in", beam.dose_file_in, rows, ntilts, "one per tilt");
  }
  const optics = input.optics!;
  if (!optics.gen_defocus && optics.defocus_file_in !== undefined) {
    const rows = (await readDefocusFile(optics.defocus_file_in)).length;
    needRows(
      input,
      optics,
      "defocus_file_in",
      optics.defocus_file_in,
      rows,
      ntilts,
      "one per tilt",
    );
  }
}

/**
 * Reads and checks a TEM-Simulator input file: everything {@linkcode parseSimulationText} checks,
 * plus, for the components the run uses, that every input file exists, that coordinate, tilt-angle,
 * error, dose, defocus and PDB transformation tables are well formed, that coordinate tables have
 * at least num_particles rows, and that tilt-angle/error/dose/defocus tables have a row per tilt.
 * Relative paths resolve against the input file's folder. Output folders are checked separately by
 * {@linkcode checkOutputPaths}. Throws an `EtsError` of kind `input`.
 * Needs --allow-read on the input file and the files it names.
 */
export async function parseSimulationFile(path: string): Promise<SimulationInput> {
  const sourceFile = resolve(path);
  const text = await readInputText(path, sourceFile);
  const input = parseSimulationText(text, {
    fileName: path,
    baseDir: dirname(sourceFile),
    sourceFile,
  });
  const used = usedComponents(input);
  await requireInputFiles(input, used);
  const usedSet = new Set(used.map((entry) => entry.component as unknown));
  await checkCoordinateTables(input, usedSet);
  await checkParticleFiles(input, usedSet);
  if (input.simulation.generate_micrographs) {
    await checkPerTiltTables(input, await readTiltCount(input, input.geometry!));
  }
  return input;
}

/**
 * Checks the input maps of a map particle before anything is written: MRC headers decode and
 * match the file size; raw files hold nx·ny·nz float32 values.
 */
async function checkMapFiles(input: SimulationInput, particle: ParticleParameters): Promise<void> {
  for (const key of ["map_file_re_in", "map_file_im_in"] as const) {
    const path = particle[key];
    if (path === undefined || (key === "map_file_im_in" && !particle.use_imag_pot)) continue;
    if (particle.map_file_format !== "raw") {
      await readMrcHeader(path);
      continue;
    }
    const needed = particle.nx! * particle.ny! * particle.nz! * 4;
    const size = (await Deno.stat(path)).size;
    if (size < needed) {
      fail(
        input,
        lineOf(particle, key),
        key,
        `raw map "${displayPath(path)}" of "${key}" has ${size} bytes, needs ${needed} ` +
          `(nx·ny·nz float32 values)`,
      );
    }
  }
}

/** One output file the run writes. */
export interface OutputPath {
  /** The parameter naming it. */
  key: string;
  /** Absolute path. */
  path: string;
  /** The component it belongs to. */
  component: ComponentBase;
}

/**
 * The output files the run writes (of the components it uses), in log order, without the default
 * log file name (which depends on the clock). Needs no permissions.
 */
export function outputPaths(input: SimulationInput): OutputPath[] {
  const outputs: OutputPath[] = [];
  for (const { type, component } of usedComponents(input)) {
    for (const spec of PARAMETERS[type]) {
      const value = component[spec.name];
      if (spec.type === "output_file" && typeof value === "string") {
        outputs.push({ key: spec.name, path: value, component });
      }
    }
  }
  return outputs;
}

/**
 * Redirects every output file of `input` (and the log) into `folder`, keeping the file names: for
 * a run beside reference outputs of the same names (`ets tem-simulator --compare`). Mutates and
 * returns `input`. Needs no permissions.
 */
export function redirectOutputs(input: SimulationInput, folder: string): SimulationInput {
  for (const output of outputPaths(input)) {
    (output.component as ComponentBase & Record<string, unknown>)[output.key] = join(
      folder,
      basename(output.path),
    );
  }
  input.simulation.log_file ??= join(folder, "sim.log");
  return input;
}

/**
 * Checks that the folder of every output file exists and is a folder, so a run does not fail
 * half-way for a typo in a path. Throws an `EtsError` of kind `input` at the parameter's line.
 * Needs --allow-read on the output folders.
 */
export async function checkOutputPaths(input: SimulationInput): Promise<void> {
  for (const output of outputPaths(input)) {
    const folder = dirname(output.path);
    let info: Deno.FileInfo | undefined;
    try {
      info = await Deno.stat(folder);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (info === undefined || !info.isDirectory) {
      fail(
        input,
        lineOf(output.component, output.key),
        output.key,
        `"${output.key}": the folder "${displayPath(folder)}" does not exist`,
      );
    }
  }
}

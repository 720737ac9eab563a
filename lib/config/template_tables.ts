/**
 * The files an engine template (sim.txt) makes every run read, read before anything starts
 * (`ets validate` and every `generate`): its `*_file_in` tables (tilt angles, geometry errors,
 * dose, defocus, particle coordinates, PDB transformations) through the engine's own table reader
 * (lib/tem/input `parseTableOf`, spec tem-simulator.md §1.3) with its size cap, their values checked
 * against the ranges the spec gives; the maps and atomic models of its own particle sections
 * through the map and model checks (lib/config/input_contents.ts). Only the files the run reads
 * are checked (e.g. `dose_file_in` only with `gen_dose = no`); the sections ets appends per stack
 * name files it writes itself and are not part of the template. Each problem is one line naming
 * the file, its line, the parameter and the template line, exit 2.
 *
 * Which files may be read at all is decided before, by lib/config/template_access.ts.
 *
 * @module
 */
import { EtsError } from "../errors/mod.ts";
import {
  MAX_TABLE_FILE_BYTES,
  parseTableOf,
  type TableKind,
  type TextTable,
} from "../tem/input/mod.ts";
import { InputFileError } from "./config_error.ts";
import { humanBytes } from "./estimate.ts";
import {
  checkAtomicModelFile,
  checkMapFile,
  checkRawMapFile,
  ContentProblem,
  modelMapVoxels,
  readTextCapped,
} from "./input_contents.ts";
import { dirnameOf, resolvePath } from "./paths.ts";
import type { SimComponent, SimTemplate } from "./sim_template.ts";

/** Most particles a particle set may take from its coordinate table (spec: num_particles ≤ 1e6). */
export const MAX_SET_PARTICLES = 1_000_000;

/** How a file of the template is checked. */
export type TemplateFileCheck =
  | { kind: "table"; table: TableKind; rows?: { count: number; why: string } | "per tilt" }
  | { kind: "map" }
  | {
    kind: "raw map";
    size: { nx: number; ny: number; nz: number };
    byteOrder?: "le" | "be" | "native";
  }
  | { kind: "atomic model"; box?: number; voxelSizeNm: number };

/** A file the engine template makes the run read. */
export interface TemplateFile {
  /** The parameter naming it, e.g. `dose_file_in`. */
  key: string;
  /** The section it is in, e.g. `electronbeam`, `particle prot`. */
  section: string;
  /** 1-based line of the assignment in the template. */
  templateLine: number;
  /** The value as written. */
  value: string;
  /** Absolute path (resolved against the template's folder). */
  path: string;
  /** What the file must be. */
  check: TemplateFileCheck;
}

/** The template as named in messages, and where it is. */
export interface TemplateWhere {
  /** The template as shown (e.g. `sim.txt`). */
  fileName: string;
  /** Its absolute path. */
  path: string;
}

/** The last value of `name` in `component` (TEM-Simulator: the last assignment wins). */
function valueIn(
  component: SimComponent,
  name: string,
): { value: string; line: number } | undefined {
  const found = component.parameters.filter((parameter) => parameter.name === name);
  const last = found[found.length - 1];
  return last === undefined ? undefined : { value: last.value, line: last.lineIndex + 1 };
}

/** Whether `name` is `value` in `component`. */
function isValue(component: SimComponent | undefined, name: string, value: string): boolean {
  return component !== undefined && valueIn(component, name)?.value === value;
}

/** A template problem at one of its lines (one line, exit 2). */
function templateProblem(where: TemplateWhere, line: number, reason: string): never {
  throw new InputFileError({ fileName: where.fileName, path: where.path, line }, reason);
}

/** An integer parameter of a section in [min, max], undefined when absent. */
function integerIn(
  component: SimComponent,
  name: string,
  min: number,
  max: number,
  where: TemplateWhere,
): number | undefined {
  const found = valueIn(component, name);
  if (found === undefined) return undefined;
  const value = /^[+-]?\d+$/.test(found.value) ? Number(found.value) : NaN;
  if (!(value >= min && value <= max)) {
    templateProblem(
      where,
      found.line,
      `"${name}" must be an integer from ${min} to ${max}, got "${found.value}"`,
    );
  }
  return value;
}

/** The section's title as in the template (`particle prot`). */
function titleOf(component: SimComponent): string {
  return component.name === "" ? component.type : `${component.type} ${component.name}`;
}

/**
 * Lists the files `template` makes the engine read, with how each is checked. Throws a one-line
 * error for a parameter those checks depend on (e.g. `num_particles = -1`, a raw map without
 * `nx`). Needs no permissions.
 */
export function templateFiles(template: SimTemplate, where: TemplateWhere): TemplateFile[] {
  const dir = dirnameOf(where.path);
  const files: TemplateFile[] = [];
  const add = (component: SimComponent, key: string, check: TemplateFileCheck) => {
    const found = valueIn(component, key);
    if (found === undefined || found.value === "") return;
    files.push({
      key,
      section: titleOf(component),
      templateLine: found.line,
      value: found.value,
      path: resolvePath(dir, found.value),
      check,
    });
  };
  const is = isValue;
  const perTilt = "per tilt" as const;

  for (const geometry of template.componentsOf("geometry").slice(0, 1)) {
    if (is(geometry, "gen_tilt_data", "no")) {
      add(geometry, "geom_file_in", { kind: "table", table: "tilt-angle" });
    }
    if (is(geometry, "geom_errors", "file")) {
      add(geometry, "error_file_in", { kind: "table", table: "geometry-error", rows: perTilt });
    }
  }
  for (const beam of template.componentsOf("electronbeam").slice(0, 1)) {
    if (is(beam, "gen_dose", "no")) {
      add(beam, "dose_file_in", { kind: "table", table: "dose", rows: perTilt });
    }
  }
  for (const optics of template.componentsOf("optics").slice(0, 1)) {
    if (is(optics, "gen_defocus", "no")) {
      add(optics, "defocus_file_in", { kind: "table", table: "defocus", rows: perTilt });
    }
  }
  const sets = template.componentsOf("particleset");
  for (const set of sets) {
    const coords = valueIn(set, "particle_coords")?.value ??
      (is(set, "gen_rand_positions", "no") ? "file" : undefined);
    const count = integerIn(set, "num_particles", 0, MAX_SET_PARTICLES, where);
    if (coords !== "file") continue;
    const rows = count === undefined
      ? undefined
      : { count, why: `num_particles = ${count} at line ${valueIn(set, "num_particles")?.line}` };
    add(set, "coord_file_in", { kind: "table", table: "coordinate", rows });
  }
  // the engine reads every particle when it writes particle maps, else those a set names
  const allParticles = is(template.componentsOf("simulation")[0], "generate_particle_maps", "yes");
  const used = new Set(sets.map((set) => valueIn(set, "particle_type")?.value));
  for (const particle of template.componentsOf("particle")) {
    if (!allParticles && !used.has(particle.name)) continue;
    particleFiles(particle, where, add);
  }
  return files;
}

/** The maps and model a template particle section makes the engine read. */
function particleFiles(
  particle: SimComponent,
  where: TemplateWhere,
  add: (component: SimComponent, key: string, check: TemplateFileCheck) => void,
): void {
  const source = valueIn(particle, "source")?.value;
  const box = ["nx", "ny", "nz"].map((axis) => integerIn(particle, axis, 1, 1000, where));
  const [nx, ny, nz] = box;
  if (source === "pdb") {
    const voxelSize = Number(valueIn(particle, "voxel_size")?.value ?? "0.1");
    add(particle, "pdb_file_in", {
      kind: "atomic model",
      box: nx !== undefined && ny !== undefined && nz !== undefined ? nx * ny * nz : undefined,
      voxelSizeNm: Number.isFinite(voxelSize) && voxelSize > 0 ? voxelSize : 0.1,
    });
    add(particle, "pdb_transf_file_in", { kind: "table", table: "PDB transformation" });
    return;
  }
  if (source !== "map") return;
  const keys = isValue(particle, "use_imag_pot", "no")
    ? ["map_file_re_in"]
    : ["map_file_re_in", "map_file_im_in"];
  if (valueIn(particle, "map_file_format")?.value !== "raw") {
    for (const key of keys) add(particle, key, { kind: "map" });
    return;
  }
  if (nx === undefined || ny === undefined || nz === undefined) {
    const format = valueIn(particle, "map_file_format");
    templateProblem(
      where,
      format?.line ?? particle.headingIndex + 1,
      `"map_file_format = raw" needs "nx", "ny" and "nz" (integers from 1 to 1000) in ` +
        `"=== ${titleOf(particle)} ==="`,
    );
  }
  const order = valueIn(particle, "map_file_byte_order")?.value;
  const byteOrder = order === "le" || order === "be" || order === "native" ? order : undefined;
  for (const key of keys) add(particle, key, { kind: "raw map", size: { nx, ny, nz }, byteOrder });
}

/** The range a column's values must lie in (spec tem-simulator.md §1.2, §2.1). */
interface ColumnRange {
  column: number;
  name: string;
  min: number;
  max: number;
  unit: string;
}

const angles = (first: number, names: string[]): ColumnRange[] =>
  names.map((name, i) => ({ column: first + i, name, min: -360, max: 360, unit: "degrees" }));

/** Value ranges per table kind (angles within one turn either way, doses not negative). */
const VALUE_RANGES: Record<TableKind, (columns: number) => ColumnRange[]> = {
  "coordinate": (columns) => columns >= 6 ? angles(3, ["phi", "theta", "psi"]) : [],
  "tilt-angle": () => angles(0, ["psi", "theta", "phi"]),
  "geometry-error": () => angles(0, ["rot", "axis", "ang"]),
  "dose": () => [{ column: 0, name: "dose", min: 0, max: Infinity, unit: "e/nm²" }],
  "defocus": () => [],
  "PDB transformation": (columns) => columns === 4 ? [] : angles(3, ["phi", "theta", "psi"]),
};

/** The label of a file in messages (`Cannot read dose table "dose.txt"`). */
function labelOf(check: TemplateFileCheck): string {
  return check.kind === "table" ? `${check.table} table` : check.kind;
}

/** The one-line error of a template file, naming the parameter and the template's line. */
function fileError(
  file: TemplateFile,
  where: TemplateWhere,
  reason: string,
  line?: number,
): InputFileError {
  return new InputFileError(
    { fileName: file.value, path: file.path, line, key: file.key },
    `${reason}; named by "${file.key}" at ${where.fileName} line ${file.templateLine}`,
    { fileKind: labelOf(file.check) },
  );
}

/** Stats a template file: it must exist and be a regular file. Returns its size. */
async function requireRegularFile(file: TemplateFile, where: TemplateWhere): Promise<number> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(file.path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw fileError(file, where, "no such file");
    if (error instanceof Deno.errors.PermissionDenied) {
      throw fileError(file, where, "permission denied (the file must be readable)");
    }
    throw error;
  }
  if (info.isDirectory) throw fileError(file, where, "it is a folder, not a file");
  if (!info.isFile) {
    throw fileError(
      file,
      where,
      "it is not a regular file (a device, a pipe or a socket); the engine reads files",
    );
  }
  return info.size;
}

/** The reason of an engine table error, without its `Cannot read "file": line N: ` prefix. */
function bareReason(error: EtsError, fileName: string): string {
  let message = error.message;
  const prefix = `Cannot read "${fileName}": `;
  if (message.startsWith(prefix)) message = message.slice(prefix.length);
  const line = error.line === undefined ? "" : `line ${error.line}: `;
  return line !== "" && message.startsWith(line) ? message.slice(line.length) : message;
}

/** Reads and checks one table: size cap, text, the engine's reader, value ranges, row count. */
async function checkTable(
  file: TemplateFile,
  check: Extract<TemplateFileCheck, { kind: "table" }>,
  where: TemplateWhere,
  tilts: number,
): Promise<TextTable> {
  const bytes = await requireRegularFile(file, where);
  if (bytes > MAX_TABLE_FILE_BYTES) {
    throw fileError(
      file,
      where,
      `it is ${humanBytes(bytes)}; a table may have at most ${humanBytes(MAX_TABLE_FILE_BYTES)}`,
    );
  }
  let table: TextTable;
  try {
    table = parseTableOf(check.table, await readTextCapped(file.path, MAX_TABLE_FILE_BYTES), {
      fileName: file.value,
    });
  } catch (error) {
    if (error instanceof ContentProblem) throw fileError(file, where, `it ${error.message}`);
    if (error instanceof Deno.errors.PermissionDenied) {
      throw fileError(file, where, "permission denied (the file must be readable)");
    }
    if (error instanceof EtsError) {
      throw fileError(file, where, bareReason(error, file.value), error.line);
    }
    throw error;
  }
  for (const range of VALUE_RANGES[check.table](table.columns)) {
    table.rows.forEach((row, i) => {
      const value = row[range.column];
      if (value === undefined || (value >= range.min && value <= range.max)) return;
      const allowed = range.max === Infinity
        ? `at least ${range.min}`
        : `from ${range.min} to ${range.max}`;
      throw fileError(
        file,
        where,
        `column ${range.column + 1} (${range.name}) is ${value} ${range.unit}; allowed: ${allowed}`,
        table.rowLines[i],
      );
    });
  }
  const rows = check.rows === "per tilt"
    ? { count: tilts, why: `one per tilt, the series has ${tilts} tilts` }
    : check.rows;
  if (check.table === "coordinate" && rows === undefined && table.rows.length > MAX_SET_PARTICLES) {
    throw fileError(
      file,
      where,
      `it has ${table.rows.length} rows and "num_particles" is not set, so the engine would ` +
        `place them all; a particle set takes at most ${MAX_SET_PARTICLES}`,
    );
  }
  if (rows !== undefined && table.rows.length < rows.count) {
    throw fileError(
      file,
      where,
      `it has ${table.rows.length} row(s), needs ${rows.count} (${rows.why})`,
    );
  }
  return table;
}

/** Reads and checks one map or model; returns the voxels the engine will hold for it. */
async function checkVolume(file: TemplateFile, where: TemplateWhere): Promise<number> {
  await requireRegularFile(file, where);
  const check = file.check;
  try {
    if (check.kind === "map") {
      const facts = await checkMapFile(file.path);
      return facts.nx * facts.ny * facts.nz;
    }
    if (check.kind === "raw map") {
      await checkRawMapFile(file.path, check.size, check.byteOrder);
      return check.size.nx * check.size.ny * check.size.nz;
    }
    if (check.kind === "atomic model") {
      const facts = await checkAtomicModelFile(file.path);
      return check.box ?? modelMapVoxels(facts.extentA, check.voxelSizeNm);
    }
    return 0;
  } catch (error) {
    if (error instanceof ContentProblem) throw fileError(file, where, `it ${error.message}`);
    if (error instanceof Deno.errors.PermissionDenied) {
      throw fileError(file, where, "permission denied (the file must be readable)");
    }
    throw error;
  }
}

/**
 * Reads and checks one file of {@linkcode templateFiles}; `tilts` is the series' tilt count
 * (rows a per-tilt table needs). Returns the table for a table, the voxels the engine holds for
 * a map or model. Throws a one-line input error (exit 2). Needs --allow-read on the file.
 */
export async function checkTemplateFile(
  file: TemplateFile,
  where: TemplateWhere,
  tilts: number,
): Promise<{ table?: TextTable; voxels: number }> {
  if (file.check.kind === "table") {
    return { table: await checkTable(file, file.check, where, tilts), voxels: 0 };
  }
  return { voxels: await checkVolume(file, where) };
}

/**
 * Reads and checks every file of {@linkcode templateFiles} but those whose key is in `skip`
 * (already read). Returns the voxels of each map or model the engine loads (for the estimates).
 * Needs --allow-read on the files.
 */
export async function checkTemplateFiles(
  files: readonly TemplateFile[],
  where: TemplateWhere,
  tilts: number,
  skip: readonly string[] = [],
): Promise<number[]> {
  const voxels: number[] = [];
  for (const file of files) {
    if (skip.includes(file.key)) continue;
    const checked = await checkTemplateFile(file, where, tilts);
    if (file.check.kind !== "table") voxels.push(checked.voxels);
  }
  return voxels;
}

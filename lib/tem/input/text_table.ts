/**
 * The tabular text files of spec §1.3 (coordinates, tilt angles, geometry errors, dose, defocus,
 * PDB transformations): `#` comment lines, an `m n` header, then m rows of at least n numbers
 * (extra tokens are ignored). Numbers are parsed strictly; a malformed table is an input error
 * naming the file and line.
 *
 * @module
 */
import { relative } from "node:path";
import { excerpt } from "../../errors/mod.ts";
import { TemInputError } from "./input_error.ts";
import { parseIntegerLiteral, parseRealLiteral } from "./numbers.ts";
import type {
  GeometryError,
  ParticleCoordinate,
  PdbTransform,
  TextTable,
  TiltAngles,
} from "./types.ts";

/** Options of the table parsers. */
export interface TextTableOptions {
  /** The file as shown in messages. */
  fileName: string;
  /** Its absolute path (kept in the error's `file`). */
  path?: string;
}

/** Where table messages point, and what the table is called in them. */
interface Where extends TextTableOptions {
  what: string;
}

/** Throws the input error of `reason` at `line` of the table file. */
function fail(where: Where, line: number | undefined, reason: string): never {
  throw new TemInputError({ fileName: where.fileName, path: where.path, line }, reason);
}

/** A token as quoted in messages: short and escaped (a table may be a secret given by mistake). */
function shown(token: string): string {
  return excerpt(token);
}

/**
 * Parses a numeric text table (spec §1.3). Blank lines are skipped like comments; lines after the
 * m declared rows are ignored. Needs no permissions.
 */
export function parseTextTable(text: string, options: TextTableOptions): TextTable {
  return parseTable(text, { ...options, what: "table" });
}

/** Reads the `ROWS COLUMNS` header line of a table (ROWS ≥ 0, COLUMNS ≥ 1). */
function readHeader(
  where: Where,
  tokens: string[],
  trimmed: string,
  lineNumber: number,
): { rowsDeclared: number; columns: number } {
  const m = parseIntegerLiteral(tokens[0] ?? "");
  const n = parseIntegerLiteral(tokens[1] ?? "");
  if (m === undefined || n === undefined || m < 0 || n < 1) {
    fail(
      where,
      lineNumber,
      `expected the ${where.what} header "ROWS COLUMNS" (two integers, ROWS ≥ 0 and ` +
        `COLUMNS ≥ 1), got ${shown(trimmed)}`,
    );
  }
  return { rowsDeclared: m, columns: n };
}

/** Reads the first `columns` numbers of a table row (extra tokens are ignored). */
function readRow(where: Where, tokens: string[], columns: number, lineNumber: number): number[] {
  if (tokens.length < columns) {
    fail(
      where,
      lineNumber,
      `expected ${columns} numbers (the header's column count), got ${tokens.length}`,
    );
  }
  const row: number[] = [];
  for (let column = 0; column < columns; column++) {
    const token = tokens[column] ?? "";
    const value = parseRealLiteral(token);
    if (value === undefined) {
      fail(
        where,
        lineNumber,
        `column ${column + 1}: ${shown(token)} is not a number (allowed: a finite decimal ` +
          `number such as 12, -0.5 or 1.5e3)`,
      );
    }
    row.push(value);
  }
  return row;
}

/** Parses a table: the header, then the declared rows; too few rows is an error. */
function parseTable(text: string, where: Where): TextTable {
  const lines = text.split(/\r\n|\n|\r/);
  let rowsDeclared: number | undefined;
  let columns = 0;
  const rows: number[][] = [];
  const rowLines: number[] = [];
  for (let index = 0; index < lines.length; index++) {
    const trimmed = (lines[index] ?? "").trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const lineNumber = index + 1;
    const tokens = trimmed.split(/\s+/);
    if (rowsDeclared === undefined) {
      ({ rowsDeclared, columns } = readHeader(where, tokens, trimmed, lineNumber));
      if (rowsDeclared === 0) break;
      continue;
    }
    rows.push(readRow(where, tokens, columns, lineNumber));
    rowLines.push(lineNumber);
    if (rows.length === rowsDeclared) break;
  }
  if (rowsDeclared === undefined) {
    fail(where, undefined, `the ${where.what} is empty (expected a "ROWS COLUMNS" header)`);
  }
  if (rows.length < rowsDeclared) {
    fail(
      where,
      undefined,
      `the header declares ${rowsDeclared} rows but the ${where.what} has ${rows.length}`,
    );
  }
  return { columns, rows, rowLines };
}

/** Fewer than `minimum` columns is an error naming the columns needed. */
function needColumns(where: Where, table: TextTable, minimum: number, names: string): void {
  if (table.columns < minimum) {
    fail(
      where,
      undefined,
      `the ${where.what} has ${table.columns} column(s), needs at least ${minimum} (${names})`,
    );
  }
}

/** The kinds of table of spec §1.3, by what they hold (e.g. `dose` for dose_file_in). */
export type TableKind =
  | "coordinate"
  | "tilt-angle"
  | "geometry-error"
  | "dose"
  | "defocus"
  | "PDB transformation";

/** The columns each kind needs (spec §1.2, §2.1); checked after the table parses. */
const COLUMN_RULES: Record<TableKind, (where: Where, table: TextTable) => void> = {
  "coordinate": (where, table) => {
    if (table.columns !== 3 && table.columns < 6) {
      fail(
        where,
        undefined,
        `the coordinate table has ${table.columns} columns, needs 6 (x y z phi theta psi) or 3 (x y z)`,
      );
    }
  },
  "tilt-angle": (where, table) => needColumns(where, table, 3, "psi theta phi"),
  "geometry-error": (where, table) => needColumns(where, table, 5, "rot axis ang x y"),
  "dose": () => {},
  "defocus": () => {},
  "PDB transformation": (where, table) => {
    if (table.columns === 4 && table.rows.length % 3 !== 0) {
      fail(
        where,
        undefined,
        `a 4-column PDB transformation table needs 3 rows per matrix, got ${table.rows.length} rows`,
      );
    }
    if (table.columns !== 4 && table.columns < 6) {
      fail(
        where,
        undefined,
        `the PDB transformation table has ${table.columns} columns, needs 6 (tx ty tz phi theta ` +
          `psi) or 4 (3×4 matrices)`,
      );
    }
  },
};

/**
 * Parses a table of `kind` (spec §1.3): header, rows, and the columns that kind needs. The rows
 * keep their line numbers (for checks of the values). The typed parsers below are built on it.
 * Needs no permissions.
 *
 * @example
 * parseTableOf("dose", "2 1\n100\n90\n", { fileName: "dose.txt" }).rowLines // [2, 3]
 */
export function parseTableOf(kind: TableKind, text: string, options: TextTableOptions): TextTable {
  const where = { ...options, what: `${kind} table` };
  const table = parseTable(text, where);
  COLUMN_RULES[kind](where, table);
  return table;
}

/**
 * Parses a particle coordinate table (spec §2.1): 6 columns `x y z` (nm) `phi theta psi` (deg),
 * or 3 columns `x y z` (orientation 0); more columns are ignored. Needs no permissions.
 */
export function parseCoordinateTable(
  text: string,
  options: TextTableOptions,
): ParticleCoordinate[] {
  return parseTableOf("coordinate", text, options).rows.map((row) => ({
    x: row[0]!,
    y: row[1]!,
    z: row[2]!,
    phi: row[3] ?? 0,
    theta: row[4] ?? 0,
    psi: row[5] ?? 0,
  }));
}

/** Parses a tilt-angle table (geom_file_in): columns ψ θ φ in deg. Needs no permissions. */
export function parseTiltAngleTable(text: string, options: TextTableOptions): TiltAngles[] {
  return parseTableOf("tilt-angle", text, options).rows.map((row) => ({
    psi: row[0]!,
    theta: row[1]!,
    phi: row[2]!,
  }));
}

/**
 * Parses a geometry-error table (error_file_in): columns ρ α τ (deg), x0 y0 (nm).
 * Needs no permissions.
 */
export function parseGeometryErrorTable(text: string, options: TextTableOptions): GeometryError[] {
  return parseTableOf("geometry-error", text, options).rows.map((row) => ({
    rot: row[0]!,
    axis: row[1]!,
    ang: row[2]!,
    x: row[3]!,
    y: row[4]!,
  }));
}

/** Parses a dose table (dose_file_in): the first column, e/nm². Needs no permissions. */
export function parseDoseTable(text: string, options: TextTableOptions): number[] {
  return parseTableOf("dose", text, options).rows.map((row) => row[0]!);
}

/** Parses a defocus table (defocus_file_in): the first column, µm. Needs no permissions. */
export function parseDefocusTable(text: string, options: TextTableOptions): number[] {
  return parseTableOf("defocus", text, options).rows.map((row) => row[0]!);
}

/**
 * Parses a PDB transformation table (pdb_transf_file_in): 6 columns `tx ty tz` (Å) `phi theta psi`
 * (deg) per transformation, or 4 columns with 3 rows per 3×4 matrix [R | t] (t in Å).
 * Needs no permissions.
 */
export function parsePdbTransformTable(text: string, options: TextTableOptions): PdbTransform[] {
  const table = parseTableOf("PDB transformation", text, options);
  if (table.columns !== 4) {
    return table.rows.map((row) => ({
      kind: "euler",
      translation: [row[0]!, row[1]!, row[2]!],
      phi: row[3]!,
      theta: row[4]!,
      psi: row[5]!,
    }));
  }
  const transforms: PdbTransform[] = [];
  for (let first = 0; first < table.rows.length; first += 3) {
    transforms.push({ kind: "matrix", matrix: table.rows.slice(first, first + 3).flat() });
  }
  return transforms;
}

/** A path as shown in messages: relative to the working folder when inside it. */
export function displayPath(path: string): string {
  let cwd: string;
  try {
    cwd = Deno.cwd();
  } catch {
    return path;
  }
  const shortened = relative(cwd, path);
  return shortened === "" || shortened.startsWith("..") ? path : shortened;
}

/**
 * Largest table file read, bytes (a table of a million rows fits many times over): the engine's
 * own cap and the one `ets validate` applies to a template's `*_file_in` tables (lib/config).
 */
export const MAX_TABLE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads a text file for a table; a missing file, a folder, a file above
 * {@linkcode MAX_TABLE_FILE_BYTES} or one holding NUL bytes (binary) is an input error.
 */
async function readTableText(path: string): Promise<{ text: string; options: TextTableOptions }> {
  const options = { fileName: displayPath(path), path };
  try {
    const size = (await Deno.stat(path)).size;
    if (size > MAX_TABLE_FILE_BYTES) {
      fail(
        { ...options, what: "" },
        undefined,
        `the file has ${size} bytes; a table may have at most ${MAX_TABLE_FILE_BYTES}`,
      );
    }
    const text = await Deno.readTextFile(path);
    if (text.includes("\0")) {
      fail({ ...options, what: "" }, undefined, "not a text file (it holds NUL bytes)");
    }
    return { text, options };
  } catch (error) {
    if (error instanceof TemInputError) throw error;
    if (error instanceof Deno.errors.NotFound) {
      fail({ ...options, what: "" }, undefined, "no such file");
    }
    if (error instanceof Deno.errors.IsADirectory) {
      fail({ ...options, what: "" }, undefined, "it is a folder, not a file");
    }
    throw new TemInputError(options, error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}

/** Reads a numeric text table (spec §1.3). Needs --allow-read on PATH. */
export async function readTextTable(path: string): Promise<TextTable> {
  const { text, options } = await readTableText(path);
  return parseTextTable(text, options);
}

/** Reads a particle coordinate file (see {@linkcode parseCoordinateTable}). Needs --allow-read on PATH. */
export async function readCoordinateFile(path: string): Promise<ParticleCoordinate[]> {
  const { text, options } = await readTableText(path);
  return parseCoordinateTable(text, options);
}

/** Reads a tilt-angle file (see {@linkcode parseTiltAngleTable}). Needs --allow-read on PATH. */
export async function readTiltAngleFile(path: string): Promise<TiltAngles[]> {
  const { text, options } = await readTableText(path);
  return parseTiltAngleTable(text, options);
}

/** Reads a geometry-error file (see {@linkcode parseGeometryErrorTable}). Needs --allow-read on PATH. */
export async function readGeometryErrorFile(path: string): Promise<GeometryError[]> {
  const { text, options } = await readTableText(path);
  return parseGeometryErrorTable(text, options);
}

/** Reads a dose file (see {@linkcode parseDoseTable}). Needs --allow-read on PATH. */
export async function readDoseFile(path: string): Promise<number[]> {
  const { text, options } = await readTableText(path);
  return parseDoseTable(text, options);
}

/** Reads a defocus file (see {@linkcode parseDefocusTable}). Needs --allow-read on PATH. */
export async function readDefocusFile(path: string): Promise<number[]> {
  const { text, options } = await readTableText(path);
  return parseDefocusTable(text, options);
}

/** Reads a PDB transformation file (see {@linkcode parsePdbTransformTable}). Needs --allow-read on PATH. */
export async function readPdbTransformFile(path: string): Promise<PdbTransform[]> {
  const { text, options } = await readTableText(path);
  return parsePdbTransformTable(text, options);
}

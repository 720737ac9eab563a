/**
 * Readers for the engine's small numeric text tables (spec §1.3): `#` comment lines, then a line
 * `m n`, then m rows of at least n numbers. Used for geom_file_out (ψ θ φ), error_file_out
 * (ρ α τ x0 y0), dose_file_out and defocus_file_out.
 *
 * @module
 */
import { excerpt, inputError } from "../errors/mod.ts";

/** A parsed table: `rows.length` rows of `columns` numbers each. */
export interface EngineTable {
  /** Declared number of columns. */
  columns: number;
  /** The rows, each cut to `columns` numbers. */
  rows: number[][];
}

function parseNumber(token: string): number {
  // Number("") is 0 and Number(" ") too; tokens are non-empty here.
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token) ? Number(token) : NaN;
}

/**
 * Parses an engine table. `minColumns` is the number of columns the caller needs. Throws an
 * `input` EtsError naming the file and line when the text does not have that shape.
 * Needs no permissions.
 */
export function parseEngineTable(text: string, fileName: string, minColumns: number): EngineTable {
  const lines = text.split(/\r\n|\n|\r/);
  let header: { m: number; n: number } | undefined;
  const rows: number[][] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    if (raw.startsWith("#")) continue;
    const tokens = raw.trim().split(/\s+/).filter((t) => t !== "");
    if (tokens.length === 0) continue;
    const lineNo = i + 1;
    if (header === undefined) {
      const m = parseNumber(tokens[0] ?? ""), n = parseNumber(tokens[1] ?? "");
      if (!Number.isInteger(m) || !Number.isInteger(n) || m < 0 || n < 1) {
        throw inputError(
          `Cannot read "${fileName}": line ${lineNo}: expected the table size "rows columns", got ${
            excerpt(raw.trim())
          }`,
          { file: fileName, line: lineNo },
        );
      }
      if (n < minColumns) {
        throw inputError(
          `Cannot read "${fileName}": line ${lineNo}: expected at least ${minColumns} columns, the table declares ${n}`,
          { file: fileName, line: lineNo },
        );
      }
      header = { m, n };
      continue;
    }
    if (rows.length === header.m) break;
    if (tokens.length < header.n) {
      throw inputError(
        `Cannot read "${fileName}": line ${lineNo}: expected ${header.n} numbers, got ${tokens.length}`,
        { file: fileName, line: lineNo },
      );
    }
    const row = tokens.slice(0, header.n).map(parseNumber);
    const bad = row.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw inputError(
        `Cannot read "${fileName}": line ${lineNo}: ${excerpt(tokens[bad] ?? "")} is not a number`,
        { file: fileName, line: lineNo },
      );
    }
    rows.push(row);
  }
  if (header === undefined) {
    throw inputError(`Cannot read "${fileName}": no table size line "rows columns" found`, {
      file: fileName,
    });
  }
  if (rows.length < header.m) {
    throw inputError(
      `Cannot read "${fileName}": the table declares ${header.m} rows but has ${rows.length}`,
      { file: fileName },
    );
  }
  return { columns: header.n, rows };
}

/** One tilt of geom_file_out (deg). */
export interface GeomRow {
  /** ψ */
  psi: number;
  /** θ */
  theta: number;
  /** φ */
  phi: number;
}

/** One tilt of error_file_out. */
export interface ErrorRow {
  /** In-plane rotation error ρ, deg. */
  rotation: number;
  /** Direction α of the tilt-error axis, deg. */
  errorAxis: number;
  /** Tilt error τ, deg. */
  tiltError: number;
  /** Shift x0, nm. */
  shiftXNm: number;
  /** Shift y0, nm. */
  shiftYNm: number;
}

/** Parses geom_file_out / geom_file_in (ψ θ φ per tilt). Needs no permissions. */
export function parseGeomTable(text: string, fileName: string): GeomRow[] {
  return parseEngineTable(text, fileName, 3).rows.map((r) => ({
    psi: r[0] ?? 0,
    theta: r[1] ?? 0,
    phi: r[2] ?? 0,
  }));
}

/** Parses error_file_out / error_file_in (ρ α τ x0 y0 per tilt). Needs no permissions. */
export function parseErrorTable(text: string, fileName: string): ErrorRow[] {
  return parseEngineTable(text, fileName, 5).rows.map((r) => ({
    rotation: r[0] ?? 0,
    errorAxis: r[1] ?? 0,
    tiltError: r[2] ?? 0,
    shiftXNm: r[3] ?? 0,
    shiftYNm: r[4] ?? 0,
  }));
}

/** Parses a one-column table (dose in e/nm², defocus in µm). Needs no permissions. */
export function parseColumnTable(text: string, fileName: string): number[] {
  return parseEngineTable(text, fileName, 1).rows.map((r) => r[0] ?? 0);
}

/**
 * The particle coordinate template (`coord` in the YAML): TEM-Simulator's table layout (`N 6`
 * header, then `x y z phi theta psi` rows), positions in pixels with the origin at the centre.
 *
 * @module
 */
import { excerpt } from "../errors/mod.ts";
import { InputFileError } from "./config_error.ts";

/** One template row: pixel position and ZXZ angles (degrees; 0 when the table has 3 columns). */
export interface CoordTemplateRow {
  /** x, y, z in pixels. */
  position: [number, number, number];
  /** phi, theta, psi in degrees. */
  orientation: [number, number, number];
}

/**
 * Parses a coordinate template. The header's first number is the particle count (as
 * ETSimulations reads it); rows need at least 3 numbers (6 when the header says 6 columns).
 * Throws an `InputFileError` (exit 2) naming the line. Needs no permissions.
 */
export function parseCoordTemplate(
  text: string,
  fileName: string,
  path?: string,
): CoordTemplateRow[] {
  const fail = (line: number | undefined, reason: string): never => {
    throw new InputFileError({ fileName, path, line }, reason);
  };
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let count: number | undefined;
  let columns = 6;
  const rows: CoordTemplateRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const tokens = line.split(/\s+/);
    if (count === undefined) {
      const n = Number(tokens[0]);
      const m = Number(tokens[1] ?? "6");
      if (!Number.isInteger(n) || n < 0) {
        fail(i + 1, `the header must start with the particle count, got ${excerpt(line)}`);
      }
      if (!Number.isInteger(m) || m < 3) {
        fail(i + 1, `the header's column count must be at least 3, got ${excerpt(line)}`);
      }
      count = n;
      columns = m;
      continue;
    }
    if (rows.length === count) break;
    const values = tokens.map(Number);
    const needed = Math.min(columns, 6);
    if (
      values.length < needed || values.slice(0, needed).some((value) => !Number.isFinite(value))
    ) {
      fail(i + 1, `expected ${needed} numbers, got ${excerpt(line)}`);
    }
    rows.push({
      position: [values[0] ?? 0, values[1] ?? 0, values[2] ?? 0],
      orientation: needed >= 6 ? [values[3] ?? 0, values[4] ?? 0, values[5] ?? 0] : [0, 0, 0],
    });
  }
  if (count === undefined) fail(undefined, "no header line (particle count and columns)");
  if (rows.length < (count ?? 0)) {
    fail(undefined, `the header announces ${count} particles, the file has ${rows.length}`);
  }
  return rows;
}

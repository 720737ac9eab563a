/**
 * Reading back the particle CSV (`NAME_i_particles.csv`, written by truth_formats.ts): every
 * particle's number, class, position (nm) and engine ZXZ angles, for tools that place the
 * particles again (label maps). Conventions: docs/conventions.md §7.1.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";

/** One particle as read back. */
export interface ParticleTableRow {
  /** 1-based particle number within the stack. */
  id: number;
  /** 1-based class number. */
  classNumber: number;
  /** Class name. */
  className: string;
  /** Position, nm (sample frame). */
  x: number;
  /** nm */
  y: number;
  /** nm */
  z: number;
  /** Engine ZXZ angles, deg. */
  phi: number;
  /** deg */
  theta: number;
  /** deg */
  psi: number;
}

/** Splits one CSV line (fields may be quoted, with "" for a quote). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Parses a particle CSV's text (`name` is used in errors). Throws an `input` EtsError naming the
 * file and line for a missing column or a bad number. Needs no permissions.
 */
export function parseParticlesCsv(text: string, name: string): ParticleTableRow[] {
  const lines = text.split(/\r\n|\n|\r/).filter((line) => line.trim() !== "");
  const header = splitCsvLine(lines[0] ?? "").map((h) => h.trim());
  const index = new Map(header.map((h, i) => [h, i]));
  const columns = [
    "particle",
    "class_number",
    "class_name",
    "x_nm",
    "y_nm",
    "z_nm",
    "phi_deg",
    "theta_deg",
    "psi_deg",
  ];
  for (const column of columns) {
    if (!index.has(column)) {
      throw inputError(`Cannot read "${name}": line 1: no column "${column}"`, {
        file: name,
        line: 1,
      });
    }
  }
  return lines.slice(1).map((line, r) => {
    const cells = splitCsvLine(line);
    const cell = (column: string) => cells[index.get(column)!] ?? "";
    const num = (column: string) => {
      const v = Number(cell(column));
      if (cell(column).trim() === "" || !Number.isFinite(v)) {
        throw inputError(
          `Cannot read "${name}": line ${r + 2}: "${column}" must be a number, got "${
            cell(column)
          }"`,
          { file: name, line: r + 2 },
        );
      }
      return v;
    };
    return {
      id: num("particle"),
      classNumber: num("class_number"),
      className: cell("class_name"),
      x: num("x_nm"),
      y: num("y_nm"),
      z: num("z_nm"),
      phi: num("phi_deg"),
      theta: num("theta_deg"),
      psi: num("psi_deg"),
    };
  });
}

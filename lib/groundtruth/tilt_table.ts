/**
 * Reading back the per-tilt CSV (`NAME_i_tilts.csv`, written by truth_formats.ts): the nominal
 * angle and the full simulated geometry of every tilt, for tools that use the tilt series as
 * simulated (reconstruction). Conventions: docs/conventions.md §6.
 *
 * @module
 */
import { excerpt, inputError } from "../errors/mod.ts";
import type { TiltGeometry } from "./types.ts";

/** One row of the tilt table as read back. */
export interface TiltTableRow {
  /** 0-based section. */
  section: number;
  /** Nominal tilt angle, deg. */
  nominal: number;
  /** The simulated geometry of the tilt. */
  geometry: TiltGeometry;
  /** Defocus, µm (positive = underfocus), when the table has it. */
  defocusUm?: number;
  /** Dose, e/Å², when the table has it. */
  doseEPerA2?: number;
}

const REQUIRED = [
  "section",
  "nominal_tilt_deg",
  "geom_psi_deg",
  "geom_theta_deg",
  "geom_phi_deg",
  "rotation_error_deg",
  "tilt_error_deg",
  "tilt_error_axis_deg",
  "shift_x_nm",
  "shift_y_nm",
] as const;

/**
 * Parses a tilt table's text (`name` is used in errors). Rows come back in section order.
 * Throws an `input` EtsError naming the file and line for a missing column or a bad number.
 * Needs no permissions.
 */
export function parseTiltCsv(text: string, name: string): TiltTableRow[] {
  const lines = text.split(/\r\n|\n|\r/).filter((line) => line.trim() !== "");
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  const index = new Map(header.map((h, i) => [h, i]));
  for (const column of REQUIRED) {
    if (!index.has(column)) {
      throw inputError(`Cannot read "${name}": line 1: no column "${column}"`, {
        file: name,
        line: 1,
      });
    }
  }
  const rows: TiltTableRow[] = [];
  lines.slice(1).forEach((line, r) => {
    const cells = line.split(",");
    const lineNo = r + 2;
    const value = (column: string, optional = false): number | undefined => {
      const cell = (cells[index.get(column) ?? -1] ?? "").trim();
      if (cell === "" && optional) return undefined;
      const v = Number(cell);
      if (cell === "" || !Number.isFinite(v)) {
        throw inputError(
          `Cannot read "${name}": line ${lineNo}: "${column}" must be a number, got ${
            excerpt(cell)
          }`,
          { file: name, line: lineNo },
        );
      }
      return v;
    };
    const need = (column: string) => value(column) as number;
    rows.push({
      section: need("section"),
      nominal: need("nominal_tilt_deg"),
      geometry: {
        psi: need("geom_psi_deg"),
        theta: need("geom_theta_deg"),
        phi: need("geom_phi_deg"),
        rotation: need("rotation_error_deg"),
        errorAxis: need("tilt_error_axis_deg"),
        tiltError: need("tilt_error_deg"),
        shiftXNm: need("shift_x_nm"),
        shiftYNm: need("shift_y_nm"),
      },
      defocusUm: index.has("defocus_um") ? value("defocus_um", true) : undefined,
      doseEPerA2: index.has("dose_e_per_A2") ? value("dose_e_per_A2", true) : undefined,
    });
  });
  rows.sort((a, b) => a.section - b.section);
  return rows;
}

/**
 * The RELION 5 tilt-series set of one stack, `NAME_i_tomograms.star` (pure): what RELION 5's
 * tomography pipeline imports — a `data_global` row (optics, pixel size, handedness, tomogram
 * size) and a `data_NAME_i` block with every tilt's image, nominal angles, defocus and the
 * alignment that reproduces the engine's projection. Conventions: docs/conventions.md §6, §9.
 *
 * @module
 */
import type { StackTruthTables, TiltRecord } from "./stack_truth.ts";
import { fixed, starLoop, starValue } from "./truth_formats.ts";
import type { OpticsTruth } from "./types.ts";

/** What the tilt-series set needs beyond the tables. */
export interface TomogramsStarOptions {
  /** The noisy tilt series file name as RELION should find it (relative to the STAR file). */
  stackFile: string;
  /** This STAR file's own name (RELION reads the per-tilt block from `rlnTomoTiltSeriesStarFile`). */
  starFile: string;
  /** The nominal tilt axis, deg from the image x axis (0 for generated series). */
  tiltAxis: number;
  /** Optics (voltage, Cs, amplitude contrast), when known. */
  optics?: OpticsTruth;
}

/**
 * RELION's defocus handedness for the engine's frame: the engine's underfocus grows with the
 * depth along the beam (Δf + z, docs/conventions.md §4), which RELION expresses as +1.
 */
export const RELION_TOMO_HAND = 1;

/** Columns of the per-tilt block, in order (one row per tilt: {@linkcode tiltRow}). */
const TILT_LABELS = [
  "rlnMicrographName",
  "rlnTomoNominalStageTiltAngle",
  "rlnTomoNominalTiltAxisAngle",
  "rlnMicrographPreExposure",
  "rlnDefocusU",
  "rlnDefocusV",
  "rlnDefocusAngle",
  "rlnTomoXTilt",
  "rlnTomoYTilt",
  "rlnTomoZRot",
  "rlnTomoXShiftAngst",
  "rlnTomoYShiftAngst",
];

/**
 * Formats `NAME_i_tomograms.star`. Needs no permissions.
 */
export function formatTomogramsStar(
  t: StackTruthTables,
  etsVersion: string,
  options: TomogramsStarOptions,
): string {
  const tomo = starValue(t.stackName);
  const global = globalColumns(t, tomo, options);
  const axis = fixed(options.tiltAxis - 90, 6);
  const rows = t.tilts.map((r) => tiltRow(r, options.stackFile, axis));
  return starHeader(tomo, etsVersion) +
    starLoop("global", "50001", global.labels, [global.row]) +
    starLoop(tomo, "50001", TILT_LABELS, rows);
}

/** The comment lines that open the file: what it is, who wrote it, what the columns mean. */
function starHeader(tomo: string, etsVersion: string): string {
  return [
    `# RELION 5 tilt-series set of ${tomo}, written by ets ${etsVersion}.`,
    "# Per tilt: the image, nominal angles, defocus (A, underfocus positive, at the tilt axis) and",
    "# rlnTomoXTilt/YTilt/ZRot/X,YShiftAngst that reproduce the simulated projection exactly.",
    "# rlnMicrographPreExposure is 0: the simulation applies no radiation damage.",
    "# Conventions: docs/conventions.md.",
    "",
    "",
  ].join("\n");
}

/**
 * The `data_global` row's labels and values: the tomogram name, the optics when known, pixel
 * sizes, handedness, optics group, this file and the tomogram size.
 */
function globalColumns(
  t: StackTruthTables,
  tomo: string,
  options: TomogramsStarOptions,
): { labels: string[]; row: string[] } {
  const labels = ["rlnTomoName"];
  const row = [tomo];
  const o = options.optics;
  if (o) {
    labels.push("rlnVoltage", "rlnSphericalAberration", "rlnAmplitudeContrast");
    row.push(
      fixed(o.voltageKv, 6),
      fixed(o.sphericalAberrationMm, 6),
      fixed(o.amplitudeContrast ?? 0.07, 6),
    );
  }
  labels.push(
    "rlnMicrographOriginalPixelSize",
    "rlnTomoTiltSeriesPixelSize",
    "rlnTomoHand",
    "rlnOpticsGroupName",
    "rlnTomoTiltSeriesStarFile",
    "rlnTomoSizeX",
    "rlnTomoSizeY",
    "rlnTomoSizeZ",
  );
  row.push(
    fixed(t.apixAngst, 6),
    fixed(t.apixAngst, 6),
    String(RELION_TOMO_HAND),
    "optics1",
    starValue(options.starFile),
    String(t.tomogramSize.nx),
    String(t.tomogramSize.ny),
    String(t.tomogramSize.nz),
  );
  return { labels, row };
}

/**
 * One tilt's row of the per-tilt block ({@linkcode TILT_LABELS}): image in `stackFile`, nominal
 * angles (`axis` already formatted), no pre-exposure, defocus in Å and the RELION 5 alignment.
 */
function tiltRow(r: TiltRecord, stackFile: string, axis: string): string[] {
  const defocusA = r.defocusUm === undefined ? undefined : r.defocusUm * 1e4;
  return [
    `${r.section + 1}@${starValue(stackFile)}`,
    fixed(r.nominal, 6),
    axis,
    "0.000000",
    fixed(defocusA, 3) || "0.000",
    fixed(defocusA, 3) || "0.000",
    "0.000000",
    fixed(r.relion.xTilt, 6),
    fixed(r.relion.yTilt, 6),
    fixed(r.relion.zRot, 6),
    fixed(r.relion.xShiftAngst, 6),
    fixed(r.relion.yShiftAngst, 6),
  ];
}

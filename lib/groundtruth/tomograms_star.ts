/**
 * The RELION 5 tilt-series set of one stack, `NAME_i_tomograms.star` (pure): what RELION 5's
 * tomography pipeline imports — a `data_global` row (optics, pixel size, handedness, tomogram
 * size) and a `data_NAME_i` block with every tilt's image, nominal angles, defocus and the
 * alignment that reproduces the engine's projection. Conventions: docs/conventions.md §6, §9.
 *
 * @module
 */
import type { StackTruthTables } from "./stack_truth.ts";
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

/**
 * Formats `NAME_i_tomograms.star`. Needs no permissions.
 */
export function formatTomogramsStar(
  t: StackTruthTables,
  etsVersion: string,
  options: TomogramsStarOptions,
): string {
  const tomo = starValue(t.stackName);
  const header = [
    `# RELION 5 tilt-series set of ${tomo}, written by ets ${etsVersion}.`,
    "# Per tilt: the image, nominal angles, defocus (A, underfocus positive, at the tilt axis) and",
    "# rlnTomoXTilt/YTilt/ZRot/X,YShiftAngst that reproduce the simulated projection exactly.",
    "# rlnMicrographPreExposure is 0: the simulation applies no radiation damage.",
    "# Conventions: docs/conventions.md.",
    "",
    "",
  ].join("\n");
  const o = options.optics;
  const globalLabels = ["rlnTomoName"];
  const globalRow = [tomo];
  if (o) {
    globalLabels.push("rlnVoltage", "rlnSphericalAberration", "rlnAmplitudeContrast");
    globalRow.push(
      fixed(o.voltageKv, 6),
      fixed(o.sphericalAberrationMm, 6),
      fixed(o.amplitudeContrast ?? 0.07, 6),
    );
  }
  globalLabels.push(
    "rlnMicrographOriginalPixelSize",
    "rlnTomoTiltSeriesPixelSize",
    "rlnTomoHand",
    "rlnOpticsGroupName",
    "rlnTomoTiltSeriesStarFile",
    "rlnTomoSizeX",
    "rlnTomoSizeY",
    "rlnTomoSizeZ",
  );
  globalRow.push(
    fixed(t.apixAngst, 6),
    fixed(t.apixAngst, 6),
    String(RELION_TOMO_HAND),
    "optics1",
    starValue(options.starFile),
    String(t.tomogramSize.nx),
    String(t.tomogramSize.ny),
    String(t.tomogramSize.nz),
  );
  const axis = fixed(options.tiltAxis - 90, 6);
  const rows = t.tilts.map((r) => {
    const defocusA = r.defocusUm === undefined ? undefined : r.defocusUm * 1e4;
    return [
      `${r.section + 1}@${starValue(options.stackFile)}`,
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
  });
  return header + starLoop("global", "50001", globalLabels, [globalRow]) + starLoop(
    tomo,
    "50001",
    [
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
    ],
    rows,
  );
}

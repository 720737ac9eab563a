/**
 * Text formats of the ground truth (pure): IMOD tilt files, CSV tables and RELION 4/5 STAR
 * files. Conventions: docs/conventions.md.
 *
 * @module
 */
import type { OpticsTruth } from "./types.ts";
import type { StackTruthTables } from "./stack_truth.ts";

const CONVENTIONS = "docs/conventions.md";

/** A number with `digits` decimals ("" when absent or not finite; never "-0.0"). Needs no permissions. */
export function fixed(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return "";
  const s = value.toFixed(digits);
  // no "-0.000000"
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** IMOD .rawtlt: nominal tilt angles, one per line. Needs no permissions. */
export function formatRawtlt(t: StackTruthTables): string {
  return t.tilts.map((r) => fixed(r.nominal, 2)).join("\n") + "\n";
}

/** IMOD .tlt: tilt angles as simulated (with tilt errors), one per line. Needs no permissions. */
export function formatTlt(t: StackTruthTables): string {
  return t.tilts.map((r) => fixed(r.simulated, 4)).join("\n") + "\n";
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The columns of the per-tilt CSV, in order. */
export const TILT_CSV_COLUMNS = [
  "section",
  "nominal_tilt_deg",
  "simulated_tilt_deg",
  "geom_psi_deg",
  "geom_theta_deg",
  "geom_phi_deg",
  "rotation_error_deg",
  "tilt_error_deg",
  "tilt_error_axis_deg",
  "shift_x_nm",
  "shift_y_nm",
  "shift_x_px",
  "shift_y_px",
  "dose_e_per_nm2",
  "dose_e_per_A2",
  "defocus_um",
  "rlnTomoXTilt",
  "rlnTomoYTilt",
  "rlnTomoZRot",
  "rlnTomoXShiftAngst",
  "rlnTomoYShiftAngst",
] as const;

/**
 * Per-tilt CSV: nominal and simulated angles, the engine's tilt geometry and alignment errors
 * (shifts in nm and pixels; the image content is displaced by +shift), dose, defocus and the
 * RELION 5 alignment that reproduces the projection. Needs no permissions.
 */
export function formatTiltCsv(t: StackTruthTables): string {
  const apixNm = t.apixAngst / 10;
  const lines = [TILT_CSV_COLUMNS.join(",")];
  for (const r of t.tilts) {
    const g = r.geometry;
    lines.push([
      String(r.section),
      fixed(r.nominal, 4),
      fixed(r.simulated, 4),
      fixed(g.psi, 4),
      fixed(g.theta, 4),
      fixed(g.phi, 4),
      fixed(g.rotation, 4),
      fixed(g.tiltError, 4),
      fixed(g.errorAxis, 4),
      fixed(g.shiftXNm, 4),
      fixed(g.shiftYNm, 4),
      fixed(g.shiftXNm / apixNm, 4),
      fixed(g.shiftYNm / apixNm, 4),
      fixed(r.doseEPerNm2, 4),
      fixed(r.doseEPerNm2 === undefined ? undefined : r.doseEPerNm2 / 100, 6),
      fixed(r.defocusUm, 4),
      fixed(r.relion.xTilt, 6),
      fixed(r.relion.yTilt, 6),
      fixed(r.relion.zRot, 6),
      fixed(r.relion.xShiftAngst, 6),
      fixed(r.relion.yShiftAngst, 6),
    ].join(","));
  }
  return lines.join("\n") + "\n";
}

/** The columns of the particle CSV, in order. */
export const PARTICLE_CSV_COLUMNS = [
  "tomo_name",
  "particle",
  "class_number",
  "class_name",
  "index_in_set",
  "x_nm",
  "y_nm",
  "z_nm",
  "phi_deg",
  "theta_deg",
  "psi_deg",
  "rlnAngleRot",
  "rlnAngleTilt",
  "rlnAnglePsi",
  "rlnCenteredCoordinateXAngst",
  "rlnCenteredCoordinateYAngst",
  "rlnCenteredCoordinateZAngst",
  "rlnCoordinateX",
  "rlnCoordinateY",
  "rlnCoordinateZ",
  "zero_tilt_section",
  "zero_tilt_x_px",
  "zero_tilt_y_px",
  "in_view",
] as const;

/**
 * Whether a particle's centre is in view: its predicted pixel in the zero tilt lies inside the
 * image (pixel centres 0 … n − 1, each pixel ±0.5). Needs no permissions.
 */
export function particleInView(
  t: Pick<StackTruthTables, "tomogramSize">,
  p: Pick<StackTruthTables["particles"][number], "zeroTiltPx">,
): boolean {
  const { x, y } = p.zeroTiltPx;
  return Number.isFinite(x) && Number.isFinite(y) && x >= -0.5 && y >= -0.5 &&
    x < t.tomogramSize.nx - 0.5 && y < t.tomogramSize.ny - 0.5;
}

/**
 * Particle CSV: every particle of every set with the engine's values (nm, ZXZ deg), RELION's
 * angles and coordinates, its predicted pixel in the zero tilt, and `in_view` (1 when that pixel
 * lies in the image, else 0). Needs no permissions.
 */
export function formatParticlesCsv(t: StackTruthTables): string {
  const lines = [PARTICLE_CSV_COLUMNS.join(",")];
  for (const p of t.particles) {
    lines.push([
      csvField(t.stackName),
      String(p.id),
      String(p.classNumber),
      csvField(p.className),
      String(p.indexInSet),
      fixed(p.engine.x, 6),
      fixed(p.engine.y, 6),
      fixed(p.engine.z, 6),
      fixed(p.engine.phi, 6),
      fixed(p.engine.theta, 6),
      fixed(p.engine.psi, 6),
      fixed(p.relion.rot, 6),
      fixed(p.relion.tilt, 6),
      fixed(p.relion.psi, 6),
      fixed(p.centeredAngst.x, 6),
      fixed(p.centeredAngst.y, 6),
      fixed(p.centeredAngst.z, 6),
      fixed(p.tomogramPx.x, 6),
      fixed(p.tomogramPx.y, 6),
      fixed(p.tomogramPx.z, 6),
      String(t.zeroTiltSection),
      fixed(p.zeroTiltPx.x, 4),
      fixed(p.zeroTiltPx.y, 4),
      particleInView(t, p) ? "1" : "0",
    ].join(","));
  }
  return lines.join("\n") + "\n";
}

/** A STAR value: no whitespace, never empty, never starting with `_`, `#`, `'` or `"`. */
export function starValue(value: string): string {
  let v = value.replace(/\s+/g, "_");
  if (v === "") v = "unnamed";
  if (/^[_#'"$;]/.test(v) || /^(data_|loop_|save_|global_|stop_)/i.test(v)) v = `x${v}`;
  return v;
}

/** A STAR data block with one loop. Needs no permissions. */
export function starLoop(
  name: string,
  version: string,
  labels: string[],
  rows: string[][],
): string {
  const out = [`# version ${version}`, "", `data_${name}`, "", "loop_"];
  labels.forEach((label, i) => out.push(`_${label} #${i + 1}`));
  for (const row of rows) out.push(row.join("\t"));
  out.push("", "");
  return out.join("\n");
}

function opticsBlock(version: string, apixAngst: number, optics?: OpticsTruth): string {
  const labels = ["rlnOpticsGroup", "rlnOpticsGroupName", "rlnTomoTiltSeriesPixelSize"];
  const row = ["1", "opticsGroup1", fixed(apixAngst, 6)];
  if (optics) {
    labels.push("rlnVoltage", "rlnSphericalAberration", "rlnAmplitudeContrast");
    row.push(
      fixed(optics.voltageKv, 6),
      fixed(optics.sphericalAberrationMm, 6),
      fixed(optics.amplitudeContrast ?? 0.07, 6),
    );
  }
  return starLoop("optics", version, labels, [row]);
}

function classesBlock(version: string, classNames: string[]): string {
  return starLoop(
    "ets_classes",
    version,
    ["rlnClassNumber", "etsClassName"],
    classNames.map((name, i) => [String(i + 1), starValue(name)]),
  );
}

/** What distinguishes the RELION 5 and RELION 4 particle files. */
interface ParticleStarStyle {
  /** Header comment lines between the title and the class-name line. */
  notes: string[];
  /** Data block version number used in the block names. */
  version: string;
  /** The three coordinate columns. */
  coordinateColumns: [string, string, string];
  /** A particle's coordinates in those columns. */
  coordinates: (p: StackTruthTables["particles"][number]) => { x: number; y: number; z: number };
  /** "RELION 5" or "RELION 4". */
  style: string;
}

/** A particle STAR file in `style` (shared by the RELION 5 and RELION 4 writers). */
function formatParticleStar(
  t: StackTruthTables,
  etsVersion: string,
  optics: OpticsTruth | undefined,
  style: ParticleStarStyle,
): string {
  const tomo = starValue(t.stackName);
  const header = [
    `# Ground truth of tilt series ${tomo}, written by ets ${etsVersion} (${style.style} style).`,
    ...style.notes,
    "# etsInView: 1 when the particle's centre is in the zero tilt's image, else 0.",
    "# Class names: data_ets_classes. Conventions: " + CONVENTIONS + ".",
    "",
    "",
  ].join("\n");
  const rows = t.particles.map((p) => {
    const c = style.coordinates(p);
    return [
      tomo,
      `${tomo}/${p.id}`,
      fixed(c.x, 6),
      fixed(c.y, 6),
      fixed(c.z, 6),
      fixed(p.relion.rot, 6),
      fixed(p.relion.tilt, 6),
      fixed(p.relion.psi, 6),
      String(p.classNumber),
      "1",
      particleInView(t, p) ? "1" : "0",
    ];
  });
  return header + opticsBlock(style.version, t.apixAngst, optics) + starLoop(
    "particles",
    style.version,
    [
      "rlnTomoName",
      "rlnTomoParticleName",
      ...style.coordinateColumns,
      "rlnAngleRot",
      "rlnAngleTilt",
      "rlnAnglePsi",
      "rlnClassNumber",
      "rlnOpticsGroup",
      "etsInView",
    ],
    rows,
  ) + classesBlock(style.version, t.classNames);
}

/**
 * RELION 5 particle STAR: data_optics, data_particles (rlnTomoName, rlnTomoParticleName,
 * rlnCenteredCoordinate*Angst, rlnAngleRot/Tilt/Psi, rlnClassNumber, rlnOpticsGroup) and
 * data_ets_classes (class number → class name). Needs no permissions.
 */
export function formatRelion5Star(t: StackTruthTables, etsVersion: string, optics?: OpticsTruth) {
  return formatParticleStar(t, etsVersion, optics, {
    style: "RELION 5",
    version: "50001",
    notes: [
      "# rlnCenteredCoordinate*Angst: Angstrom from the tomogram centre = the tilt axis at the ice",
      "# centre; rlnAngleRot/Tilt/Psi: RELION ZYZ, reference-to-particle rotation.",
    ],
    coordinateColumns: [
      "rlnCenteredCoordinateXAngst",
      "rlnCenteredCoordinateYAngst",
      "rlnCenteredCoordinateZAngst",
    ],
    coordinates: (p) => p.centeredAngst,
  });
}

/**
 * RELION 4 particle STAR: like the RELION 5 file but with rlnCoordinateX/Y/Z in unbinned pixels
 * of a tomogram of `tomogramSize` (coordinate = Å from the centre / pixel size + size / 2).
 * Needs no permissions.
 */
export function formatRelion4Star(t: StackTruthTables, etsVersion: string, optics?: OpticsTruth) {
  const s = t.tomogramSize;
  return formatParticleStar(t, etsVersion, optics, {
    style: "RELION 4",
    version: "30001",
    notes: [
      `# rlnCoordinateX/Y/Z: unbinned pixels (${fixed(t.apixAngst, 6)} A) in a tomogram of`,
      `# ${s.nx} x ${s.ny} x ${s.nz} pixels whose centre (size/2) is the tilt axis at the ice centre;`,
      "# rlnAngleRot/Tilt/Psi: RELION ZYZ, reference-to-particle rotation.",
    ],
    coordinateColumns: ["rlnCoordinateX", "rlnCoordinateY", "rlnCoordinateZ"],
    coordinates: (p) => p.tomogramPx,
  });
}

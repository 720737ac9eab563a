/**
 * Tilt geometry (spec §3.5): nominal tilt angles, geometry errors (none, random, file) and the
 * translation (x0, y0); the dose (spec §1.2 electronbeam) and defocus (optics) per tilt. The
 * sample → microscope rotation P = Rz(ρ)·R_α(τ)·Rz(φ)·Rx(θ)·Rz(ψ) is `tiltGeometryRotation` of
 * lib/geometry/mod.ts (shared with the ground truth).
 *
 * @module
 */
import type {
  ElectronBeamParameters,
  GeometryError,
  GeometryParameters,
  OpticsParameters,
  TiltAngles,
} from "./input/mod.ts";
import type { RandomStream } from "./random.ts";

/** One tilt's geometry. */
export interface TiltGeometry {
  /** Nominal angles, deg. */
  angles: TiltAngles;
  /** Errors (ρ, α, τ in deg; x0, y0 in nm). */
  error: GeometryError;
  /** Sample → microscope rotation, row-major. */
  rotation: number[];
}

/**
 * Nominal tilt angles: generated (ψ, θ, φ) = (−axis, θ0 + i·Δθ, axis), or the file's rows.
 * Needs no permissions.
 */
export function nominalTilts(geometry: GeometryParameters, fileRows?: TiltAngles[]): TiltAngles[] {
  if (geometry.gen_tilt_data) {
    const n = geometry.ntilts!;
    return Array.from({ length: n }, (_, i) => ({
      psi: -geometry.tilt_axis,
      theta: geometry.theta_start! + i * geometry.theta_incr!,
      phi: geometry.tilt_axis,
    }));
  }
  const rows = fileRows ?? [];
  return rows.slice(0, geometry.ntilts ?? rows.length);
}

/**
 * Geometry errors per tilt (spec §3.5): random draws in the order ρ, [α], τ, x0, y0 per tilt, or
 * the file's rows, or zeros. Needs no permissions.
 */
export function geometryErrors(
  geometry: GeometryParameters,
  ntilts: number,
  random: RandomStream,
  fileRows?: GeometryError[],
): GeometryError[] {
  if (geometry.geom_errors === "none") {
    return Array.from({ length: ntilts }, () => ({ rot: 0, axis: 0, ang: 0, x: 0, y: 0 }));
  }
  if (geometry.geom_errors === "file") {
    const rows = fileRows ?? [];
    return Array.from(
      { length: ntilts },
      (_, i) => rows[i] ?? { rot: 0, axis: 0, ang: 0, x: 0, y: 0 },
    );
  }
  const trSd = geometry.align_err_tr / Math.SQRT2;
  return Array.from({ length: ntilts }, () => {
    const rot = random.normal(0, geometry.align_err_rot);
    const axis = geometry.tilt_err !== 0 ? random.uniformIn(0, 180) : 0;
    const ang = random.normal(0, geometry.tilt_err);
    const x = random.normal(0, trSd);
    const y = random.normal(0, trSd);
    return { rot, axis, ang, x, y };
  });
}

/**
 * Dose per tilt, e/nm² (spec §1.2 electronbeam). Draws one normal per tilt when generated.
 * Needs no permissions.
 */
export function tiltDoses(
  beam: ElectronBeamParameters,
  ntilts: number,
  random: RandomStream,
  fileRows?: number[],
): number[] {
  if (!beam.gen_dose) return Array.from({ length: ntilts }, (_, i) => fileRows?.[i] ?? 0);
  const average = beam.total_dose !== undefined ? beam.total_dose / ntilts : beam.dose_per_im ?? 0;
  return Array.from(
    { length: ntilts },
    () => Math.max(0, average * random.normal(1, beam.dose_sd)),
  );
}

/**
 * Defocus per tilt, µm (spec §1.2 optics): N(N(nominal, syst), nonsyst), or the file's rows.
 * Needs no permissions.
 */
export function tiltDefocus(
  optics: OpticsParameters,
  ntilts: number,
  random: RandomStream,
  fileRows?: number[],
): number[] {
  if (!optics.gen_defocus) return Array.from({ length: ntilts }, (_, i) => fileRows?.[i] ?? 0);
  const systematic = random.normal(optics.defocus_nominal!, optics.defocus_syst_error);
  return Array.from(
    { length: ntilts },
    () => random.normal(systematic, optics.defocus_nonsyst_error),
  );
}

/**
 * The engine's forward model from the sample frame to tilt-image pixels (spec §3.5, §3.6), and
 * derived per-tilt quantities: the angle as simulated (IMOD .tlt) and RELION 5's alignment.
 * See docs/conventions.md.
 *
 * @module
 */
import type { PixelPoint, Point3, TiltGeometry } from "./types.ts";
import { apply3, type Mat3, tiltGeometryRotation } from "../geometry/mod.ts";
import { matrixToRelionTiltAngles, wrapDegrees } from "./rotation.ts";

const DEG = Math.PI / 180;

/** A tilt without errors: generated series with `tilt_axis` (deg) and tilt angle θ. */
export function nominalTiltGeometry(theta: number, tiltAxis = 0): TiltGeometry {
  return {
    psi: -tiltAxis,
    theta,
    phi: tiltAxis,
    rotation: 0,
    errorAxis: 0,
    tiltError: 0,
    shiftXNm: 0,
    shiftYNm: 0,
  };
}

/**
 * The specimen rotation of one tilt, P = Rz(ρ)·R_α(τ)·Rz(φ)·Rx(θ)·Rz(ψ) (spec §3.5): a sample
 * point X goes to microscope coordinates P·X + (x0, y0, 0). Computed by the engine's own code
 * (`tiltGeometryRotation` of lib/geometry), same formula and operation order. Needs no
 * permissions.
 */
export function tiltRotation(t: TiltGeometry): Mat3 {
  return tiltGeometryRotation(
    { psi: t.psi, theta: t.theta, phi: t.phi },
    { rot: t.rotation, axis: t.errorAxis, ang: t.tiltError },
  );
}

/**
 * Microscope coordinates (nm) of a sample point (nm) in one tilt: P·X + (x0, y0, 0). z is along
 * the beam (the beam travels towards +z). Needs no permissions.
 */
export function sampleToMicroscope(position: Point3, tilt: TiltGeometry): Point3 {
  const [x, y, z] = apply3(tiltRotation(tilt), [position.x, position.y, position.z]);
  return { x: x + tilt.shiftXNm, y: y + tilt.shiftYNm, z };
}

/**
 * Where a sample point (nm) appears in a tilt image: 0-based pixel index coordinates, x = column
 * (fastest MRC axis), y = row; the optical axis is at ((nx−1)/2, (ny−1)/2) (spec §3.6: the grid is
 * centred, no flips). `apixNm` is the specimen pixel size (detector pixel / magnification).
 * Needs no permissions.
 */
export function projectParticleToTilt(
  position: Point3,
  tilt: TiltGeometry,
  detector: { nx: number; ny: number; apixNm: number },
): PixelPoint {
  const m = sampleToMicroscope(position, tilt);
  return {
    x: m.x / detector.apixNm + (detector.nx - 1) / 2,
    y: m.y / detector.apixNm + (detector.ny - 1) / 2,
  };
}

/**
 * The tilt angle as simulated: the θ of the tilt rotation without the in-plane alignment error,
 * R_α(τ)·Rz(φ)·Rx(θ)·Rz(ψ), written again in the engine's own (ψ, θ, φ) form; of the two
 * solutions the one whose φ and ψ are closest to the nominal ones. Equals θ + τ when the error
 * axis is the tilt axis, θ when τ = 0. Needs no permissions.
 */
export function simulatedTiltAngle(t: TiltGeometry): number {
  const m = tiltRotation({ ...t, rotation: 0, shiftXNm: 0, shiftYNm: 0 });
  // m = Rz(a)Rx(b)Rz(c): m02 = sa sb, m12 = −ca sb, m20 = sb sc, m21 = sb cc, m22 = cb
  const sb = Math.sqrt(m[2] * m[2] + m[5] * m[5]);
  const b = Math.atan2(sb, m[8]) / DEG;
  if (sb < 1e-12) return m[8] > 0 ? 0 : wrapDegrees(180 * Math.sign(t.theta || 1));
  const aPos = Math.atan2(m[2], -m[5]) / DEG, cPos = Math.atan2(m[6], m[7]) / DEG;
  const aNeg = Math.atan2(-m[2], m[5]) / DEG, cNeg = Math.atan2(-m[6], -m[7]) / DEG;
  const dPos = Math.abs(wrapDegrees(aPos - t.phi)) + Math.abs(wrapDegrees(cPos - t.psi));
  const dNeg = Math.abs(wrapDegrees(aNeg - t.phi)) + Math.abs(wrapDegrees(cNeg - t.psi));
  return dPos <= dNeg ? b : -b;
}

/** RELION 5 per-tilt alignment reproducing the engine's projection exactly. */
export interface RelionTiltAlignment {
  /** rlnTomoXTilt, deg */
  xTilt: number;
  /** rlnTomoYTilt, deg */
  yTilt: number;
  /** rlnTomoZRot, deg */
  zRot: number;
  /** rlnTomoXShiftAngst */
  xShiftAngst: number;
  /** rlnTomoYShiftAngst */
  yShiftAngst: number;
}

/**
 * RELION 5's tilt-series alignment for one tilt such that RELION's projection of
 * rlnCenteredCoordinate*Angst (Tomogram::setProjectionMatrix: image centre at int(n/2), specimen
 * rotation Rz·Ry·Rx, shift added after rotation) lands on the pixel the engine drew the point at.
 * The shift includes the half-pixel between the engine's optical axis at (n−1)/2 and RELION's
 * image centre int(n/2). Assumes an even-sized tomogram in RELION. Needs no permissions.
 */
export function relionTiltAlignment(
  tilt: TiltGeometry,
  detector: { nx: number; ny: number; apixNm: number },
): RelionTiltAlignment {
  const angles = matrixToRelionTiltAngles(tiltRotation(tilt));
  const apixA = detector.apixNm * 10;
  const halfX = (detector.nx - 1) / 2 - Math.floor(detector.nx / 2);
  const halfY = (detector.ny - 1) / 2 - Math.floor(detector.ny / 2);
  return {
    ...angles,
    xShiftAngst: tilt.shiftXNm * 10 + halfX * apixA,
    yShiftAngst: tilt.shiftYNm * 10 + halfY * apixA,
  };
}

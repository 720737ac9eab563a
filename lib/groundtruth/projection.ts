/**
 * The engine's forward model from the sample frame to tilt-image pixels (spec §3.5, §3.6), and
 * derived per-tilt quantities: the angle as simulated (IMOD .tlt) and RELION 5's alignment.
 * See docs/conventions.md.
 *
 * @module
 */
import type { PixelPoint, Point3, TiltGeometry } from "./types.ts";
import {
  apply3,
  type Mat3,
  multiplyAll3,
  rotationZ,
  tiltGeometryRotation,
} from "../geometry/mod.ts";
import { matrixToRelionTiltAngles } from "./rotation.ts";

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

/** A tilt rotation in IMOD's terms, in the frame where the nominal tilt axis is x. */
export interface ImodTiltAngles {
  /** Rotation about the tilt axis, deg: what IMOD's `.tlt` holds. */
  tilt: number;
  /** Tilt about the in-plane axis perpendicular to the tilt axis, applied first, deg. */
  xTilt: number;
  /** In-plane rotation applied last, deg. */
  inPlane: number;
}

/**
 * Writes the tilt rotation P without the in-plane alignment error, in the frame of the nominal
 * tilt axis (M = Rz(−φ)·P·Rz(−ψ), which is Rx(θ) without errors), as
 * M = Rz(inPlane)·Rx(tilt)·Ry(xTilt): the specimen is first tilted about the axis perpendicular to
 * the tilt axis, then rotated about the tilt axis, then in the image plane — IMOD's model (an
 * X-axis tilt, then the tilt about the tilt axis). To first order tilt = θ + τ·cos(α − axis) at
 * every θ, 0° included. Needs no permissions.
 */
export function imodTiltAngles(t: TiltGeometry): ImodTiltAngles {
  const p = tiltRotation({ ...t, rotation: 0, shiftXNm: 0, shiftYNm: 0 });
  const m = multiplyAll3(rotationZ(-t.phi * DEG), p, rotationZ(-t.psi * DEG));
  // Rz(g)·Rx(b)·Ry(a): row 2 = (−cos b sin a, sin b, cos b cos a); m01 = −sin g cos b, m11 = cos g cos b
  const sb = Math.max(-1, Math.min(1, m[7]));
  return {
    tilt: Math.asin(sb) / DEG,
    xTilt: Math.atan2(-m[6], m[8]) / DEG,
    inPlane: Math.atan2(-m[1], m[4]) / DEG,
  };
}

/**
 * The tilt angle as simulated, as IMOD's `.tlt` defines it: the rotation about the tilt axis of
 * {@linkcode imodTiltAngles} (not the total tilt, which near 0° would be |τ| whatever the error
 * axis). Equals θ + τ when the error axis is the tilt axis, θ when τ = 0. Needs no permissions.
 */
export function simulatedTiltAngle(t: TiltGeometry): number {
  return imodTiltAngles(t).tilt;
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

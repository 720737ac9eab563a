/**
 * Rotation matrices and Euler-angle conversions between the engine's ZXZ convention
 * (TEM-Simulator, spec §2.2) and RELION's ZYZ convention. All matrices are 3×3, row-major,
 * and act on column vectors; every elementary rotation is the standard right-handed active
 * rotation, e.g. Rz(a) = [[cos a, −sin a, 0], [sin a, cos a, 0], [0, 0, 1]]. The matrix algebra
 * and the engine's own ZXZ rotation come from lib/geometry (shared with the engine).
 * See docs/conventions.md.
 *
 * @module
 */

import {
  type Mat3,
  multiplyAll3,
  particleRotation,
  rotationX,
  rotationY,
  rotationZ,
} from "../geometry/mod.ts";

export type { Mat3, Vec3Tuple } from "../geometry/mod.ts";

/** Euler angles of the engine, degrees: R = Rz(psi)·Rx(theta)·Rz(phi). */
export interface EngineEuler {
  /** First rotation, about z. */
  phi: number;
  /** Second rotation, about x. */
  theta: number;
  /** Third rotation, about z. */
  psi: number;
}

/** RELION's Euler angles, degrees (rlnAngleRot, rlnAngleTilt, rlnAnglePsi). */
export interface RelionEuler {
  /** rlnAngleRot */
  rot: number;
  /** rlnAngleTilt, in [0, 180] */
  tilt: number;
  /** rlnAnglePsi */
  psi: number;
}

const DEG = Math.PI / 180;

/**
 * Below this sin²(theta) (|sin theta| < 1e-12) the two z rotations are not separable (gimbal lock);
 * above it atan2 separates them to full precision.
 */
const GIMBAL_EPS = 1e-24;

/** Wraps an angle (deg) into (−180, 180]. Needs no permissions. */
export function wrapDegrees(angle: number): number {
  let a = angle % 360;
  if (a <= -180) a += 360;
  else if (a > 180) a -= 360;
  // avoid "-0"
  return a === 0 ? 0 : a;
}

/** Rotation by `deg` degrees about x. Needs no permissions. */
export function rotX(deg: number): Mat3 {
  return rotationX(deg * DEG);
}

/** Rotation by `deg` degrees about y. Needs no permissions. */
export function rotY(deg: number): Mat3 {
  return rotationY(deg * DEG);
}

/** Rotation by `deg` degrees about z. Needs no permissions. */
export function rotZ(deg: number): Mat3 {
  return rotationZ(deg * DEG);
}

/** Largest absolute element difference of two matrices. Needs no permissions. */
export function maxAbsDiff(a: Mat3, b: Mat3): number {
  let d = 0;
  for (let i = 0; i < 9; i++) d = Math.max(d, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return d;
}

/**
 * The engine's particle rotation R_p = Rz(psi)·Rx(theta)·Rz(phi) (spec §2.2): it maps a vector
 * of the particle map (relative to the map centre) to the sample frame. Needs no permissions.
 */
export function engineEulerToMatrix(e: EngineEuler): Mat3 {
  return particleRotation(e.phi, e.theta, e.psi);
}

/**
 * Engine ZXZ angles of a rotation matrix, theta in [0, 180], phi and psi in (−180, 180].
 * In gimbal lock (theta 0 or 180) phi is set to 0. Needs no permissions.
 */
export function matrixToEngineEuler(m: Mat3): EngineEuler {
  // m = Rz(psi)Rx(theta)Rz(phi): m02 = sψ sθ, m12 = −cψ sθ, m20 = sθ sφ, m21 = sθ cφ, m22 = cθ
  const s2 = m[2] * m[2] + m[5] * m[5];
  const theta = Math.atan2(Math.sqrt(s2), m[8]) / DEG;
  if (s2 > GIMBAL_EPS) {
    return {
      phi: wrapDegrees(Math.atan2(m[6], m[7]) / DEG),
      theta,
      psi: wrapDegrees(Math.atan2(m[2], -m[5]) / DEG),
    };
  }
  // theta = 0: m = Rz(psi + phi); theta = 180: m = Rz(psi − phi)·Rx(180). With phi = 0 both
  // give psi = atan2(m10, m00).
  return { phi: 0, theta: m[8] > 0 ? 0 : 180, psi: wrapDegrees(Math.atan2(m[3], m[0]) / DEG) };
}

/**
 * RELION's rotation matrix A for (rot, tilt, psi), as RELION's Euler_angles2matrix builds it:
 * A = Rz(−psi)·Ry(−tilt)·Rz(−rot). A maps reference (map) coordinates to particle coordinates
 * in the tomogram (RELION's ParticleSet::getMatrix4x4). Needs no permissions.
 */
export function relionEulerToMatrix(e: RelionEuler): Mat3 {
  return multiplyAll3(rotZ(-e.psi), rotY(-e.tilt), rotZ(-e.rot));
}

/**
 * RELION angles of a rotation matrix A (inverse of relionEulerToMatrix): tilt in [0, 180], rot
 * and psi in (−180, 180]. In gimbal lock (tilt 0 or 180) rot is set to 0, as RELION does.
 * Needs no permissions.
 */
export function matrixToRelionEuler(a: Mat3): RelionEuler {
  // A: a20 = sθ cφ, a21 = sθ sφ, a22 = cθ, a02 = −cψ sθ, a12 = sψ sθ (φ = rot, ψ = psi)
  const s2 = a[2] * a[2] + a[5] * a[5];
  const tilt = Math.atan2(Math.sqrt(s2), a[8]) / DEG;
  if (s2 > GIMBAL_EPS) {
    return {
      rot: wrapDegrees(Math.atan2(a[7], a[6]) / DEG),
      tilt,
      psi: wrapDegrees(Math.atan2(a[5], -a[2]) / DEG),
    };
  }
  // tilt = 0: A = Rz(−(psi + rot)); tilt = 180: A = Rz(rot − psi)·diag(−1, 1, −1), so with rot = 0
  // a00 = −cos psi and a10 = sin psi.
  if (a[8] > 0) return { rot: 0, tilt: 0, psi: wrapDegrees(Math.atan2(-a[3], a[0]) / DEG) };
  return { rot: 0, tilt: 180, psi: wrapDegrees(Math.atan2(a[3], -a[0]) / DEG) };
}

/**
 * RELION (rot, tilt, psi) for an engine particle orientation (phi, theta, psi): the same
 * reference-to-particle rotation, written in RELION's ZYZ convention. Needs no permissions.
 */
export function engineToRelionEuler(e: EngineEuler): RelionEuler {
  return matrixToRelionEuler(engineEulerToMatrix(e));
}

/** Engine (phi, theta, psi) for RELION angles: inverse of engineToRelionEuler. Needs no permissions. */
export function relionToEngineEuler(r: RelionEuler): EngineEuler {
  return matrixToEngineEuler(relionEulerToMatrix(r));
}

/**
 * RELION 5 tilt-series alignment angles (rlnTomoXTilt, rlnTomoYTilt, rlnTomoZRot, deg) of a
 * specimen rotation M, with M = Rz(zrot)·Ry(ytilt)·Rx(xtilt) as RELION 5 composes them
 * (Tomogram::setProjectionMatrix). ytilt in [−90, 90]. Needs no permissions.
 */
export function matrixToRelionTiltAngles(m: Mat3): { xTilt: number; yTilt: number; zRot: number } {
  // m20 = −sin y, m21 = cos y sin x, m22 = cos y cos x, m10 = sin z cos y, m00 = cos z cos y
  const sy = Math.min(1, Math.max(-1, -m[6]));
  const yTilt = Math.asin(sy) / DEG;
  if (Math.abs(sy) < 1 - 1e-12) {
    return {
      xTilt: wrapDegrees(Math.atan2(m[7], m[8]) / DEG),
      yTilt,
      zRot: wrapDegrees(Math.atan2(m[3], m[0]) / DEG),
    };
  }
  // gimbal lock: ytilt = ±90; put everything into zrot
  return {
    xTilt: 0,
    yTilt,
    zRot: wrapDegrees(Math.atan2(-m[1], m[4]) / DEG),
  };
}

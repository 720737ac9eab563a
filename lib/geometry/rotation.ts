/**
 * 3×3 rotation matrices shared by the engine (lib/tem) and the ground truth (lib/groundtruth):
 * row-major matrices acting on column vectors, standard right-handed active rotations
 * (e.g. Rz(a) = [[cos a, −sin a, 0], [sin a, cos a, 0], [0, 0, 1]]), Rodrigues rotation about an
 * axis, and the engine's ZXZ Euler convention (spec §2.2) and tilt geometry (spec §3.5).
 *
 * @module
 */

/** A 3×3 matrix, row-major: [m00, m01, m02, m10, m11, m12, m20, m21, m22]. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

/** A 3-vector `[x, y, z]`. */
export type Vec3Tuple = [number, number, number];

/** Any row-major 3×3 matrix given as 9 numbers (a `Mat3` or a plain array). */
export type Matrix3Like = readonly number[];

const DEG = Math.PI / 180;

/** The identity matrix. Needs no permissions. */
export function identity3(): Mat3 {
  return [1, 0, 0, 0, 1, 0, 0, 0, 1];
}

/** The product a·b (apply b first, then a). Needs no permissions. */
export function multiply3(a: Matrix3Like, b: Matrix3Like): Mat3 {
  const a0 = a[0]!, a1 = a[1]!, a2 = a[2]!, a3 = a[3]!, a4 = a[4]!, a5 = a[5]!;
  const a6 = a[6]!, a7 = a[7]!, a8 = a[8]!;
  const b0 = b[0]!, b1 = b[1]!, b2 = b[2]!, b3 = b[3]!, b4 = b[4]!, b5 = b[5]!;
  const b6 = b[6]!, b7 = b[7]!, b8 = b[8]!;
  return [
    a0 * b0 + a1 * b3 + a2 * b6,
    a0 * b1 + a1 * b4 + a2 * b7,
    a0 * b2 + a1 * b5 + a2 * b8,
    a3 * b0 + a4 * b3 + a5 * b6,
    a3 * b1 + a4 * b4 + a5 * b7,
    a3 * b2 + a4 * b5 + a5 * b8,
    a6 * b0 + a7 * b3 + a8 * b6,
    a6 * b1 + a7 * b4 + a8 * b7,
    a6 * b2 + a7 * b5 + a8 * b8,
  ];
}

/**
 * The product of several matrices, left to right, starting from the identity:
 * ((I·m1)·m2)·… Needs no permissions.
 */
export function multiplyAll3(...ms: Matrix3Like[]): Mat3 {
  let out = identity3();
  for (const m of ms) out = multiply3(out, m);
  return out;
}

/** The transpose (= inverse for a rotation). Needs no permissions. */
export function transpose3(m: Matrix3Like): Mat3 {
  return [m[0]!, m[3]!, m[6]!, m[1]!, m[4]!, m[7]!, m[2]!, m[5]!, m[8]!];
}

/** The matrix applied to a column vector, m·v. Needs no permissions. */
export function apply3(m: Matrix3Like, v: readonly number[]): Vec3Tuple {
  const x = v[0]!, y = v[1]!, z = v[2]!;
  return [
    m[0]! * x + m[1]! * y + m[2]! * z,
    m[3]! * x + m[4]! * y + m[5]! * z,
    m[6]! * x + m[7]! * y + m[8]! * z,
  ];
}

/** Rotation by `angle` radians about x. Needs no permissions. */
export function rotationX(angle: number): Mat3 {
  const c = Math.cos(angle), s = Math.sin(angle);
  return [1, 0, 0, 0, c, -s, 0, s, c];
}

/** Rotation by `angle` radians about y. Needs no permissions. */
export function rotationY(angle: number): Mat3 {
  const c = Math.cos(angle), s = Math.sin(angle);
  return [c, 0, s, 0, 1, 0, -s, 0, c];
}

/** Rotation by `angle` radians about z. Needs no permissions. */
export function rotationZ(angle: number): Mat3 {
  const c = Math.cos(angle), s = Math.sin(angle);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

/**
 * Rotation by `angle` radians about the unit axis `u` (Rodrigues' formula). The axis is used as
 * given, not normalised. Needs no permissions.
 */
export function rotationAbout(u: readonly number[], angle: number): Mat3 {
  return rodrigues(u[0]!, u[1]!, u[2]!, Math.cos(angle), Math.sin(angle));
}

/**
 * Rodrigues' rotation matrix about the unit axis (x, y, z) for an angle with cosine `c` and
 * sine `s` (callers may pass exact values, e.g. at quarter turns). Needs no permissions.
 */
export function rodrigues(x: number, y: number, z: number, c: number, s: number): Mat3 {
  const t = 1 - c;
  return [
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ];
}

/**
 * The engine's ZXZ composition Rz(third)·(Rx(second)·Rz(first)), angles in degrees.
 * Needs no permissions.
 */
export function zxzRotation(firstDeg: number, secondDeg: number, thirdDeg: number): Mat3 {
  return multiply3(
    rotationZ(thirdDeg * DEG),
    multiply3(rotationX(secondDeg * DEG), rotationZ(firstDeg * DEG)),
  );
}

/**
 * The engine's particle orientation R_p = Rz(psi)·Rx(theta)·Rz(phi), degrees (spec §2.2): maps
 * vectors of the particle map (relative to its centre) to the sample frame. Needs no permissions.
 */
export function particleRotation(phiDeg: number, thetaDeg: number, psiDeg: number): Mat3 {
  return zxzRotation(phiDeg, thetaDeg, psiDeg);
}

/** Nominal tilt angles of one tilt, degrees (spec §3.5). */
export interface TiltEulerAngles {
  /** First rotation, about z. */
  psi: number;
  /** Tilt angle, about x. */
  theta: number;
  /** Last rotation, about z. */
  phi: number;
}

/** Geometry errors of one tilt, degrees (spec §3.5). */
export interface TiltRotationError {
  /** In-plane rotation error ρ. */
  rot: number;
  /** Direction α (from x, in the xy plane) of the tilt-error axis. */
  axis: number;
  /** Tilt error τ about that axis. */
  ang: number;
}

/**
 * The sample → microscope rotation of one tilt (spec §3.5),
 * P = Rz(ρ)·R_α(τ)·Rz(φ)·Rx(θ)·Rz(ψ), exactly as the engine computes it. Needs no permissions.
 */
export function tiltGeometryRotation(angles: TiltEulerAngles, error: TiltRotationError): Mat3 {
  const nominal = zxzRotation(angles.psi, angles.theta, angles.phi);
  const axis = [Math.cos(error.axis * DEG), Math.sin(error.axis * DEG), 0];
  return multiply3(
    rotationZ(error.rot * DEG),
    multiply3(rotationAbout(axis, error.ang * DEG), nominal),
  );
}

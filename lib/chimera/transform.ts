/**
 * Rigid model positions: 3×4 transforms `[R | t]` mapping model-local coordinates (Å) to scene
 * coordinates (Å), as Chimera's `openState.xform`.
 *
 * @module
 */
import { rodrigues } from "../geometry/mod.ts";

/** A point or vector as `[x, y, z]`. */
export type Vector3 = [number, number, number];

/**
 * A 3×4 transform, row-major: `[r00, r01, r02, t0, r10, r11, r12, t1, r20, r21, r22, t2]`.
 * Treat as immutable; every function returns a new array.
 */
export type Transform = Float64Array;

/** The identity transform. Needs no permissions. */
export function identity(): Transform {
  return Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0);
}

/** The translation by `v`. Needs no permissions. */
export function translation(v: Vector3): Transform {
  return Float64Array.of(1, 0, 0, v[0], 0, 1, 0, v[1], 0, 0, 1, v[2]);
}

/**
 * The right-handed rotation by `angleDeg` degrees about the axis `axis` through the origin
 * (Rodrigues' formula of lib/geometry; the axis is normalised; multiples of 90° use exact
 * cosines and sines). Throws RangeError for a zero axis.
 * Needs no permissions.
 */
export function rotation(axis: Vector3, angleDeg: number): Transform {
  const length = Math.hypot(axis[0], axis[1], axis[2]);
  if (!(length > 0)) throw new RangeError("rotation axis must be non-zero");
  const x = axis[0] / length, y = axis[1] / length, z = axis[2] / length;
  const a = angleDeg * Math.PI / 180;
  // Exact values at multiples of 90° keep test expectations exact.
  const quarter = angleDeg / 90;
  let c = Math.cos(a), s = Math.sin(a);
  if (Number.isInteger(quarter)) {
    const q = ((quarter % 4) + 4) % 4;
    c = [1, 0, -1, 0][q]!;
    s = [0, 1, 0, -1][q]!;
  }
  const r = rodrigues(x, y, z, c, s);
  return Float64Array.of(r[0], r[1], r[2], 0, r[3], r[4], r[5], 0, r[6], r[7], r[8], 0);
}

/** The composition `a·b` (apply `b` first, then `a`). Needs no permissions. */
export function multiply(a: Transform, b: Transform): Transform {
  const out = new Float64Array(12);
  for (let r = 0; r < 3; r++) {
    const a0 = a[4 * r]!, a1 = a[4 * r + 1]!, a2 = a[4 * r + 2]!, a3 = a[4 * r + 3]!;
    for (let c = 0; c < 4; c++) {
      out[4 * r + c] = a0 * b[c]! + a1 * b[4 + c]! + a2 * b[8 + c]! + (c === 3 ? a3 : 0);
    }
  }
  return out;
}

/**
 * The inverse transform (general 3×3 inverse, so slightly non-orthonormal rotations from
 * accumulated round-off invert exactly). Throws RangeError for a singular matrix.
 * Needs no permissions.
 */
export function invert(m: Transform): Transform {
  const a = m[0]!, b = m[1]!, c = m[2]!, tx = m[3]!;
  const d = m[4]!, e = m[5]!, f = m[6]!, ty = m[7]!;
  const g = m[8]!, h = m[9]!, i = m[10]!, tz = m[11]!;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (det === 0 || !Number.isFinite(det)) throw new RangeError("transform is singular");
  const r00 = (e * i - f * h) / det, r01 = (c * h - b * i) / det, r02 = (b * f - c * e) / det;
  const r10 = (f * g - d * i) / det, r11 = (a * i - c * g) / det, r12 = (c * d - a * f) / det;
  const r20 = (d * h - e * g) / det, r21 = (b * g - a * h) / det, r22 = (a * e - b * d) / det;
  return Float64Array.of(
    r00,
    r01,
    r02,
    -(r00 * tx + r01 * ty + r02 * tz),
    r10,
    r11,
    r12,
    -(r10 * tx + r11 * ty + r12 * tz),
    r20,
    r21,
    r22,
    -(r20 * tx + r21 * ty + r22 * tz),
  );
}

/** `m` applied to the point `p` (rotation and translation). Needs no permissions. */
export function applyToPoint(m: Transform, p: Vector3): Vector3 {
  return [
    m[0]! * p[0] + m[1]! * p[1] + m[2]! * p[2] + m[3]!,
    m[4]! * p[0] + m[5]! * p[1] + m[6]! * p[2] + m[7]!,
    m[8]! * p[0] + m[9]! * p[1] + m[10]! * p[2] + m[11]!,
  ];
}

/** The rotation part of `m` applied to the vector `v` (no translation). Needs no permissions. */
export function applyToVector(m: Transform, v: Vector3): Vector3 {
  return [
    m[0]! * v[0] + m[1]! * v[1] + m[2]! * v[2],
    m[4]! * v[0] + m[5]! * v[1] + m[6]! * v[2],
    m[8]! * v[0] + m[9]! * v[1] + m[10]! * v[2],
  ];
}

/** Whether two transforms are exactly equal. Needs no permissions. */
export function sameTransform(a: Transform, b: Transform): boolean {
  for (let i = 0; i < 12; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `m` is exactly the identity. Needs no permissions. */
export function isIdentity(m: Transform): boolean {
  return sameTransform(m, identity());
}

/** The rotation `T(c)·m·T(−c)` about the centre `c`. Needs no permissions. */
export function aboutCenter(m: Transform, c: Vector3): Transform {
  return multiply(translation(c), multiply(m, translation([-c[0], -c[1], -c[2]])));
}

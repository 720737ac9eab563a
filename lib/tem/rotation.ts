/**
 * 3×3 rotation matrices (row-major `Float64Array(9)` / number[]) and the Euler conventions of
 * spec §2.2 and §3.5.
 *
 * @module
 */

/** A row-major 3×3 matrix. */
export type Matrix3 = readonly number[];

const DEG = Math.PI / 180;

/** Identity. Needs no permissions. */
export function identity3(): number[] {
  return [1, 0, 0, 0, 1, 0, 0, 0, 1];
}

/** Product a·b. Needs no permissions. */
export function multiply3(a: Matrix3, b: Matrix3): number[] {
  const out = new Array<number>(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      out[3 * i + j] = a[3 * i]! * b[j]! + a[3 * i + 1]! * b[3 + j]! + a[3 * i + 2]! * b[6 + j]!;
    }
  }
  return out;
}

/** Transpose. Needs no permissions. */
export function transpose3(a: Matrix3): number[] {
  return [a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!];
}

/** a·v. Needs no permissions. */
export function apply3(a: Matrix3, v: readonly number[]): [number, number, number] {
  return [
    a[0]! * v[0]! + a[1]! * v[1]! + a[2]! * v[2]!,
    a[3]! * v[0]! + a[4]! * v[1]! + a[5]! * v[2]!,
    a[6]! * v[0]! + a[7]! * v[1]! + a[8]! * v[2]!,
  ];
}

/** Active right-handed rotation by `angle` (rad) about z. Needs no permissions. */
export function rotationZ(angle: number): number[] {
  const c = Math.cos(angle), s = Math.sin(angle);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

/** Active right-handed rotation by `angle` (rad) about x. Needs no permissions. */
export function rotationX(angle: number): number[] {
  const c = Math.cos(angle), s = Math.sin(angle);
  return [1, 0, 0, 0, c, -s, 0, s, c];
}

/** Active rotation by `angle` (rad) about the unit axis `u` (Rodrigues). Needs no permissions. */
export function rotationAbout(u: readonly number[], angle: number): number[] {
  const [x, y, z] = [u[0]!, u[1]!, u[2]!];
  const c = Math.cos(angle), s = Math.sin(angle), t = 1 - c;
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
 * Particle orientation R_p = Rz(psi)·Rx(theta)·Rz(phi) from angles in degrees (spec §2.2): maps
 * map-frame vectors to sample-frame vectors. Needs no permissions.
 */
export function particleRotation(phiDeg: number, thetaDeg: number, psiDeg: number): number[] {
  return multiply3(
    rotationZ(psiDeg * DEG),
    multiply3(rotationX(thetaDeg * DEG), rotationZ(phiDeg * DEG)),
  );
}

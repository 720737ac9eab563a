import { assert, assertAlmostEquals, assertEquals } from "../testing/mod.ts";
import {
  apply3,
  identity3,
  type Mat3,
  multiply3,
  multiplyAll3,
  particleRotation,
  rodrigues,
  rotationAbout,
  rotationX,
  rotationY,
  rotationZ,
  tiltGeometryRotation,
  transpose3,
  zxzRotation,
} from "./mod.ts";

const DEG = Math.PI / 180;

function assertMatrixClose(actual: readonly number[], expected: readonly number[], tol = 1e-12) {
  assertEquals(actual.length, 9);
  for (let i = 0; i < 9; i++) {
    assertAlmostEquals(actual[i]!, expected[i]!, tol, `element ${i}: ${actual} vs ${expected}`);
  }
}

/** A deterministic generator (LCG) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

Deno.test("elementary rotations are right-handed and active", () => {
  const y = apply3(rotationZ(90 * DEG), [1, 0, 0]);
  assertAlmostEquals(y[0], 0, 1e-15);
  assertAlmostEquals(y[1], 1, 1e-15);
  const z = apply3(rotationX(90 * DEG), [0, 1, 0]);
  assertAlmostEquals(z[1], 0, 1e-15);
  assertAlmostEquals(z[2], 1, 1e-15);
  const x = apply3(rotationY(90 * DEG), [0, 0, 1]);
  assertAlmostEquals(x[0], 1, 1e-15);
  assertAlmostEquals(x[2], 0, 1e-15);
});

Deno.test("Rodrigues about the coordinate axes equals Rx, Ry, Rz", () => {
  for (const deg of [-170, -33.3, 0, 12.5, 90, 181]) {
    const a = deg * DEG;
    assertMatrixClose(rotationAbout([1, 0, 0], a), rotationX(a), 1e-15);
    assertMatrixClose(rotationAbout([0, 0, 1], a), rotationZ(a), 1e-15);
    assertMatrixClose(rotationAbout([0, 1, 0], a), rotationY(a), 1e-15);
  }
});

Deno.test("rodrigues with exact cosine and sine gives exact quarter turns", () => {
  const s = Math.SQRT1_2;
  assertEquals(rodrigues(0, 0, 1, 0, 1), [1 - 1, -1, 0, 1, 1 - 1, 0, 0, 0, 1]);
  const m = rodrigues(s, s, 0, -1, 0);
  assertMatrixClose(m, [0, 1, 0, 1, 0, 0, 0, 0, -1], 1e-15);
});

Deno.test("a Rodrigues rotation keeps its axis and is orthonormal", () => {
  const r = rng(7);
  for (let k = 0; k < 50; k++) {
    const v = [r() - 0.5, r() - 0.5, r() - 0.5];
    const n = Math.hypot(v[0]!, v[1]!, v[2]!);
    const u = v.map((c) => c / n);
    const m = rotationAbout(u, (360 * r() - 180) * DEG);
    const fixed = apply3(m, u);
    for (let i = 0; i < 3; i++) assertAlmostEquals(fixed[i]!, u[i]!, 1e-14);
    assertMatrixClose(multiply3(m, transpose3(m)), identity3(), 1e-14);
  }
});

Deno.test("multiply3 composes: (a·b)·v = a·(b·v); multiplyAll3 starts from the identity", () => {
  const a = rotationAbout([0, 0.6, 0.8], 0.7), b = rotationX(-1.1);
  const v = [0.3, -2, 5];
  const left = apply3(multiply3(a, b), v), right = apply3(a, apply3(b, v));
  for (let i = 0; i < 3; i++) assertAlmostEquals(left[i]!, right[i]!, 1e-14);
  assertEquals(multiplyAll3(), identity3());
  assertEquals(multiplyAll3(a, b), multiply3(multiply3(identity3(), a), b));
  const m: Mat3 = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  assertEquals(transpose3(m), [1, 4, 7, 2, 5, 8, 3, 6, 9]);
  assertEquals(multiply3(m, identity3()), m);
});

Deno.test("particleRotation is Rz(psi)·Rx(theta)·Rz(phi)", () => {
  const r = rng(3);
  for (let k = 0; k < 20; k++) {
    const phi = 360 * r() - 180, theta = 180 * r(), psi = 360 * r() - 180;
    const expected = multiply3(
      rotationZ(psi * DEG),
      multiply3(rotationX(theta * DEG), rotationZ(phi * DEG)),
    );
    assertEquals(particleRotation(phi, theta, psi), expected);
    assertEquals(zxzRotation(phi, theta, psi), expected);
  }
  // theta rotates about x: the map's y axis goes to (0, cos θ, sin θ) when phi = psi = 0
  const y = apply3(particleRotation(0, 30, 0), [0, 1, 0]);
  assertAlmostEquals(y[1], Math.cos(30 * DEG), 1e-15);
  assertAlmostEquals(y[2], Math.sin(30 * DEG), 1e-15);
});

Deno.test("tiltGeometryRotation is Rz(rho)·R_alpha(tau)·Rz(phi)·Rx(theta)·Rz(psi)", () => {
  const angles = { psi: -17, theta: 42, phi: 17 };
  const none = { rot: 0, axis: 0, ang: 0 };
  // no errors: the nominal ZXZ rotation (psi applied first)
  assertMatrixClose(tiltGeometryRotation(angles, none), zxzRotation(-17, 42, 17), 0);
  const error = { rot: 0.4, axis: 30, ang: 0.9 };
  const alpha = error.axis * DEG;
  const expected = multiplyAll3(
    rotationZ(error.rot * DEG),
    rotationAbout([Math.cos(alpha), Math.sin(alpha), 0], error.ang * DEG),
    rotationZ(angles.phi * DEG),
    rotationX(angles.theta * DEG),
    rotationZ(angles.psi * DEG),
  );
  const actual = tiltGeometryRotation(angles, error);
  assertMatrixClose(actual, expected, 1e-14);
  assert(Math.abs(actual[8] - Math.cos(42 * DEG)) > 1e-6, "the tilt error changes the rotation");
});

import { assert, assertAlmostEquals, assertEquals } from "../testing/mod.ts";
import { apply3, multiplyAll3, transpose3 } from "../geometry/mod.ts";
import {
  engineEulerToMatrix,
  engineToRelionEuler,
  type Mat3,
  matrixToEngineEuler,
  matrixToRelionEuler,
  matrixToRelionTiltAngles,
  maxAbsDiff,
  type RelionEuler,
  relionEulerToMatrix,
  relionToEngineEuler,
  rotX,
  rotY,
  rotZ,
  wrapDegrees,
} from "./rotation.ts";

/** A deterministic generator (LCG) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomEngine(r: () => number) {
  return {
    phi: 360 * r() - 180,
    theta: (Math.acos(2 * r() - 1) * 180) / Math.PI,
    psi: 360 * r() - 180,
  };
}

const DEG = Math.PI / 180;

/** RELION's Euler_angles2matrix written out element by element (src/euler.cpp). */
function relionMatrixByElements(rot: number, tilt: number, psi: number): Mat3 {
  const ca = Math.cos(rot * DEG), sa = Math.sin(rot * DEG);
  const cb = Math.cos(tilt * DEG), sb = Math.sin(tilt * DEG);
  const cg = Math.cos(psi * DEG), sg = Math.sin(psi * DEG);
  const cc = cb * ca, cs = cb * sa, sc = sb * ca, ss = sb * sa;
  return [
    cg * cc - sg * sa,
    cg * cs + sg * ca,
    -cg * sb,
    -sg * cc - cg * sa,
    -sg * cs + cg * ca,
    sg * sb,
    sc,
    ss,
    cb,
  ];
}

Deno.test("elementary rotations are right-handed and active", () => {
  const y = apply3(rotZ(90), [1, 0, 0]);
  assertAlmostEquals(y[0], 0, 1e-15);
  assertAlmostEquals(y[1], 1, 1e-15);
  const z = apply3(rotX(90), [0, 1, 0]);
  assertAlmostEquals(z[2], 1, 1e-15);
  const x = apply3(rotY(90), [0, 0, 1]);
  assertAlmostEquals(x[0], 1, 1e-15);
});

Deno.test("engine matrix is Rz(psi)·Rx(theta)·Rz(phi) (spec §2.2)", () => {
  const m = engineEulerToMatrix({ phi: 30, theta: 60, psi: 90 });
  // phi first about z, then theta about x, then psi about z, applied to the x axis by hand:
  // Rz(30)x = (c30, s30, 0); Rx(60) → (c30, s30 c60, s30 s60); Rz(90) → (−s30 c60, c30, s30 s60)
  const v = apply3(m, [1, 0, 0]);
  assertAlmostEquals(v[0], -0.5 * 0.5, 1e-12);
  assertAlmostEquals(v[1], Math.sqrt(3) / 2, 1e-12);
  assertAlmostEquals(v[2], 0.5 * (Math.sqrt(3) / 2), 1e-12);
});

Deno.test("RELION matrix matches RELION's Euler_angles2matrix element formulas", () => {
  const r = rng(1);
  for (let i = 0; i < 200; i++) {
    const e = { rot: 360 * r() - 180, tilt: 180 * r(), psi: 360 * r() - 180 };
    const a = relionEulerToMatrix(e);
    assert(maxAbsDiff(a, relionMatrixByElements(e.rot, e.tilt, e.psi)) < 1e-12);
  }
});

Deno.test("engine ZXZ → matrix → ZXZ → matrix round trip, incl. gimbal lock", () => {
  const r = rng(2);
  const cases = [
    { phi: 10, theta: 0, psi: 20 },
    { phi: 10, theta: 180, psi: 20 },
    { phi: -170, theta: 1e-9, psi: 170 },
    { phi: 0, theta: 90, psi: 0 },
  ];
  for (let i = 0; i < 300; i++) cases.push(randomEngine(r));
  for (const e of cases) {
    const m = engineEulerToMatrix(e);
    const back = matrixToEngineEuler(m);
    assert(maxAbsDiff(engineEulerToMatrix(back), m) < 1e-12, JSON.stringify({ e, back }));
    assert(back.theta >= 0 && back.theta <= 180);
  }
});

Deno.test("engine ZXZ → RELION ZYZ gives the same reference-to-particle matrix", () => {
  const r = rng(3);
  const cases = [
    { phi: 0, theta: 0, psi: 0 },
    { phi: 25, theta: 0, psi: 40 },
    { phi: 25, theta: 180, psi: 40 },
    { phi: 25, theta: 1e-9, psi: 40 },
    { phi: 25, theta: 180 - 1e-9, psi: 40 },
    { phi: 30, theta: 60, psi: 90 },
    { phi: 120, theta: 45, psi: -30 },
  ];
  for (let i = 0; i < 500; i++) cases.push(randomEngine(r));
  for (const e of cases) {
    const rel = engineToRelionEuler(e);
    const m = engineEulerToMatrix(e);
    assert(maxAbsDiff(relionEulerToMatrix(rel), m) < 1e-12, JSON.stringify({ e, rel }));
    assert(rel.tilt >= 0 && rel.tilt <= 180);
    assert(rel.rot > -180 && rel.rot <= 180 && rel.psi > -180 && rel.psi <= 180);
    // and RELION's own element formulas agree
    assert(maxAbsDiff(relionMatrixByElements(rel.rot, rel.tilt, rel.psi), m) < 1e-12);
    // back to the engine: the same matrix again
    assert(maxAbsDiff(engineEulerToMatrix(relionToEngineEuler(rel)), m) < 1e-12);
  }
});

Deno.test("closed form: rot = 90 − phi, tilt = theta, psi = −90 − psi_engine", () => {
  const r = rng(4);
  for (let i = 0; i < 300; i++) {
    const e = randomEngine(r);
    if (e.theta < 1e-6 || e.theta > 180 - 1e-6) continue;
    const rel = engineToRelionEuler(e);
    assertAlmostEquals(rel.tilt, e.theta, 1e-9);
    assertAlmostEquals(wrapDegrees(rel.rot - (90 - e.phi)), 0, 1e-9);
    assertAlmostEquals(wrapDegrees(rel.psi - (-90 - e.psi)), 0, 1e-9);
  }
});

Deno.test("known orientations", () => {
  // a 90° turn about x: RELION rot 90, tilt 90, psi −90
  assertEquals(
    roundAngles(engineToRelionEuler({ phi: 0, theta: 90, psi: 0 })),
    { rot: 90, tilt: 90, psi: -90 },
  );
  // identity
  assertEquals(roundAngles(engineToRelionEuler({ phi: 0, theta: 0, psi: 0 })), {
    rot: 0,
    tilt: 0,
    psi: 0,
  });
  // gimbal lock: a pure z turn by 70° (engine phi + psi) → RELION rot 0, psi −70
  assertEquals(roundAngles(engineToRelionEuler({ phi: 30, theta: 0, psi: 40 })), {
    rot: 0,
    tilt: 0,
    psi: -70,
  });
  // upside down: engine theta 180 → RELION tilt 180, rot 0
  const flip = roundAngles(engineToRelionEuler({ phi: 30, theta: 180, psi: 40 }));
  assertEquals([flip.rot, flip.tilt], [0, 180]);
  assert(
    maxAbsDiff(
      relionEulerToMatrix(flip),
      engineEulerToMatrix({ phi: 30, theta: 180, psi: 40 }),
    ) < 1e-9,
  );
});

function roundAngles(a: RelionEuler): RelionEuler {
  const r = (v: number) => Math.round(v * 1e9) / 1e9 + 0;
  return { rot: r(a.rot), tilt: r(a.tilt), psi: r(a.psi) };
}

Deno.test("RELION ZYZ → engine ZXZ → RELION ZYZ keeps the matrix", () => {
  const r = rng(5);
  for (let i = 0; i < 300; i++) {
    const rel = { rot: 360 * r() - 180, tilt: 180 * r(), psi: 360 * r() - 180 };
    const back = engineToRelionEuler(relionToEngineEuler(rel));
    assert(maxAbsDiff(relionEulerToMatrix(back), relionEulerToMatrix(rel)) < 1e-12);
  }
});

Deno.test("transpose is the particle-to-reference rotation (−psi, −tilt, −rot)", () => {
  const e = { rot: 40, tilt: 70, psi: -20 };
  const inv = transpose3(relionEulerToMatrix(e));
  const viaAngles = multiplyAll3(rotZ(e.rot), rotY(e.tilt), rotZ(e.psi));
  assert(maxAbsDiff(inv, viaAngles) < 1e-12);
  assert(maxAbsDiff(inv, relionEulerToMatrix({ rot: -e.psi, tilt: -e.tilt, psi: -e.rot })) < 1e-12);
});

Deno.test("RELION 5 tilt angles: Rz(zrot)·Ry(ytilt)·Rx(xtilt) round trip, incl. ytilt ±90", () => {
  const r = rng(6);
  const cases: [number, number, number][] = [[10, 90, 20], [10, -90, 20], [0, 0, 0]];
  for (let i = 0; i < 200; i++) cases.push([360 * r() - 180, 180 * r() - 90, 360 * r() - 180]);
  for (const [x, y, z] of cases) {
    const m = multiplyAll3(rotZ(z), rotY(y), rotX(x));
    const a = matrixToRelionTiltAngles(m);
    const back = multiplyAll3(rotZ(a.zRot), rotY(a.yTilt), rotX(a.xTilt));
    assert(maxAbsDiff(back, m) < 1e-9, JSON.stringify({ x, y, z, a }));
  }
});

Deno.test("wrapDegrees maps into (−180, 180]", () => {
  assertEquals([wrapDegrees(180), wrapDegrees(-180), wrapDegrees(540), wrapDegrees(-0)], [
    180,
    180,
    180,
    0,
  ]);
});

Deno.test("matrixToRelionEuler inverts RELION's own matrix (tilt in (0, 180))", () => {
  const r = rng(8);
  for (let i = 0; i < 200; i++) {
    const e = { rot: 360 * r() - 180, tilt: 1 + 178 * r(), psi: 360 * r() - 180 };
    const back = matrixToRelionEuler(relionMatrixByElements(e.rot, e.tilt, e.psi));
    assertAlmostEquals(back.rot, e.rot, 1e-9);
    assertAlmostEquals(back.tilt, e.tilt, 1e-9);
    assertAlmostEquals(back.psi, e.psi, 1e-9);
  }
});

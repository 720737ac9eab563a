import { assert, assertAlmostEquals } from "../testing/mod.ts";
import {
  imodTiltAngles,
  nominalTiltGeometry,
  projectParticleToTilt,
  relionTiltAlignment,
  sampleToMicroscope,
  simulatedTiltAngle,
  tiltRotation,
} from "./projection.ts";
import { apply3, multiplyAll3 } from "../geometry/mod.ts";
import { rotX, rotY, rotZ } from "./rotation.ts";
import type { TiltGeometry } from "./types.ts";

const detector = { nx: 256, ny: 200, apixNm: 0.283 };

Deno.test("the sample origin projects to the image centre ((n−1)/2)", () => {
  for (const theta of [-60, 0, 45]) {
    const p = projectParticleToTilt({ x: 0, y: 0, z: 0 }, nominalTiltGeometry(theta), detector);
    assertAlmostEquals(p.x, 127.5, 1e-12);
    assertAlmostEquals(p.y, 99.5, 1e-12);
  }
});

Deno.test("tilt about x: y′ = y cos θ − z sin θ, x unchanged (spec §3.5)", () => {
  const t = nominalTiltGeometry(30);
  const m = sampleToMicroscope({ x: 5, y: 10, z: 20 }, t);
  const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
  assertAlmostEquals(m.x, 5, 1e-12);
  assertAlmostEquals(m.y, 10 * c - 20 * s, 1e-12);
  assertAlmostEquals(m.z, 10 * s + 20 * c, 1e-12);
  const p = projectParticleToTilt({ x: 5, y: 10, z: 20 }, t, detector);
  assertAlmostEquals(p.x, 5 / 0.283 + 127.5, 1e-9);
  assertAlmostEquals(p.y, (10 * c - 20 * s) / 0.283 + 99.5, 1e-9);
});

Deno.test("shifts move the content by +(x0, y0); in-plane rotation turns about the centre", () => {
  const t: TiltGeometry = { ...nominalTiltGeometry(0), shiftXNm: 2.83, shiftYNm: -0.283 };
  const p = projectParticleToTilt({ x: 0, y: 0, z: 0 }, t, detector);
  assertAlmostEquals(p.x, 137.5, 1e-9);
  assertAlmostEquals(p.y, 98.5, 1e-9);
  const r = projectParticleToTilt({ x: 2.83, y: 0, z: 0 }, {
    ...nominalTiltGeometry(0),
    rotation: 90,
  }, detector);
  assertAlmostEquals(r.x, 127.5, 1e-9);
  assertAlmostEquals(r.y, 109.5, 1e-9);
});

Deno.test("tilt_axis turns the tilt axis in the image plane", () => {
  // tilt_axis 90: the axis is image y, so a point on y stays put and x foreshortens
  const t = nominalTiltGeometry(60, 90);
  const m = sampleToMicroscope({ x: 10, y: 7, z: 0 }, t);
  assertAlmostEquals(m.y, 7, 1e-12);
  assertAlmostEquals(Math.abs(m.x), 5, 1e-12);
});

Deno.test("simulated tilt angle: θ + τ about the tilt axis, θ without error, ≈θ across it", () => {
  const base = nominalTiltGeometry(-40);
  assertAlmostEquals(simulatedTiltAngle(base), -40, 1e-12);
  assertAlmostEquals(simulatedTiltAngle({ ...base, tiltError: 1.5, errorAxis: 0 }), -38.5, 1e-9);
  assertAlmostEquals(simulatedTiltAngle({ ...base, tiltError: 1.5, errorAxis: 180 }), -41.5, 1e-9);
  // perpendicular error axis: second-order change only
  const perp = simulatedTiltAngle({ ...base, tiltError: 1, errorAxis: 90 });
  assert(Math.abs(perp + 40) < 0.02, `got ${perp}`);
  // first order: θ + τ cos α
  const oblique = simulatedTiltAngle({ ...base, tiltError: 0.5, errorAxis: 60 });
  assertAlmostEquals(oblique, -40 + 0.5 * Math.cos(Math.PI / 3), 0.01);
  // in-plane rotation and shifts do not change it
  assertAlmostEquals(simulatedTiltAngle({ ...base, rotation: 3, shiftXNm: 4 }), -40, 1e-9);
  assertAlmostEquals(simulatedTiltAngle({ ...nominalTiltGeometry(0), tiltError: 0.7 }), 0.7, 1e-9);
  // with a tilt axis the reference is that axis
  const axis = nominalTiltGeometry(20, 30);
  assertAlmostEquals(simulatedTiltAngle({ ...axis, tiltError: 2, errorAxis: 30 }), 22, 1e-9);
});

/**
 * RELION 5's projection of a centred coordinate (Å) into a tilt image (pixels), written from
 * Tomogram::setProjectionMatrix: s1 · s2 · Rz(zrot) · Ry(ytilt) · Rx(xtilt) · s0, with the specimen
 * centre int(size/2), the image centre int(n/2) and decentred pixel = centred / apix + size/2.
 */
function relionProject(
  centredAngst: [number, number, number],
  a: ReturnType<typeof relionTiltAlignment>,
  apixA: number,
  image: { nx: number; ny: number },
  tomo: { nx: number; ny: number; nz: number },
): { x: number; y: number } {
  const dec = [
    centredAngst[0] / apixA + tomo.nx / 2,
    centredAngst[1] / apixA + tomo.ny / 2,
    centredAngst[2] / apixA + tomo.nz / 2,
  ];
  const c: [number, number, number] = [
    dec[0]! - Math.floor(tomo.nx / 2),
    dec[1]! - Math.floor(tomo.ny / 2),
    dec[2]! - Math.floor(tomo.nz / 2),
  ];
  const r = apply3(multiplyAll3(rotZ(a.zRot), rotY(a.yTilt), rotX(a.xTilt)), c);
  return {
    x: r[0] + a.xShiftAngst / apixA + Math.floor(image.nx / 2),
    y: r[1] + a.yShiftAngst / apixA + Math.floor(image.ny / 2),
  };
}

Deno.test("RELION 5 alignment reproduces the engine's projection, errors included", () => {
  let seed = 7;
  const r = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (const det of [detector, { nx: 255, ny: 301, apixNm: 0.5 }]) {
    for (let i = 0; i < 100; i++) {
      const tilt: TiltGeometry = {
        psi: -10 * r(),
        theta: 120 * r() - 60,
        phi: 10 * r(),
        rotation: 4 * r() - 2,
        errorAxis: 180 * r(),
        tiltError: 2 * r() - 1,
        shiftXNm: 6 * r() - 3,
        shiftYNm: 6 * r() - 3,
      };
      const x = { x: 60 * r() - 30, y: 60 * r() - 30, z: 40 * r() - 20 };
      const engine = projectParticleToTilt(x, tilt, det);
      const a = relionTiltAlignment(tilt, det);
      const rel = relionProject([x.x * 10, x.y * 10, x.z * 10], a, det.apixNm * 10, det, {
        nx: 400,
        ny: 400,
        nz: 100,
      });
      assertAlmostEquals(rel.x, engine.x, 1e-6);
      assertAlmostEquals(rel.y, engine.y, 1e-6);
    }
  }
});

Deno.test("tiltRotation is a rotation (orthonormal, det 1)", () => {
  const m = tiltRotation({
    ...nominalTiltGeometry(35, 12),
    rotation: 1,
    errorAxis: 33,
    tiltError: 2,
  });
  const cols = [0, 1, 2].map((j) => [m[j]!, m[3 + j]!, m[6 + j]!]);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const dot = cols[i]!.reduce((s, v, k) => s + v * cols[j]![k]!, 0);
      assertAlmostEquals(dot, i === j ? 1 : 0, 1e-12);
    }
  }
});

Deno.test(".tlt angle: the rotation about the tilt axis (IMOD), also near 0°", () => {
  // near 0° an error about the perpendicular axis is an X-axis tilt, not a tilt about the axis
  const zero = nominalTiltGeometry(0);
  assertAlmostEquals(simulatedTiltAngle({ ...zero, tiltError: 0.6, errorAxis: 90 }), 0, 1e-9);
  assertAlmostEquals(imodTiltAngles({ ...zero, tiltError: 0.6, errorAxis: 90 }).xTilt, 0.6, 1e-9);
  // first order θ + τ·cos(α − axis) at every tilt, 0° included (docs/conventions.md §5)
  for (const theta of [-60, -2, 0, 0.3, 45]) {
    for (const [tau, alpha] of [[0.5, 60], [-0.4, 135], [0.3, 200]]) {
      for (const axis of [0, 30]) {
        const g = {
          ...nominalTiltGeometry(theta, axis),
          tiltError: tau!,
          errorAxis: alpha! + axis,
        };
        const firstOrder = theta + tau! * Math.cos(alpha! * Math.PI / 180);
        assertAlmostEquals(simulatedTiltAngle(g), firstOrder, 0.01);
      }
    }
  }
});

Deno.test(".tlt angle: IMOD's model rebuilt from the angles projects like the engine", () => {
  // The engine projection of points (projectParticleToTilt) against an independent rebuild of
  // IMOD's projection: in-plane rotation · rotation about the axis · X-axis tilt, in the axis frame.
  for (const theta of [-50, 0, 20]) {
    const g = {
      ...nominalTiltGeometry(theta, 0),
      tiltError: 0.7,
      errorAxis: 70,
      rotation: 0,
    };
    const a = imodTiltAngles(g);
    const m = multiplyAll3(rotZ(a.inPlane), rotX(a.tilt), rotY(a.xTilt));
    for (const point of [[10, -5, 30], [-20, 15, -25], [0, 0, 40]] as const) {
      const engine = projectParticleToTilt({ x: point[0], y: point[1], z: point[2] }, g, detector);
      const [x, y] = apply3(m, [...point]);
      assertAlmostEquals(engine.x, x / detector.apixNm + 127.5, 1e-9);
      assertAlmostEquals(engine.y, y / detector.apixNm + 99.5, 1e-9);
    }
    // the total tilt would be wrong near 0°: the .tlt angle is not it
    if (theta === 0) assert(Math.abs(a.tilt - 0.7) > 0.4);
  }
});

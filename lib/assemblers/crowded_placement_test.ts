import { particleRotation } from "../geometry/mod.ts";
import { assert, assertEquals, assertThrows } from "../testing/mod.ts";
import {
  checkCrowding,
  CrowdingError,
  placeCrowded,
  type PlacementClass,
  uniformOrientation,
} from "./crowded_placement.ts";
import {
  occupancyShape,
  type ParticleShape,
  shapeContains,
  shapeFromMap,
} from "./particle_shape.ts";
import { Random } from "./random.ts";
import { iceHalfThickness, type SampleGeometry } from "./sample_geometry.ts";

/** A map of `n` voxels of 0.5 nm where `inside(x, y, z)` (nm from the centre) holds. */
function mapShape(
  n: [number, number, number],
  inside: (x: number, y: number, z: number) => boolean,
): ParticleShape {
  const data = new Float32Array(n[0] * n[1] * n[2]);
  for (let z = 0; z < n[2]; z++) {
    for (let y = 0; y < n[1]; y++) {
      for (let x = 0; x < n[0]; x++) {
        const p = [x, y, z].map((v, d) => (v - (n[d]! - 1) / 2) * 0.5);
        if (inside(p[0]!, p[1]!, p[2]!)) data[x + n[0] * (y + n[1] * z)] = 1;
      }
    }
  }
  return shapeFromMap(data, n, 0.5);
}

const rod = mapShape([10, 10, 44], (x, y, z) => Math.hypot(x, y) <= 2 && Math.abs(z) <= 10);
const ball = mapShape([20, 20, 20], (x, y, z) => Math.hypot(x, y, z) <= 4.5);
const plate = mapShape(
  [36, 36, 8],
  (x, y, z) => Math.hypot(x, y) <= 8 && Math.abs(z) <= 1.5,
);

const geometry: SampleGeometry = {
  fieldOfViewNm: [120, 120],
  apixNm: 0.5,
  holeDiameterNm: 1000,
  thicknessCentreNm: 40,
  thicknessEdgeNm: 60,
  offsetNm: [0, 0],
};

const classes: PlacementClass[] = [
  { name: "rod", shape: rod, count: 60 },
  { name: "ball", shape: ball, count: 60 },
  { name: "plate", shape: plate, count: 40 },
];

/** Fine points (voxel centres, nm) of a shape's set voxels, in its own frame. */
function points(shape: ParticleShape): [number, number, number][] {
  const out: [number, number, number][] = [];
  const [nx, ny] = shape.dims;
  shape.mask.forEach((v, i) => {
    if (v === 0) return;
    const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
    out.push([
      (x - shape.centre[0]) * shape.voxelNm,
      (y - shape.centre[1]) * shape.voxelNm,
      (z - shape.centre[2]) * shape.voxelNm,
    ]);
  });
  return out;
}

Deno.test("crowded placement: the same seed gives the same sample", () => {
  const a = placeCrowded(classes, geometry, new Random(11));
  const b = placeCrowded(classes, geometry, new Random(11));
  assertEquals(a.particles, b.particles);
  const c = placeCrowded(classes, geometry, new Random(12));
  assert(JSON.stringify(a.particles) !== JSON.stringify(c.particles));
  assertEquals(a.particles.map((p) => p.classIndex).filter((i) => i === 2).length, 40);
});

Deno.test("crowded placement: no two particles share a voxel, all lie in the ice and the view", () => {
  const placement = placeCrowded(classes, geometry, new Random(3), { gapNm: 0 });
  const placed = placement.particles.map((p) => {
    const shape = classes[p.classIndex]!.shape;
    const m = particleRotation(...p.orientation);
    return { p, shape, m };
  });
  let closer = 0;
  for (const [i, a] of placed.entries()) {
    // centre in view, every voxel of the particle in the ice
    assert(Math.abs(a.p.position[0]) <= 60 && Math.abs(a.p.position[1]) <= 60);
    for (const q of points(a.shape)) {
      const s = [0, 1, 2].map((d) =>
        a.p.position[d]! + a.m[3 * d]! * q[0] + a.m[3 * d + 1]! * q[1] + a.m[3 * d + 2]! * q[2]
      );
      assert(Math.abs(s[2]!) <= iceHalfThickness(geometry, s[0]!, s[1]!) + 0.5);
    }
    for (const b of placed.slice(i + 1)) {
      const d = Math.hypot(...[0, 1, 2].map((k) => a.p.position[k]! - b.p.position[k]!));
      if (d >= a.shape.radiusNm + b.shape.radiusNm) continue;
      closer++;
      // every voxel centre of a, mapped into b's frame, lies outside b's map
      for (const q of points(a.shape)) {
        const s = [0, 1, 2].map((k) =>
          a.p.position[k]! - b.p.position[k]! + a.m[3 * k]! * q[0] + a.m[3 * k + 1]! * q[1] +
          a.m[3 * k + 2]! * q[2]
        );
        const r = [0, 1, 2].map((k) => b.m[k]! * s[0]! + b.m[3 + k]! * s[1]! + b.m[6 + k]! * s[2]!);
        assert(!shapeContains(b.shape, r[0]!, r[1]!, r[2]!), `particles ${i} and another overlap`);
      }
    }
  }
  // packed by their own extent: some pairs are closer than their bounding spheres allow
  assert(closer > 0, "no pair closer than the sum of bounding radii");
});

Deno.test("crowded placement: orientations are uniform over rotations", () => {
  const random = new Random(5);
  const n = 20000;
  let zAxisUp = 0, cosSum = 0;
  for (let i = 0; i < n; i++) {
    const m = particleRotation(...uniformOrientation(random));
    // the particle's z axis in the sample frame: its z component is uniform in [-1, 1]
    cosSum += m[8];
    if (m[8] > 0.5) zAxisUp++;
  }
  assert(Math.abs(cosSum / n) < 0.02);
  assert(Math.abs(zAxisUp / n - 0.25) < 0.015);
});

Deno.test("crowded placement: what cannot fit is refused before placing", () => {
  const ribosome = mapShape([56, 56, 56], (x, y, z) => Math.hypot(x, y, z) <= 13);
  const slab = { ...geometry, thicknessCentreNm: 50, thicknessEdgeNm: 50 };
  const error = assertThrows(
    () => checkCrowding([{ name: "ribosome", shape: ribosome, count: 5000 }], slab),
    CrowdingError,
  );
  assert(/5000 ribosome would fill \d+% of the 0\.\d+ µm³ of ice in view/.test(error.message));
  assertThrows(
    () =>
      checkCrowding([{ name: "ribosome", shape: ribosome, count: 1 }], {
        ...slab,
        thicknessCentreNm: 20,
        thicknessEdgeNm: 20,
      }),
    CrowdingError,
    "does not fit in ice 20.0 nm thick",
  );
  checkCrowding(classes, geometry);
  // a placement that runs out of room fails with one line instead of looping
  assertThrows(
    () =>
      placeCrowded([{ name: "ball", shape: ball, count: 400 }], slab, new Random(1), {
        maxAttempts: 50,
      }),
    CrowdingError,
    "no room found in 50 tries",
  );
});

Deno.test("crowded placement: a finer cell claims less room around each particle", () => {
  const coarse = occupancyShape(ball, 2).volumeNm3;
  const fine = occupancyShape(ball, 0.5).volumeNm3;
  assert(ball.volumeNm3 < fine && fine < coarse, `${ball.volumeNm3} < ${fine} < ${coarse}`);
  const few: PlacementClass[] = [{ name: "ball", shape: ball, count: 10 }];
  assertEquals(placeCrowded(few, geometry, new Random(1), { cellNm: 0.7 }).cellNm, 0.7);
});

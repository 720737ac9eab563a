import { assert, assertAlmostEquals, assertEquals } from "../testing/mod.ts";
import { volumeGrid } from "./grid.ts";
import { isoLevel, type LabelClass, LabelPainter } from "./labels.ts";

/** A map of `n`³ voxels with value 1 where `inside(x, y, z)` (map voxel offsets from the centre). */
function mapOf(n: number, inside: (x: number, y: number, z: number) => boolean): Float32Array {
  const c = (n - 1) / 2, out = new Float32Array(n * n * n);
  for (let z = 0; z < n; z++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) out[x + n * (y + n * z)] = inside(x - c, y - c, z - c) ? 1 : 0;
    }
  }
  return out;
}

function count(a: Float32Array, value: number): number {
  return a.reduce((n, v) => n + (v === value ? 1 : 0), 0);
}

Deno.test("labels: a sphere keeps its volume; a rod follows the particle's rotation", () => {
  const grid = volumeGrid({ nx: 40, ny: 40, apixNm: 1 }, 1, 40);
  const sphere: LabelClass = {
    classNumber: 1,
    map: mapOf(21, (x, y, z) => x * x + y * y + z * z <= 64),
    size: { x: 21, y: 21, z: 21 },
    voxelNm: 1,
    level: 0.5,
  };
  const rod: LabelClass = {
    classNumber: 2,
    map: mapOf(21, (x, y, z) => Math.abs(x) <= 8 && Math.abs(y) <= 1 && Math.abs(z) <= 1),
    size: { x: 21, y: 21, z: 21 },
    voxelNm: 1,
    level: 0.5,
  };
  assertEquals(isoLevel(rod.map, 0.5), 0.5);
  const painter = new LabelPainter(grid, [sphere, rod], [
    { id: 1, classNumber: 1, x: -8.5, y: -8.5, z: 0.5, phi: 0, theta: 0, psi: 0 },
    // psi = 90°: the rod's x axis turns to the sample's y axis (R = Rz(psi)·Rx·Rz)
    { id: 2, classNumber: 2, x: 10.5, y: 5.5, z: 3.5, phi: 0, theta: 0, psi: 90 },
  ]);
  const { semantic, instance } = painter.paint(0, grid.nz);
  const voxels = count(semantic, 1);
  assertAlmostEquals(voxels / ((4 / 3) * Math.PI * 512), 1, 0.06);
  assertEquals(count(instance, 1), voxels);
  assertEquals(count(semantic, 2), 17 * 3 * 3);
  // the rod lies along y through the particle centre (voxel = nm + 19.5, here whole voxels)
  const at = (x: number, y: number, z: number) =>
    semantic[Math.round(x + 19.5) + 40 * (Math.round(y + 19.5) + 40 * Math.round(z + 19.5))];
  assertEquals(at(10.5, 5.5 + 7, 3.5), 2);
  assertEquals(at(10.5 + 7, 5.5, 3.5), 0);
});

Deno.test("labels: painted slab by slab, the same as in one go; overlaps go to the stronger map", () => {
  const grid = volumeGrid({ nx: 24, ny: 24, apixNm: 1 }, 1, 24);
  const ball = (level: number): LabelClass => ({
    classNumber: 1,
    map: mapOf(13, (x, y, z) => x * x + y * y + z * z <= 25),
    size: { x: 13, y: 13, z: 13 },
    voxelNm: 1,
    level,
  });
  const painter = new LabelPainter(grid, [ball(0.5)], [
    { id: 1, classNumber: 1, x: -2, y: 0, z: 0, phi: 0, theta: 0, psi: 0 },
    { id: 2, classNumber: 1, x: 2, y: 0, z: 0, phi: 0, theta: 0, psi: 0 },
  ]);
  const whole = painter.paint(0, 24);
  const parts = [painter.paint(0, 10), painter.paint(10, 14)];
  const joined = new Float32Array(whole.instance.length);
  joined.set(parts[0]!.instance);
  joined.set(parts[1]!.instance, parts[0]!.instance.length);
  assertEquals([...joined], [...whole.instance]);
  // both particles got voxels; the overlap went to one of them, never to nothing
  assert(count(whole.instance, 1) > 0 && count(whole.instance, 2) > 0);
  assertEquals(count(whole.semantic, 1), count(whole.instance, 1) + count(whole.instance, 2));
});

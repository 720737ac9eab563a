import { assertAlmostEquals, assertEquals } from "../testing/mod.ts";
import { binImage, gridOriginAngst, sampleToVoxel, volumeGrid, voxelToSample } from "./grid.ts";

Deno.test("grid: binned voxels sit on the binned pixels; the sample origin maps to the optical axis", () => {
  const g = volumeGrid({ nx: 256, ny: 200, apixNm: 0.5 }, 4, 100);
  assertEquals([g.nx, g.ny, g.nz], [64, 50, 50]);
  assertAlmostEquals(g.voxelNm, 2, 1e-12);
  // unbinned optical axis (n−1)/2 = 127.5 is binned pixel (127.5 − 1.5)/4 = 31.5
  assertAlmostEquals(g.centre.x, 31.5, 1e-12);
  assertAlmostEquals(g.centre.z, 24.5, 1e-12);
  const o = gridOriginAngst(g);
  assertAlmostEquals(o.x, -31.5 * 20, 1e-9);
  const p = voxelToSample(g, 10, 20, 30);
  const v = sampleToVoxel(g, p);
  assertAlmostEquals(v.x, 10, 1e-12);
  assertAlmostEquals(v.z, 30, 1e-12);
});

Deno.test("grid: binning averages blocks and drops the incomplete ones", () => {
  const image = new Float32Array(5 * 4).map((_, i) => i);
  const out = new Float32Array(2 * 2);
  binImage(image, 5, 4, 2, out);
  // block (0,0): 0 1 5 6 → 3; block (1,0): 2 3 7 8 → 5
  assertEquals([...out], [3, 5, 13, 15]);
});

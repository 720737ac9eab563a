import {
  assert,
  assertAlmostEquals,
  assertEquals,
  pythonModules,
  requirements,
  runPythonJson,
} from "../testing/mod.ts";
import { addInterpolated, boundingRegion, indexMap, type PlacedGeometry } from "./resample.ts";
import { multiply, rotation, type Transform, translation } from "./transform.ts";
import type { VolumeGrid } from "./volume_grid.ts";

const python = await requirements(pythonModules("numpy", "scipy"));

/** A deterministic pseudo-random generator (LCG). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomGrid(size: [number, number, number], rng: () => number): VolumeGrid {
  const data = new Float32Array(size[0] * size[1] * size[2]);
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(rng() * 100 - 20);
  return { size, origin: [-3.5, 2, 1.25], step: [1.5, 2, 1.25], valueType: "float32", data };
}

/** The per-voxel definition: map each target point, apply the outside rule, interpolate. */
function naive(target: PlacedGeometry, grid: VolumeGrid, position: Transform): Float32Array {
  const map = indexMap(target, { ...grid, position });
  const [NX, NY, NZ] = target.size;
  const [nx, ny, nz] = grid.size;
  const out = new Float32Array(NX * NY * NZ);
  for (let k = 0; k < NZ; k++) {
    for (let j = 0; j < NY; j++) {
      for (let i = 0; i < NX; i++) {
        const u = [0, 1, 2].map((a) =>
          map[a]! + j * map[6 + a]! + k * map[9 + a]! + i * map[3 + a]!
        );
        const b = u.map(Math.floor);
        if (b.some((x, a) => x < 0 || x > [nx, ny, nz][a]! - 2)) continue;
        const f = u.map((x, a) => x - b[a]!);
        let v = 0;
        for (let c = 0; c < 8; c++) {
          const d = [c & 1, (c >> 1) & 1, (c >> 2) & 1];
          const w = d.reduce((acc, bit, a) => acc * (bit ? f[a]! : 1 - f[a]!), 1);
          v += w * grid.data[(b[2]! + d[2]!) * nx * ny + (b[1]! + d[1]!) * nx + b[0]! + d[0]!]!;
        }
        out[(k * NY + j) * NX + i] = v;
      }
    }
  }
  return out;
}

Deno.test("addInterpolated equals the per-voxel definition for rotated, shifted grids", () => {
  const rng = random(7);
  for (let trial = 0; trial < 6; trial++) {
    const grid = randomGrid([9, 7, 6], rng);
    const position = multiply(
      translation([rng() * 4 - 2, rng() * 4 - 2, rng() * 4 - 2]),
      rotation([rng() - 0.5, rng() - 0.5, rng() - 0.5], rng() * 360),
    );
    const target: PlacedGeometry = {
      size: [13, 11, 10],
      origin: [-6, -2, -3],
      step: [1, 1.1, 0.9],
      position: trial % 2 === 0 ? translation([0.5, 0, 0]) : rotation([0, 0, 1], 30),
    };
    const fast = new Float32Array(13 * 11 * 10);
    addInterpolated(fast, target, { grid, position });
    const slow = naive(target, grid, position);
    let nonzero = 0;
    for (let i = 0; i < fast.length; i++) {
      assertAlmostEquals(fast[i]!, slow[i]!, 1e-3, `voxel ${i} of trial ${trial}`);
      if (slow[i] !== 0) nonzero++;
    }
    assert(nonzero > 50, `trial ${trial} samples the map (${nonzero} points)`);
  }
});

python.test("addInterpolated matches scipy.ndimage.affine_transform(order=1) inside the map", async () => {
  const rng = random(11);
  const grid = randomGrid([12, 10, 8], rng);
  const position = multiply(translation([1, -2, 0.5]), rotation([1, 2, 3], 37));
  const target: PlacedGeometry = {
    size: [14, 12, 11],
    origin: [-4, -1, -2],
    step: [1, 1, 1],
    position: rotation([0, 1, 0], 10),
  };
  const ours = new Float32Array(14 * 12 * 11);
  addInterpolated(ours, target, { grid, position });
  const map = [...indexMap(target, { ...grid, position })];
  const script = `
import sys, json, numpy as np
from scipy.ndimage import affine_transform
d = json.loads(open(sys.argv[1]).read())
src = np.array(d["data"], dtype=np.float32).reshape(d["size"][::-1])
m = d["map"]
# scipy works in (z, y, x) order: input index = matrix @ output index + offset
b = np.array([m[2], m[1], m[0]]); ci = [m[3:6], m[6:9], m[9:12]]
mat = np.array([[ci[2-c][2-r] for c in range(3)] for r in range(3)])
out = affine_transform(src, mat, offset=b, output_shape=tuple(d["target"][::-1]), order=1, mode="constant", cval=0.0)
print(json.dumps(out.astype(float).ravel().tolist()))
`;
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(
      file,
      JSON.stringify({ data: [...grid.data], size: grid.size, map, target: target.size }),
    );
    const theirs = await runPythonJson<number[]>(script, [file]);
    assertEquals(theirs.length, ours.length);
    let compared = 0;
    for (let i = 0; i < ours.length; i++) {
      // scipy treats the far faces as inside; ours (Chimera) as outside: compare where ours > 0.
      if (ours[i] !== 0) {
        assertAlmostEquals(ours[i]!, theirs[i]!, 1e-3, `voxel ${i}`);
        compared++;
      }
    }
    assert(compared > 300, `compared ${compared} points`);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("boundingRegion: the worked example of spec §2.5", () => {
  const grid: VolumeGrid = {
    size: [10, 10, 10],
    origin: [0, 0, 0],
    step: [1, 1, 1],
    valueType: "float32",
    data: new Float32Array(1000),
  };
  const a = { grid, position: translation([0, 0, 0]) };
  const b = { grid, position: translation([5, 0, 0]) };
  assertEquals(boundingRegion(a, [a, b]), { min: [-1, -1, -1], max: [15, 10, 10] });
});

Deno.test("addInterpolated: aligned grids (integer index shift) equal the per-voxel definition", () => {
  const rng = random(3);
  const grid = randomGrid([9, 7, 6], rng);
  const position = translation([4, -2, 1]);
  for (
    const origin of [[-3.5, 2, 1.25], [-9.5, -4, -6.25], [3, 6, 5]] as [number, number, number][]
  ) {
    // steps equal to the source's and origins on its lattice: u = g + integer shift
    const o: [number, number, number] = [
      grid.origin[0] + 4 + Math.round((origin[0] - grid.origin[0]) / 1.5) * 1.5,
      grid.origin[1] - 2 + Math.round((origin[1] - grid.origin[1]) / 2) * 2,
      grid.origin[2] + 1 + Math.round((origin[2] - grid.origin[2]) / 1.25) * 1.25,
    ];
    const target: PlacedGeometry = {
      size: [12, 9, 8],
      origin: o,
      step: [1.5, 2, 1.25],
      position: translation([0, 0, 0]),
    };
    const map = indexMap(target, { ...grid, position });
    assert([0, 1, 2].every((a) => Number.isInteger(map[a]!)), `aligned: ${map}`);
    const fast = new Float32Array(12 * 9 * 8);
    addInterpolated(fast, target, { grid, position }, 2);
    const slow = naive(target, grid, position).map((v) => 2 * v);
    assertEquals([...fast], [...slow]);
  }
});

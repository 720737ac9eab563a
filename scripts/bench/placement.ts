/**
 * Benchmark: crowded placement (lib/assemblers crowded_placement.ts).
 *
 * 1. Speed: 1,000 particles of three classes (templates/particle.mrc, barrel.mrc, rod.mrc: a
 *    four-lobed blob, a hollow cylinder, a rod) in a 400 × 400 nm field of 100–120 nm ice;
 *    particles placed per second (best of 3 seeds; the CPU may be shared).
 * 2. Packing over 20 seeds: the minimum centre distance found between two particles versus the
 *    sum of their bounding radii (below 1 means packed by the maps' own extent, closer than
 *    spheres allow), and overlaps counted by an independent check at the maps' own voxel size:
 *    every set voxel of one particle, mapped into the other's frame, must fall outside its map.
 * 3. A dense case: the same classes at the densest the crowding check accepts (their grown
 *    shapes claim 40 % of a 200 × 200 × 100 nm slab; the maps themselves fill ~17 %).
 *
 * Usage: deno run -A scripts/bench/placement.ts [PARTICLES] [SEEDS]
 */
import {
  checkCrowding,
  loadClassShape,
  type ParticleShape,
  placeCrowded,
  type PlacementClass,
  Random,
  type SampleGeometry,
  shapeContains,
} from "../../lib/assemblers/mod.ts";
import { particleRotation } from "../../lib/geometry/mod.ts";

const PARTICLES = Number(Deno.args[0] ?? 1000);
const SEEDS = Number(Deno.args[1] ?? 20);
const TEMPLATES = new URL("../../templates", import.meta.url).pathname;

const shapes = await Promise.all(
  ["particle.mrc", "barrel.mrc", "rod.mrc"].map((file) => loadClassShape(`${TEMPLATES}/${file}`)),
);
const names = ["lobed", "barrel", "rod"];

function classesFor(total: number): PlacementClass[] {
  const counts = [Math.round(total * 0.4), Math.round(total * 0.3)];
  counts.push(total - counts[0]! - counts[1]!);
  return names.map((name, i) => ({ name, shape: shapes[i]!, count: counts[i]! }));
}

function field(width: number, centre: number, edge: number): SampleGeometry {
  return {
    fieldOfViewNm: [width, width],
    apixNm: 0.5,
    holeDiameterNm: 2000,
    thicknessCentreNm: centre,
    thicknessEdgeNm: edge,
    offsetNm: [0, 0],
  };
}

/** Voxel centres (nm, particle frame) of a shape's set voxels. */
function points(shape: ParticleShape): Float64Array {
  const out: number[] = [];
  const [nx, ny] = shape.dims;
  shape.mask.forEach((v, i) => {
    if (v === 0) return;
    const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
    out.push(
      (x - shape.centre[0]) * shape.voxelNm,
      (y - shape.centre[1]) * shape.voxelNm,
      (z - shape.centre[2]) * shape.voxelNm,
    );
  });
  return Float64Array.from(out);
}
const shapePoints = shapes.map(points);

interface Packing {
  ratio: number;
  distance: number;
  radii: number;
  overlaps: number;
  closePairs: number;
}

/** Minimum centre distance / sum of radii, and overlapping pairs by the voxel check. */
function packing(
  classes: PlacementClass[],
  particles: ReturnType<typeof placeCrowded>["particles"],
): Packing {
  const placed = particles.map((p) => ({
    p,
    shape: classes[p.classIndex]!.shape,
    pts: shapePoints[p.classIndex]!,
    m: particleRotation(...p.orientation),
  }));
  let best: Packing = { ratio: Infinity, distance: Infinity, radii: 0, overlaps: 0, closePairs: 0 };
  let overlaps = 0, closePairs = 0;
  for (let i = 0; i < placed.length; i++) {
    const a = placed[i]!;
    for (let j = i + 1; j < placed.length; j++) {
      const b = placed[j]!;
      const dx = a.p.position[0] - b.p.position[0];
      const dy = a.p.position[1] - b.p.position[1];
      const dz = a.p.position[2] - b.p.position[2];
      const distance = Math.hypot(dx, dy, dz);
      const radii = a.shape.radiusNm + b.shape.radiusNm;
      if (distance / radii < best.ratio) {
        best = { ...best, ratio: distance / radii, distance, radii };
      }
      if (distance >= radii) continue;
      closePairs++;
      const { pts, m } = a;
      for (let k = 0; k < pts.length; k += 3) {
        const q0 = pts[k]!, q1 = pts[k + 1]!, q2 = pts[k + 2]!;
        const s0 = dx + m[0] * q0 + m[1] * q1 + m[2] * q2;
        const s1 = dy + m[3] * q0 + m[4] * q1 + m[5] * q2;
        const s2 = dz + m[6] * q0 + m[7] * q1 + m[8] * q2;
        const r0 = b.m[0] * s0 + b.m[3] * s1 + b.m[6] * s2;
        const r1 = b.m[1] * s0 + b.m[4] * s1 + b.m[7] * s2;
        const r2 = b.m[2] * s0 + b.m[5] * s1 + b.m[8] * s2;
        if (shapeContains(b.shape, r0, r1, r2)) {
          overlaps++;
          break;
        }
      }
    }
  }
  return { ...best, overlaps, closePairs };
}

const classes = classesFor(PARTICLES);
const wide = field(400, 100, 120);
console.log(
  `classes: ${
    classes.map((c) =>
      `${c.count} ${c.name} (r ${c.shape.radiusNm.toFixed(1)} nm, ${
        c.shape.volumeNm3.toFixed(0)
      } nm³)`
    ).join(", ")
  }; field 400 × 400 nm, ice 100–120 nm`,
);

// 1. speed
let bestRate = 0;
for (const seed of [1, 2, 3]) {
  const started = performance.now();
  const placement = placeCrowded(classes, wide, new Random(seed));
  const seconds = (performance.now() - started) / 1000;
  const rate = placement.particles.length / seconds;
  bestRate = Math.max(bestRate, rate);
  console.log(
    `  seed ${seed}: ${placement.particles.length} particles in ${seconds.toFixed(2)} s ` +
      `(${rate.toFixed(0)}/s, ${placement.candidates} candidates, cell ${
        placement.cellNm.toFixed(2)
      } nm)`,
  );
}
console.log(`placement speed: ${bestRate.toFixed(0)} particles/s (best of 3)`);

// 2. packing over seeds
function packingOver(label: string, cls: PlacementClass[], g: SampleGeometry, gap = 0): void {
  let worst: Packing | undefined;
  let overlaps = 0, close = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const result = packing(
      cls,
      placeCrowded(cls, g, new Random(1000 + seed), { gapNm: gap }).particles,
    );
    overlaps += result.overlaps;
    close += result.closePairs;
    if (worst === undefined || result.ratio < worst.ratio) worst = result;
  }
  console.log(
    `${label}, ${SEEDS} seeds: min centre distance ${
      worst!.distance.toFixed(2)
    } nm vs sum of radii ` +
      `${worst!.radii.toFixed(2)} nm (ratio ${
        worst!.ratio.toFixed(3)
      }); ${close} pairs closer than ` +
      `their radii, ${overlaps} overlapping (voxel check)`,
  );
}
packingOver(`${PARTICLES} particles`, classes, wide);
// 3. dense: as many as the crowding check accepts in a 200 × 200 × 100 nm slab
const slab = field(200, 100, 100);
let dense = classesFor(100);
for (let n = 100;; n += 20) {
  const next = classesFor(n);
  try {
    checkCrowding(next, slab);
  } catch {
    break;
  }
  dense = next;
}
const count = dense.reduce((n, c) => n + c.count, 0);
const fill = dense.reduce((v, c) => v + c.count * c.shape.volumeNm3, 0) / (200 * 200 * 100);
packingOver(
  `dense (${count} particles, maps fill ${(100 * fill).toFixed(0)} % of the ice)`,
  dense,
  slab,
);

/**
 * The back-projection kernel (pure): sums filtered tilt images into z planes of the volume, each
 * voxel sampled (bilinearly) where the tilt's full projection — rotation P and image shift, as in
 * docs/conventions.md §4 — puts it.
 *
 * @module
 */
import type { VolumeGrid } from "./grid.ts";

/** One tilt as the kernel uses it (binned pixels). */
export interface ProjectionTilt {
  /** The 3×3 specimen rotation P (row-major): sample → microscope. */
  matrix: number[];
  /** Image shift x0 in binned pixels (the image content moves by +x0). */
  shiftX: number;
  /** Image shift y0 in binned pixels. */
  shiftY: number;
  /** Weight of this tilt in the sum: its share of the angular range, radians. */
  weight: number;
}

/** What the kernel needs: filtered binned images (x fastest, one after another) and geometry. */
export interface BackprojectionSetup {
  /** Filtered images, `grid.nx`·`grid.ny` values per tilt, in tilt order (may be shared). */
  images: Float32Array;
  /** The tilts, in the order of `images`. */
  tilts: ProjectionTilt[];
  /** The volume grid (its x, y match the binned image). */
  grid: VolumeGrid;
}

/**
 * Back-projects z planes `first` … `first + count − 1` into `out` (grid.nx·grid.ny·count,
 * x fastest; allocated when absent). Samples falling outside an image add nothing.
 * Needs no permissions.
 */
export function backprojectSlab(
  setup: BackprojectionSetup,
  first: number,
  count: number,
  out = new Float32Array(setup.grid.nx * setup.grid.ny * count),
): Float32Array {
  const { grid, images } = setup;
  const nx = grid.nx, ny = grid.ny, c = grid.centre;
  const plane = nx * ny;
  const row = new Float64Array(nx);
  const xMax = nx - 1, yMax = ny - 1;
  for (let dk = 0; dk < count; dk++) {
    const zk = first + dk - c.z;
    for (let j = 0; j < ny; j++) {
      const yj = j - c.y;
      row.fill(0);
      for (let t = 0; t < setup.tilts.length; t++) {
        const tilt = setup.tilts[t]!;
        const m = tilt.matrix;
        const a = m[0]!, cc = m[3]!;
        // px = a·i + A, py = cc·i + B (binned pixels)
        const A = -a * c.x + m[1]! * yj + m[2]! * zk + tilt.shiftX + c.x;
        const B = -cc * c.x + m[4]! * yj + m[5]! * zk + tilt.shiftY + c.y;
        let lo = 0, hi = nx - 1;
        [lo, hi] = clampRange(a, A, xMax, lo, hi);
        [lo, hi] = clampRange(cc, B, yMax, lo, hi);
        if (lo > hi) continue;
        const base = t * plane, w = tilt.weight;
        let px = a * lo + A, py = cc * lo + B;
        for (let i = lo; i <= hi; i++) {
          const ix = px | 0, iy = py | 0;
          const fx = px - ix, fy = py - iy;
          const o = base + iy * nx + ix;
          const top = images[o]! + fx * (images[o + 1]! - images[o]!);
          const bottom = images[o + nx]! + fx * (images[o + nx + 1]! - images[o + nx]!);
          row[i] = row[i]! + w * (top + fy * (bottom - top));
          px += a;
          py += cc;
        }
      }
      const o = dk * plane + j * nx;
      for (let i = 0; i < nx; i++) out[o + i] = row[i]!;
    }
  }
  return out;
}

/**
 * Narrows [lo, hi] to the integers i where 0 ≤ slope·i + offset < max (so that the sample and its
 * +1 neighbour lie inside), with a small margin against rounding.
 */
function clampRange(
  slope: number,
  offset: number,
  max: number,
  lo: number,
  hi: number,
): [number, number] {
  const eps = 1e-9;
  if (Math.abs(slope) < 1e-12) {
    return offset >= 0 && offset < max - eps ? [lo, hi] : [1, 0];
  }
  const r0 = (0 - offset) / slope, r1 = (max - eps - offset) / slope;
  const from = Math.ceil(Math.min(r0, r1)), to = Math.floor(Math.max(r0, r1));
  let l = Math.max(lo, from), h = Math.min(hi, to);
  // guard the ends against rounding
  while (l <= h && !inside(slope * l + offset, max)) l++;
  while (h >= l && !inside(slope * h + offset, max)) h--;
  return [l, h];
}

function inside(v: number, max: number): boolean {
  return v >= 0 && v < max;
}

/**
 * Area-weighted resampling between centred pixel grids (wave grid → detector grid).
 *
 * @module
 */
import { boxResampleAdd } from "./projection.ts";
import type { PixelGrid } from "./sample_path.ts";

/**
 * Area-weighted resampling of a real image between two centred grids with different pixel sizes
 * (values are averages, as intensities relative to vacuum are). Needs no permissions.
 */
export function resampleGrid(
  src: Float32Array,
  from: PixelGrid,
  dest: Float32Array,
  to: PixelGrid,
  midBuffer?: Float64Array,
  columnBuffer?: Float64Array,
): void {
  // Source cell i spans destination index coordinates (i − from.cx ± ½)·width + to.cx.
  const width = from.pixel / to.pixel;
  const x0 = (-from.cx - 0.5) * width + to.cx;
  const y0 = (-from.cy - 0.5) * width + to.cy;
  const mid = midBuffer?.subarray(0, from.ny * to.nx) ?? new Float64Array(from.ny * to.nx);
  mid.fill(0);
  for (let j = 0; j < from.ny; j++) {
    boxResampleAdd(src, j * from.nx, 1, from.nx, x0, width, mid, j * to.nx, 1, to.nx);
  }
  const col = columnBuffer?.subarray(0, to.ny) ?? new Float64Array(to.ny);
  for (let u = 0; u < to.nx; u++) {
    col.fill(0);
    boxResampleAdd(mid, u, to.nx, from.ny, y0, width, col, 0, 1, to.ny);
    for (let v = 0; v < to.ny; v++) dest[v * to.nx + u] = col[v]!;
  }
}

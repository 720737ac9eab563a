/**
 * The wave function through one slice of the multislice (spec §3.6): the plane wave it starts
 * from, the transmission exp(i·Φ) with the intensity it absorbs, and the deviation of a tile's
 * wave added to the grid wave.
 *
 * @module
 */
import type { TouchedRows } from "./projection.ts";

/** Sets the first `count` complex values of `wave` to 1 (a plane wave). */
export function planeWave(wave: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    wave[2 * i] = 1;
    wave[2 * i + 1] = 0;
  }
}

/**
 * One row of a slice's transmission: ψ ← ψ·exp(i·Re Φ − Im Φ) for complex pixels x0 … x1 from
 * complex index `row`, and with `lost` the absorbed intensity (1 − e^{−2·Im Φ})·|ψ_old|² at
 * lost[lostBase + x].
 */
export function transmitRow(
  phi: Float32Array,
  wave: Float32Array,
  row: number,
  x0: number,
  x1: number,
  lost: Float32Array | undefined,
  lostBase: number,
): void {
  for (let x = x0; x <= x1; x++) {
    const q = 2 * (row + x);
    const pr = phi[q]!, pi = phi[q + 1]!;
    if (pr === 0 && pi === 0) continue;
    const wr = wave[q]!, wi = wave[q + 1]!;
    const amp = Math.exp(-pi);
    const tr = amp * Math.cos(pr), ti = amp * Math.sin(pr);
    wave[q] = wr * tr - wi * ti;
    wave[q + 1] = wr * ti + wi * tr;
    if (lost !== undefined) lost[lostBase + x] = (1 - amp * amp) * (wr * wr + wi * wi);
  }
}

/** Adds the deviation from a plane wave of `count` complex values of a tile to the grid wave. */
export function addDeviation(
  tile: Float32Array,
  from: number,
  psi: Float32Array,
  to: number,
  count: number,
): void {
  for (let x = 0; x < count; x++, from += 2, to += 2) {
    psi[to]! += tile[from]! - 1;
    psi[to + 1]! += tile[from + 1]!;
  }
}

/**
 * The bounding box (tile pixels) of the pixels a slice's projections touched on a tw × th tile,
 * if any: the only place its absorbed intensity can be non-zero. Needs no permissions.
 */
export function touchedBox(
  touched: TouchedRows,
  tw: number,
  th: number,
): { x0: number; y0: number; w: number; h: number } | undefined {
  let bx0 = tw, by0 = th, bx1 = -1, by1 = -1;
  for (let y = 0; y < th; y++) {
    const first = touched.first[y]!, last = touched.last[y]!;
    if (first > last) continue;
    if (y < by0) by0 = y;
    by1 = y;
    if (first < bx0) bx0 = first;
    if (last > bx1) bx1 = last;
  }
  if (bx1 < bx0) return undefined;
  return { x0: bx0, y0: by0, w: bx1 - bx0 + 1, h: by1 - by0 + 1 };
}

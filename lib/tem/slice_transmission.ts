/**
 * The wave function through one slice of the multislice (spec §3.6): the plane wave it starts
 * from, the transmission exp(i·Φ) with the intensity it absorbs, and the deviation of a tile's
 * wave added to the grid wave.
 *
 * The wave is stored as its deviation φ = ψ − 1 from the unit plane wave (float32): propagation
 * and the lens are linear and pass the plane wave unchanged (their transfer is 1 at q = 0), so
 * the FFTs see φ alone and their single-precision round-off scales with the scattered wave, not
 * with the plane wave (where nothing scatters φ stays exactly 0, as in double precision).
 *
 * @module
 */
import type { TouchedRows } from "./projection.ts";

/** Sets the first `count` complex values of `wave` to the plane wave (φ = 0). */
export function planeWave(wave: Float32Array, count: number): void {
  wave.fill(0, 0, 2 * count);
}

/**
 * One row of a slice's transmission: ψ ← ψ·exp(i·Re Φ − Im Φ) for complex pixels x0 … x1 from
 * complex index `row`, on the stored deviation φ = ψ − 1: φ ← (t − 1) + φ·t with
 * t − 1 = expm1(−Im Φ)·cos Re Φ − 2·sin²(Re Φ/2) + i·e^{−Im Φ}·sin Re Φ (no cancellation for a
 * weak potential); with `lost` the absorbed intensity (1 − e^{−2·Im Φ})·|ψ_old|² at
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
    const fr = wave[q]!, fi = wave[q + 1]!;
    const amp = Math.exp(-pi), cos = Math.cos(pr), halfSin = Math.sin(pr / 2);
    const tr = amp * cos, ti = amp * Math.sin(pr);
    const trMinus1 = Math.expm1(-pi) * cos - 2 * halfSin * halfSin;
    wave[q] = trMinus1 + (fr * tr - fi * ti);
    wave[q + 1] = ti + (fr * ti + fi * tr);
    if (lost !== undefined) {
      const wr = 1 + fr;
      lost[lostBase + x] = -Math.expm1(-2 * pi) * (wr * wr + fi * fi);
    }
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
    psi[to]! += tile[from]!;
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

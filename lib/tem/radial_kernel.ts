/**
 * Radial kernels on the wave grid's spectrum (inelastic blur, background attenuation and blur),
 * evaluated from a tabulated kernel as rows for the real FFT.
 *
 * @module
 */
import type { KernelRows } from "./fft.ts";
import type { KernelTable } from "./kernels.ts";
import { angularFrequency } from "./optics.ts";
import type { PixelGrid } from "./sample_path.ts";

/**
 * A radial kernel f(K(distance·|q|)) of a table on the wave grid, f = identity or
 * exp(−attenuation·K), as {@linkcode KernelRows}. On square grids K(i, j) = K(j, i) (the same sum
 * qx² + qy²), so each unordered pair of folded indices is evaluated once, into a triangle. Needs no
 * permissions.
 */
export class RadialKernelRows implements KernelRows {
  readonly #qx: Float64Array;
  readonly #qy: Float64Array;
  /** Row i holds j = i … h − 1 (square grids). */
  readonly #triangle: Float32Array;
  readonly #square: boolean;
  #values: Float64Array = new Float64Array(1);
  #scale = 0;
  #exponent = 0;
  #exponential = false;

  constructor(qx: Float64Array, qy: Float64Array, square: boolean) {
    this.#qx = qx;
    this.#qy = qy;
    this.#square = square && qx.length === qy.length;
    const h = qx.length;
    this.#triangle = new Float32Array(this.#square ? (h * (h + 1)) / 2 : 0);
  }

  /** Radial kernels on the spectrum of `grid` (|q| in rad/nm for the folded indices). */
  static forGrid(grid: PixelGrid): RadialKernelRows {
    const { nx, ny, pixel } = grid;
    const qx = Float64Array.from(
      { length: Math.floor(nx / 2) + 1 },
      (_, i) => angularFrequency(i, nx, pixel),
    );
    const qy = Float64Array.from(
      { length: Math.floor(ny / 2) + 1 },
      (_, i) => angularFrequency(i, ny, pixel),
    );
    return new RadialKernelRows(qx, qy, nx === ny);
  }

  /** Sets the kernel (and, on square grids, evaluates it). */
  configure(table: KernelTable, distance: number, attenuation?: number): this {
    this.#values = table.values;
    this.#scale = distance / table.spacing;
    this.#exponent = attenuation === undefined ? 0 : -attenuation;
    this.#exponential = attenuation !== undefined;
    if (this.#square) {
      const qx = this.#qx, qy = this.#qy, h = qx.length, triangle = this.#triangle;
      for (let i = 0, at = 0; i < h; i++) {
        const ax = qx[i]! * qx[i]!;
        for (let j = i; j < h; j++, at++) triangle[at] = this.#value(ax, qy[j]! * qy[j]!);
      }
    }
    return this;
  }

  #value(ax: number, ay: number): number {
    const v = this.#values, last = v.length - 1;
    const r = Math.sqrt(ax + ay) * this.#scale;
    let k = v[last]!;
    if (r < last) {
      const j = Math.floor(r), frac = r - j;
      k = v[j]! * (1 - frac) + v[j + 1]! * frac;
    }
    return this.#exponential ? Math.exp(this.#exponent * k) : k;
  }

  fill(kx: number, row: Float32Array): void {
    const hy = this.#qy.length;
    if (!this.#square) {
      const qx = this.#qx, qy = this.#qy;
      const ax = qx[kx]! * qx[kx]!;
      for (let ky = 0; ky < hy; ky++) row[ky] = this.#value(ax, qy[ky]! * qy[ky]!);
      return;
    }
    // Entry (i, j), i ≤ j, is at i·hy − i(i − 1)/2 + (j − i).
    const triangle = this.#triangle;
    for (let ky = 0; ky < kx; ky++) row[ky] = triangle[ky * hy - (ky * (ky - 1)) / 2 + kx - ky]!;
    const base = kx * hy - (kx * (kx - 1)) / 2 - kx;
    for (let ky = kx; ky < hy; ky++) row[ky] = triangle[base + ky]!;
  }
}

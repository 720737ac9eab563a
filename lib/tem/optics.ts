/**
 * Wave optics on the periodic grid (spec §3.6): frequencies, the Fresnel propagator between slices
 * (separable in x and y), and the objective-lens transfer function T = A·E·exp(iχ) with defocus,
 * spherical aberration, spatial and temporal coherence envelopes and the hard objective aperture.
 *
 * @module
 */
import type { Beam } from "./beam.ts";

/**
 * Angular frequency q (rad/nm) of FFT index i on an axis of n pixels of size `pixel` nm:
 * min(i, n − i)·Δq with the step Δq = 2π/(n·pixel) rounded first. The order decides, by one
 * rounding, whether the Nyquist frequency n/2 passes the objective aperture's q < π/pixel: it
 * does on some axes and not on others, and this order reproduces TEM-Simulator on all 45 axes of
 * the reference cases where that shows (docs/engine.md). Needs no permissions.
 */
export function angularFrequency(i: number, n: number, pixel: number): number {
  return Math.min(i, n - i) * (2 * Math.PI / (n * pixel));
}

/**
 * Fresnel propagator over `distance` nm, exp(−i·distance·q²/(2k)), separated into x and y factors
 * (interleaved complex), with `scale` folded into the x factor. Needs no permissions.
 */
export function fresnelPropagator(
  nx: number,
  ny: number,
  pixel: number,
  waveNumber: number,
  distance: number,
  scale: number,
): { x: Float64Array; y: Float64Array } {
  const make = (n: number, s: number) => {
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const q = angularFrequency(i, n, pixel);
      const phase = -distance * q * q / (2 * waveNumber);
      out[2 * i] = s * Math.cos(phase);
      out[2 * i + 1] = s * Math.sin(phase);
    }
    return out;
  };
  return { x: make(nx, scale), y: make(ny, 1) };
}

/** Objective lens and illumination parameters, nm and rad. */
export interface LensParameters {
  /** Spherical aberration Cs, nm. */
  cs: number;
  /** Chromatic aberration Cc, nm. */
  cc: number;
  /** Objective aperture half angle = aperture/(2·focal length), rad. */
  apertureAngle: number;
  /** Condenser aperture angle α, rad. */
  illuminationAngle: number;
  /** Energy spread ΔE, eV. */
  energySpread: number;
}

/**
 * The transfer function T(q) for effective defocus `defocus` (nm, + = underfocus), multiplied by
 * `scale`, row by row: the returned function fills `row` (interleaved complex, ky = 0 … ny/2)
 * for a folded kx. Needs no permissions.
 */
export function lensTransferRows(
  nx: number,
  ny: number,
  pixel: number,
  beam: Beam,
  lens: LensParameters,
  defocus: number,
  scale: number,
): (kxFolded: number, row: Float32Array | Float64Array) => void {
  const k = beam.waveNumber;
  const e0 = beam.energy / (beam.gamma - 1); // rest energy, eV
  const E = beam.energy;
  const ccEff = lens.cc * (1 + E / e0) / (E * (1 + E / (2 * e0)));
  const alpha2 = lens.illuminationAngle * lens.illuminationAngle;
  const c = -0.25 * defocus * defocus * alpha2;
  const d = (0.5 * defocus * lens.cs * alpha2 - lens.energySpread ** 2 * ccEff * ccEff / 16) /
    (k * k);
  const e = -0.25 * lens.cs * lens.cs * alpha2 / (k ** 4);
  const cutoff = Math.min(Math.PI / pixel, k * lens.apertureAngle);
  const hy = Math.floor(ny / 2) + 1;
  return (i, row) => {
    row.fill(0);
    const qx = angularFrequency(i, nx, pixel);
    for (let j = 0; j < hy; j++) {
      const qy = angularFrequency(j, ny, pixel);
      const q2 = qx * qx + qy * qy;
      if (Math.sqrt(q2) >= cutoff) continue;
      const q4 = q2 * q2;
      const chi = defocus * q2 / (2 * k) - lens.cs * q4 / (4 * k * k * k);
      const env = scale * Math.exp(c * q2 + d * q4 + e * q4 * q2);
      row[2 * j] = env * Math.cos(chi);
      row[2 * j + 1] = env * Math.sin(chi);
    }
  };
}

/**
 * Multiplies a transposed complex spectrum (index 2·(kx·ny + ky), as ComplexFft2d keeps it) by
 * {@linkcode lensTransferRows}'s T(q), rounded to float32. On square grids T is evaluated once
 * per unordered pair of folded indices (T(i, j) = T(j, i)): half the exp/sin/cos work, the same
 * values. Needs no permissions.
 */
export function applyLensTransfer(
  spec: Float32Array,
  nx: number,
  ny: number,
  pixel: number,
  beam: Beam,
  lens: LensParameters,
  defocus: number,
  scale: number,
  row: Float32Array,
): void {
  if (nx !== ny || nx % 2 !== 0) {
    const transfer = lensTransferRows(nx, ny, pixel, beam, lens, defocus, scale);
    for (let kx = 0; kx <= nx - kx; kx++) {
      transfer(kx, row);
      for (let r = kx; r >= 0; r = r === kx && kx !== 0 && kx !== nx - kx ? nx - kx : -1) {
        let q = 2 * r * ny;
        for (let ky = 0; ky < ny; ky++, q += 2) {
          const t = 2 * (ky <= ny - ky ? ky : ny - ky);
          const tr = row[t]!, ti = row[t + 1]!;
          const sr = spec[q]!, si = spec[q + 1]!;
          spec[q] = sr * tr - si * ti;
          spec[q + 1] = sr * ti + si * tr;
        }
      }
    }
    return;
  }
  const transfer = new SymmetricLensTransfer(spec, nx, pixel, beam, lens, defocus, scale);
  for (let i = 0; i <= nx / 2; i++) transfer.pairRow(i);
}

/** {@linkcode applyLensTransfer} on a square grid, one row of index pairs (i, j ≥ i) per call. */
class SymmetricLensTransfer {
  readonly #k: number;
  readonly #c: number;
  readonly #d: number;
  readonly #e: number;
  readonly #cutoff: number;
  readonly #half: number;

  constructor(
    readonly spec: Float32Array,
    readonly n: number,
    readonly pixel: number,
    beam: Beam,
    readonly lens: LensParameters,
    readonly defocus: number,
    readonly scale: number,
  ) {
    // The same arithmetic as lensTransferRows.
    const k = beam.waveNumber;
    const e0 = beam.energy / (beam.gamma - 1);
    const E = beam.energy;
    const ccEff = lens.cc * (1 + E / e0) / (E * (1 + E / (2 * e0)));
    const alpha2 = lens.illuminationAngle * lens.illuminationAngle;
    this.#k = k;
    this.#c = -0.25 * defocus * defocus * alpha2;
    this.#d = (0.5 * defocus * lens.cs * alpha2 - lens.energySpread ** 2 * ccEff * ccEff / 16) /
      (k * k);
    this.#e = -0.25 * lens.cs * lens.cs * alpha2 / (k ** 4);
    this.#cutoff = Math.min(Math.PI / pixel, k * lens.apertureAngle);
    this.#half = n / 2;
  }

  #multiply(kx: number, ky: number, tr: number, ti: number): void {
    const spec = this.spec;
    const q = 2 * (kx * this.n + ky);
    const sr = spec[q]!, si = spec[q + 1]!;
    spec[q] = sr * tr - si * ti;
    spec[q + 1] = sr * ti + si * tr;
  }

  /** T(i, j) for j = i … n/2, applied at every (kx, ky) whose folded indices are (i, j) or (j, i). */
  pairRow(i: number): void {
    const { n, pixel, defocus, scale } = this;
    const half = this.#half, k = this.#k, c = this.#c, d = this.#d, e = this.#e;
    const cs = this.lens.cs, cutoff = this.#cutoff;
    const qx = angularFrequency(i, n, pixel);
    const i2 = i === 0 || i === half ? -1 : n - i;
    for (let j = i; j <= half; j++) {
      const qy = angularFrequency(j, n, pixel);
      const q2 = qx * qx + qy * qy;
      let tr = 0, ti = 0;
      if (Math.sqrt(q2) < cutoff) {
        const q4 = q2 * q2;
        const chi = defocus * q2 / (2 * k) - cs * q4 / (4 * k * k * k);
        const env = scale * Math.exp(c * q2 + d * q4 + e * q4 * q2);
        tr = Math.fround(env * Math.cos(chi));
        ti = Math.fround(env * Math.sin(chi));
      }
      const j2 = j === 0 || j === half ? -1 : n - j;
      // (kx, ky) with folded indices (i, j) and, unless i = j, (j, i).
      this.#multiply(i, j, tr, ti);
      if (j2 >= 0) this.#multiply(i, j2, tr, ti);
      if (i2 >= 0) {
        this.#multiply(i2, j, tr, ti);
        if (j2 >= 0) this.#multiply(i2, j2, tr, ti);
      }
      if (i !== j) {
        this.#multiply(j, i, tr, ti);
        if (i2 >= 0) this.#multiply(j, i2, tr, ti);
        if (j2 >= 0) {
          this.#multiply(j2, i, tr, ti);
          if (i2 >= 0) this.#multiply(j2, i2, tr, ti);
        }
      }
    }
  }
}

/**
 * {@linkcode lensTransferRows} as a quarter table (kx = 0 … nx/2, ky = 0 … ny/2, interleaved
 * complex). Needs no permissions.
 */
export function lensTransfer(
  nx: number,
  ny: number,
  pixel: number,
  beam: Beam,
  lens: LensParameters,
  defocus: number,
  scale: number,
): Float64Array {
  const hx = Math.floor(nx / 2) + 1, hy = Math.floor(ny / 2) + 1;
  const table = new Float64Array(2 * hx * hy);
  const rows = lensTransferRows(nx, ny, pixel, beam, lens, defocus, scale);
  for (let i = 0; i < hx; i++) rows(i, table.subarray(2 * i * hy, 2 * (i + 1) * hy));
  return table;
}

/**
 * The detector MTF normalised to 1 at zero frequency (spec §3.8) at ξ cycles/pixel.
 * Needs no permissions.
 */
export function detectorMtf(
  xi: number,
  mtf: { a: number; b: number; c: number; alpha: number; beta: number; p: number; q: number },
): number {
  const term = (weight: number, coefficient: number, n: number) => {
    if (weight === 0) return 0;
    const y = 1 + coefficient * xi * xi;
    const pn = Math.pow(2, n);
    const yn = Math.pow(y, -n);
    return weight * pn * yn / (2 + (pn - 2) * yn);
  };
  const value = mtf.c + term(mtf.a, mtf.alpha, mtf.p) + term(mtf.b, mtf.beta, mtf.q);
  return value / (mtf.a + mtf.b + mtf.c);
}

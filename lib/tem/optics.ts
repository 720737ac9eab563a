/**
 * Wave optics on the periodic grid (spec §3.6): frequencies, the Fresnel propagator between slices
 * (separable in x and y), and the objective-lens transfer function T = A·E·exp(iχ) with defocus,
 * spherical aberration, spatial and temporal coherence envelopes and the hard objective aperture.
 *
 * @module
 */
import type { Beam } from "./beam.ts";

/**
 * Angular frequency q (rad/nm) of FFT index i on an axis of n pixels of size `pixel` nm.
 * Needs no permissions.
 */
export function angularFrequency(i: number, n: number, pixel: number): number {
  return 2 * Math.PI * Math.min(i, n - i) / (n * pixel);
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

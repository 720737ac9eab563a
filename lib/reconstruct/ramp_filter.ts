/**
 * The weighting of weighted back-projection: each tilt image is filtered along the direction
 * perpendicular to the tilt axis with the R-weighting (ramp) filter |f| and a Gaussian low-pass
 * roll-off, as IMOD's `tilt` does with `RADIAL cutoff falloff` (frequencies in cycles per pixel
 * of the image being back-projected). Lines are zero-padded to twice their length (next power of
 * two) so the filter does not wrap around.
 *
 * @module
 */

/** The radial filter: ramp up to `cutoff`, then a Gaussian of width `falloff` (cycles/pixel). */
export interface RadialFilter {
  /** Frequency (cycles/pixel, 0 < cutoff ≤ 0.5) where the Gaussian roll-off starts. */
  cutoff: number;
  /** Standard deviation (cycles/pixel, > 0) of the Gaussian roll-off beyond `cutoff`. */
  falloff: number;
}

/** IMOD `tilt`'s default radial filter (RADIAL 0.35 0.035). */
export const DEFAULT_RADIAL_FILTER: RadialFilter = { cutoff: 0.35, falloff: 0.035 };

/** The smallest power of two ≥ 2·n. Needs no permissions. */
export function paddedLength(n: number): number {
  let m = 1;
  while (m < 2 * n) m *= 2;
  return m;
}

/**
 * The filter's response at the `m` frequencies of a length-`m` DFT (index k ↔ min(k, m−k)/m
 * cycles/pixel): |f| up to the cutoff, |f|·exp(−(|f|−cutoff)²/2σ²) beyond, and a quarter of the
 * first bin at zero frequency (so the mean is kept, weakly, as in a discrete ramp). Needs no
 * permissions.
 */
export function rampResponse(m: number, filter: RadialFilter): Float64Array {
  const h = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const f = Math.min(k, m - k) / m;
    const roll = f <= filter.cutoff
      ? 1
      : Math.exp(-((f - filter.cutoff) ** 2) / (2 * filter.falloff * filter.falloff));
    h[k] = (k === 0 ? 0.25 / m : f) * roll;
  }
  return h;
}

/** In-place iterative radix-2 complex FFT of length m (a power of two); sign −1 forward. */
class Radix2Fft {
  readonly m: number;
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  readonly #reverse: Uint32Array;

  constructor(m: number) {
    if (m < 1 || (m & (m - 1)) !== 0) throw new RangeError(`FFT length ${m} is not a power of 2`);
    this.m = m;
    this.#cos = new Float64Array(m / 2);
    this.#sin = new Float64Array(m / 2);
    for (let k = 0; k < m / 2; k++) {
      this.#cos[k] = Math.cos((2 * Math.PI * k) / m);
      this.#sin[k] = Math.sin((2 * Math.PI * k) / m);
    }
    this.#reverse = new Uint32Array(m);
    const bits = Math.log2(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.#reverse[i] = r;
    }
  }

  transform(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
    const m = this.m, rev = this.#reverse, cs = this.#cos, sn = this.#sin;
    for (let i = 0; i < m; i++) {
      const j = rev[i]!;
      if (j > i) {
        const tr = re[i]!, ti = im[i]!;
        re[i] = re[j]!;
        im[i] = im[j]!;
        re[j] = tr;
        im[j] = ti;
      }
    }
    for (let size = 2; size <= m; size *= 2) {
      const half = size / 2, step = m / size;
      for (let start = 0; start < m; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = cs[k * step]!, wi = sign * sn[k * step]!;
          const a = start + k, b = a + half;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a] = re[a]! + xr;
          im[a] = im[a]! + xi;
        }
      }
    }
  }
}

/**
 * Filters lines of images with one real, even response: two lines per complex FFT (one in the
 * real, one in the imaginary part). Reuses its buffers; not thread-safe. Needs no permissions.
 */
export class LineFilter {
  readonly #n: number;
  readonly #fft: Radix2Fft;
  readonly #response: Float64Array;
  readonly #re: Float64Array;
  readonly #im: Float64Array;

  /** A filter for lines of `n` samples with `filter` (padded to {@linkcode paddedLength}). */
  constructor(n: number, filter: RadialFilter) {
    this.#n = n;
    const m = paddedLength(n);
    this.#fft = new Radix2Fft(m);
    this.#response = rampResponse(m, filter);
    this.#re = new Float64Array(m);
    this.#im = new Float64Array(m);
  }

  /**
   * Filters, in place, the lines of an image (`data`, x fastest, `nx`·`ny`): along y (columns)
   * when `alongY`, else along x (rows). The image mean is subtracted first (the padding is zero).
   */
  filterImage(data: Float32Array, nx: number, ny: number, alongY: boolean): void {
    const n = alongY ? ny : nx;
    const lines = alongY ? nx : ny;
    if (n !== this.#n) throw new RangeError(`LineFilter is for lines of ${this.#n}, got ${n}`);
    let sum = 0;
    for (let i = 0; i < nx * ny; i++) sum += data[i]!;
    const mean = sum / (nx * ny);
    const stride = alongY ? nx : 1;
    const lineStep = alongY ? 1 : nx;
    const re = this.#re, im = this.#im, h = this.#response, m = re.length;
    for (let line = 0; line < lines; line += 2) {
      const a = line * lineStep, b = (line + 1) * lineStep, hasB = line + 1 < lines;
      re.fill(0);
      im.fill(0);
      for (let s = 0; s < n; s++) {
        re[s] = data[a + s * stride]! - mean;
        if (hasB) im[s] = data[b + s * stride]! - mean;
      }
      this.#fft.transform(re, im, -1);
      for (let k = 0; k < m; k++) {
        re[k] = re[k]! * h[k]!;
        im[k] = im[k]! * h[k]!;
      }
      this.#fft.transform(re, im, 1);
      for (let s = 0; s < n; s++) {
        data[a + s * stride] = re[s]! / m;
        if (hasB) data[b + s * stride] = im[s]! / m;
      }
    }
  }
}

/**
 * `vop gaussian`: separable Gaussian smoothing with Chimera 1's kernel. Chimera convolves each
 * axis by FFT over a zero-padded length L (the next "efficient" FFT size ≥ n + hw), with the
 * kernel normalised over all L circular offsets and then cut to offsets −hw … hw−1, where
 * hw = min(n div 2, int(5σ+1)) and σ is in voxels. That equals a direct linear convolution with
 * zero boundary and this kernel, which is what is computed here.
 *
 * @module
 */

/** FFT lengths Chimera 1 pads to (VolumeFilter gaussian.py `fast_fft_sizes`); beyond: 2^k. */
const FAST_FFT_SIZES = [
  2,
  3,
  4,
  5,
  6,
  8,
  9,
  10,
  12,
  16,
  18,
  20,
  21,
  25,
  32,
  33,
  36,
  40,
  48,
  50,
  54,
  55,
  64,
  65,
  72,
  80,
  81,
  90,
  96,
  100,
  108,
  120,
  128,
  144,
  150,
  160,
  162,
  180,
  192,
  200,
  216,
  256,
  270,
  300,
  320,
  324,
  325,
  336,
  360,
  400,
  432,
  450,
  480,
  500,
  512,
  540,
  576,
  600,
  640,
  648,
  720,
  750,
  800,
  810,
  864,
  900,
  960,
  1024,
  1080,
  1152,
  1200,
  1280,
  1296,
  1350,
  1440,
  1500,
  1536,
  1600,
  1620,
  1728,
  1800,
  1920,
  2048,
  2160,
  2250,
  2304,
  2400,
  2560,
  2700,
  2880,
  3000,
  3072,
  3200,
  3240,
  3600,
  3840,
  4096,
  4160,
  4176,
  4180,
  4186,
  4187,
  4192,
];

/** The padded FFT length Chimera uses for `n` values (first table size > n). Needs no permissions. */
export function efficientFftSize(n: number): number {
  if (n < FAST_FFT_SIZES[FAST_FFT_SIZES.length - 1]!) {
    for (const s of FAST_FFT_SIZES) if (s > n) return s;
  }
  let p = 1;
  while (n > p) p *= 2;
  return p;
}

/**
 * The 1-D kernel for an axis of `size` points and `sigma` (voxels): taps for offsets
 * −hw … hw−1 as `{ taps, first: −hw }`, or undefined when the axis is not filtered (size 1).
 * Needs no permissions.
 */
export function gaussianKernel(
  size: number,
  sigma: number,
  cutoff = 5,
): { taps: Float64Array; first: number } | undefined {
  if (size <= 1) return undefined;
  const hw = Math.min(Math.floor(size / 2), Math.trunc(cutoff * sigma + 1));
  const length = efficientFftSize(size + hw);
  const weight = (d: number) => Math.exp(-Math.min((d / sigma) ** 2 / 2, 100));
  let area = 0;
  for (let i = 0; i < length; i++) area += weight(Math.min(i, length - i));
  const taps = new Float64Array(2 * hw);
  for (let d = -hw; d < hw; d++) taps[d + hw] = weight(Math.abs(d)) / area;
  return { taps, first: -hw };
}

/**
 * Smooths `data` (x fastest, `size`) in place along each axis with {@linkcode gaussianKernel}
 * for `sigmaVoxels` per axis: `out[n] = Σ_d taps[d] · in[n − d]`, zero outside. Each axis pass
 * rounds to float32 as Chimera does. Needs no permissions.
 */
export function gaussianSmooth(
  data: Float32Array,
  size: readonly [number, number, number],
  sigmaVoxels: readonly [number, number, number],
): void {
  const [nx, ny, nz] = size;
  const strides = [1, nx, nx * ny];
  const counts = [nx, ny, nz];
  for (let axis = 0; axis < 3; axis++) {
    const n = counts[axis]!;
    const kernel = gaussianKernel(n, sigmaVoxels[axis]!);
    if (kernel === undefined) continue;
    const { taps, first } = kernel;
    const stride = strides[axis]!;
    const line = new Float64Array(n);
    const result = new Float64Array(n);
    const lines = (nx * ny * nz) / n;
    for (let l = 0; l < lines; l++) {
      // The start of line l: enumerate the other two axes.
      let start: number;
      if (axis === 0) start = l * nx;
      else if (axis === 1) start = (Math.floor(l / nx) * ny) * nx + (l % nx);
      else start = l;
      for (let i = 0; i < n; i++) line[i] = data[start + i * stride]!;
      for (let i = 0; i < n; i++) {
        let sum = 0;
        // taps index t ↔ offset d = first + t; reads in[i − d].
        const tLo = Math.max(0, i - (n - 1) - first);
        const tHi = Math.min(taps.length - 1, i - first);
        for (let t = tLo; t <= tHi; t++) sum += taps[t]! * line[i - first - t]!;
        result[i] = sum;
      }
      for (let i = 0; i < n; i++) data[start + i * stride] = result[i]!;
    }
  }
}

/**
 * The ice and support background of one tilt (spec §3.6 step 5): each pixel's ice-equivalent path
 * length L attenuates and blurs the image by exp(−L·K_w(defocus·q)). The blur is computed at a few
 * thickness nodes between the smallest and largest L and each pixel takes the hat-weighted mix
 * of its neighbouring nodes; the image mean is kept out of the FFTs.
 *
 * @module
 */
import { type ComplexFft2d, multiplyRealSpectrum, type RealFft2d } from "./fft.ts";
import type { RadialKernelRows } from "./radial_kernel.ts";
import { pathLengths } from "./sample_path.ts";
import type { ImagingSetup, TiltJob } from "./tilt_job.ts";

/** Rows of path lengths computed per call. */
const PATH_ROWS = 32;

/** The buffers of one thread the background is computed in. */
export interface BackgroundBuffers {
  /** The grid's real FFT: its data holds the elastic intensity. */
  real: RealFft2d;
  /** The grid's complex FFT, whose (free) data buffer holds a spectrum copy, then the result. */
  complex: ComplexFft2d;
  /**
   * Path lengths: all rows (`whole`) or a block of rows. In double precision: where L is the same
   * over a region (a support slab, flat ice), one float32 rounding of it would shift the whole
   * region's intensity alike, by up to L·K_w(0)·3e-8 — a bias, not noise.
   */
  lengths: Float64Array;
  /** Whether `lengths` holds all rows (computed once) or blocks recomputed per node. */
  whole: boolean;
  radial: RadialKernelRows;
}

/** The intensity of a tilt: `offset` + `image` (the offset float32-exact). */
export interface BackgroundImage {
  image: Float32Array;
  offset: number;
}

/**
 * The tilt as the background sees it: its geometry on the wave grid (where the path lengths come
 * from), its defocus, and the buffers.
 */
interface PathSource {
  setup: ImagingSetup;
  rotation: number[];
  shiftX: number;
  shiftY: number;
  /** The tilt's defocus, nm (the blur kernel's argument). */
  defocus: number;
  buffers: BackgroundBuffers;
  rowsPerBlock: number;
}

/**
 * The intensity after the background attenuation and blur, from the elastic intensity (less 1,
 * the plane wave's) in the real FFT's data plus the inelastic spectrum (which may live in
 * `buffers.lengths`: it is read first). The image lives in the second half of the complex FFT's
 * data buffer. Needs no permissions.
 */
export function applyBackground(
  setup: ImagingSetup,
  buffers: BackgroundBuffers,
  job: TiltJob,
  inelastic: Float32Array | undefined,
  warnings: string[],
): BackgroundImage {
  const { nx, ny } = setup.wave;
  const total = nx * ny;
  const real = buffers.real;
  // The data hold |ψ|² − 1 (the plane wave's 1 kept out of the multislice's FFTs).
  const mean = 1 + removeMean(real.data, total);
  // The spectrum of the intensity, inelastic part included (first: on small grids the inelastic
  // spectrum of the whole-grid layout lives in the path-length buffer).
  if (inelastic !== undefined) {
    real.forward();
    addInto(real.spectrum, inelastic);
  }
  const source: PathSource = {
    setup,
    rotation: setup.singleParticle ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : job.rotation,
    shiftX: setup.singleParticle ? 0 : job.shiftX,
    shiftY: setup.singleParticle ? 0 : job.shiftY,
    defocus: job.defocus,
    buffers,
    // Blocks of rows (a short loop per call suits the JIT better than one long one).
    rowsPerBlock: buffers.whole ? PATH_ROWS : buffers.lengths.length / nx,
  };
  const stats = pathLengthStatistics(source);
  if (stats.parallel) {
    warnings.push("Beam direction is parallel to the sample: ice and support ignored.");
  }
  const out = buffers.complex.data.subarray(total, 2 * total);
  if (!(stats.lMax >= 1)) {
    // No ice or support to speak of: the intensity as it is.
    if (inelastic !== undefined) {
      scaleInto(real.spectrum, 1 / total);
      real.inverse();
    }
    out.set(real.data);
    return { image: out, offset: mean };
  }
  if (inelastic === undefined) real.forward();
  return attenuatedImage(source, stats, mean, out);
}

/**
 * The attenuated and blurred intensity offset + `out` from the spectrum in the real FFT (mean
 * removed): each used thickness node's blurred image, hat-weighted into `out` by each pixel's L.
 * The spectrum is kept in the first half of the complex FFT's data buffer meanwhile.
 */
function attenuatedImage(
  source: PathSource,
  stats: PathStatistics,
  mean: number,
  out: Float32Array,
): BackgroundImage {
  const { setup, buffers } = source;
  const total = setup.wave.nx * setup.wave.ny;
  const real = buffers.real;
  const { nodes, step, used } = thicknessNodes(stats);
  const spectrum = buffers.complex.data.subarray(0, total);
  spectrum.set(real.spectrum);
  // The image is offset + out: the offset (float32-exact) is the mean's part at L_min.
  const offset = Math.fround(mean * Math.exp(-stats.lMin * setup.kernels.water0));
  out.fill(-offset);
  for (let l = 0; l <= nodes; l++) {
    if (!used[l]) continue;
    const node = stats.lMin + l * step;
    const { uses, firstRow, endRow } = nodeRows(source, stats, { l, nodes, step });
    if (l > 0) real.spectrum.set(spectrum);
    const kernel = buffers.radial.configure(
      setup.kernels.water,
      Math.abs(source.defocus),
      node,
    );
    multiplyRealSpectrum(real, kernel, 1 / total);
    real.inverse(firstRow, endRow);
    addNode(source, out, { l, node, nodes, step }, mean, uses);
  }
  return { image: out, offset };
}

/**
 * The blocks of rows whose L reach node `l`, and the rows they span: only their rows of the
 * image are finished by the inverse FFT, and only their path lengths visited (recomputed on
 * large grids).
 */
function nodeRows(
  source: PathSource,
  stats: PathStatistics,
  at: { l: number; nodes: number; step: number },
): { uses: Uint8Array; firstRow: number; endRow: number } {
  const { l, nodes, step } = at;
  const ny = source.setup.wave.ny;
  const blocks = stats.ranges.length / 2;
  const uses = new Uint8Array(blocks);
  let firstRow = ny, endRow = 0;
  for (let b = 0; b < blocks; b++) {
    const [lo, hi] = blockNodes(stats, nodes, step, b);
    if (l < lo || l > hi) continue;
    uses[b] = 1;
    firstRow = Math.min(firstRow, b * source.rowsPerBlock);
    endRow = Math.max(endRow, Math.min(ny, (b + 1) * source.rowsPerBlock));
  }
  return { uses, firstRow, endRow };
}

/**
 * Subtracts the mean from the first `total` values and returns it. The mean goes around the FFTs
 * (their response to a constant is exact): the single-precision round-off then scales with the
 * contrast, not with the mean, and a flat image stays flat.
 */
function removeMean(data: Float32Array, total: number): number {
  let sum = 0;
  for (let i = 0; i < total; i++) sum += data[i]!;
  const mean = sum / total;
  for (let i = 0; i < total; i++) data[i] = data[i]! - mean;
  return mean;
}

/** Path-length statistics of a tilt: L_min, L_max, each block's range of L, beam parallel. */
interface PathStatistics {
  lMin: number;
  lMax: number;
  /** Smallest and largest L of each block of rows. */
  ranges: number[];
  parallel: boolean;
}

/**
 * Path lengths of every row (kept in the buffer when it holds all rows) and their statistics.
 * L_max is at least L_min: where every ray crosses the support the image is still attenuated.
 */
function pathLengthStatistics(source: PathSource): PathStatistics {
  const { setup, buffers, rowsPerBlock } = source;
  const { nx, ny } = setup.wave;
  const block = buffers.lengths;
  let lMin = Infinity, lMax = -Infinity, parallel = false;
  const ranges: number[] = [];
  for (let first = 0; first < ny; first += rowsPerBlock) {
    const count = Math.min(rowsPerBlock, ny - first);
    const stats = pathLengths(
      setup.wave,
      setup.sample,
      source.rotation,
      source.shiftX,
      source.shiftY,
      setup.supportRatio,
      buffers.whole ? block.subarray(first * nx, (first + count) * nx) : block,
      first,
      count,
    );
    lMin = Math.min(lMin, stats.lMin);
    lMax = Math.max(lMax, stats.lMax);
    ranges.push(stats.lMin, stats.lTop);
    parallel = stats.parallel;
  }
  return { lMin, lMax: Math.max(0, lMax, lMin), ranges, parallel };
}

/**
 * Thickness nodes between L_min and L_max (at most 20, about one per 10 % of L_min) and which of
 * them some pixel may use (hat weights on [node − step, node + step]; beyond the last node the
 * extra attenuation exp(−(L − L_m)·K_w(0))), from each block's range of L: a superset at worst,
 * and a node no pixel uses adds nothing.
 */
function thicknessNodes(
  stats: PathStatistics,
): { nodes: number; step: number; used: Uint8Array } {
  const { lMin, lMax, ranges } = stats;
  const nodes = lMax - lMin < 1 ? 0 : Math.min(20, Math.ceil(10 * (lMax - lMin) / lMin));
  const step = nodes === 0 ? 0 : (lMax - lMin) / nodes;
  const used = new Uint8Array(nodes + 1);
  for (let b = 0; b < ranges.length / 2; b++) {
    const [lo, hi] = blockNodes(stats, nodes, step, b);
    used.fill(1, lo, hi + 1);
  }
  return { nodes, step, used };
}

/**
 * The nodes lo … hi that the pixels of block `b` may use: those around each L (hat weights),
 * the last one also beyond it. Needs no permissions.
 */
function blockNodes(
  stats: PathStatistics,
  nodes: number,
  step: number,
  b: number,
): [number, number] {
  if (nodes === 0) return [0, 0];
  const clamp = (r: number) => Math.min(nodes, Math.max(0, Math.floor(r)));
  const lo = clamp((stats.ranges[2 * b]! - stats.lMin) / step);
  const hi = clamp((stats.ranges[2 * b + 1]! - stats.lMin) / step);
  return [lo, Math.min(nodes, hi + 1)];
}

/**
 * Adds node `l`'s blurred image (in the real FFT's data) plus the mean's part of the node (its
 * spectrum is the zero frequency alone) to `out`, hat-weighted by each pixel's L.
 */
function addNode(
  source: PathSource,
  out: Float32Array,
  at: { l: number; node: number; nodes: number; step: number },
  mean: number,
  blocks: Uint8Array,
): void {
  const { l, node, nodes, step } = at;
  const { nx } = source.setup.wave;
  const kw0 = source.setup.kernels.water0;
  const img = source.buffers.real.data;
  const meanPart = mean * Math.exp(-node * kw0);
  forEachPathBlock(source, blocks, (first, count, lengths) => {
    const base = first * nx;
    for (let k = 0; k < count * nx; k++) {
      const L = lengths[k]!;
      let w: number;
      if (nodes === 0) w = L > node ? Math.exp(-(L - node) * kw0) : 1;
      else if (L <= node - step || (L >= node + step && l !== nodes)) continue;
      else if (l === nodes && L >= node) w = Math.exp(-(L - node) * kw0);
      else w = 1 - Math.abs(L - node) / step;
      if (w !== 0) out[base + k]! += w * (img[base + k]! + meanPart);
    }
  });
}

/**
 * Visits the path lengths of the blocks of rows marked in `blocks` (the buffer holds them all, or
 * each block is recomputed into it).
 */
function forEachPathBlock(
  source: PathSource,
  blocks: Uint8Array,
  visit: (first: number, count: number, lengths: Float64Array) => void,
): void {
  const { setup, buffers, rowsPerBlock } = source;
  const { nx, ny } = setup.wave;
  const block = buffers.lengths;
  for (let b = 0, first = 0; first < ny; b++, first += rowsPerBlock) {
    if (!blocks[b]) continue;
    const count = Math.min(rowsPerBlock, ny - first);
    if (buffers.whole) {
      visit(first, count, block.subarray(first * nx, (first + count) * nx));
      continue;
    }
    pathLengths(
      setup.wave,
      setup.sample,
      source.rotation,
      source.shiftX,
      source.shiftY,
      setup.supportRatio,
      block,
      first,
      count,
    );
    visit(first, count, block);
  }
}

function addInto(target: Float32Array, source: Float32Array): void {
  for (let i = 0; i < target.length; i++) target[i]! += source[i]!;
}

function scaleInto(target: Float32Array, factor: number): void {
  for (let i = 0; i < target.length; i++) target[i]! *= factor;
}

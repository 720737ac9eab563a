/**
 * The detector stage of a tilt (spec §3.8 steps 2–4): Poisson + DQE noise over the padded grid,
 * then the MTF and gain, then the crop to the detector area. The noise draws come from the run's
 * one random stream in TEM-Simulator's order (spec §3.9), so they must be applied tilt after tilt
 * and detector after detector: each worker draws its tilt's noise in the tilt's turn of the
 * run's noise relay (lib/tem/noise_relay.ts).
 *
 * @module
 */
import {
  type EvenKernel,
  evenKernel,
  type FftEngine,
  multiplyRealSpectrum,
  RealFft2d,
} from "./fft.ts";
import { detectorMtf } from "./optics.ts";
import type { RandomStream } from "./random.ts";
import type { PixelGrid } from "./sample_path.ts";

/** Detector MTF parameters (spec §1.2 detector). */
export interface MtfParameters {
  a: number;
  b: number;
  c: number;
  alpha: number;
  beta: number;
  p: number;
  q: number;
}

/** One detector as the tilt simulation sees it. */
export interface DetectorSetup {
  /** The detector's padded FFT grid (pixel = pixel_size/magnification, nm). */
  grid: PixelGrid;
  /** First grid pixel of the detector area. */
  cropX: number;
  cropY: number;
  /** det_pix_x, det_pix_y. */
  width: number;
  height: number;
  /**
   * TEM-Simulator's padding (pixels on each side): its padded grid, det + 2·padding, is the
   * region of the (possibly larger) FFT grid whose noise is drawn from the run's stream.
   */
  padding: number;
  gain: number;
  dqe: number;
  quantization: boolean;
  mtf: MtfParameters;
}

/**
 * The random streams of detector noise: `main` is the run's stream (TEM-Simulator's padded grid,
 * x fastest); `extra` serves the pixels an enlarged FFT grid adds beyond it (drawn after them), so
 * that they do not shift the run's stream.
 */
export interface NoiseStreams {
  main: RandomStream;
  extra: RandomStream;
}

/**
 * Applies detector noise to `counts` (a detector's padded grid): TEM-Simulator's padded region
 * from `noise.main`, then any further pixels of the grid from `noise.extra`. Needs no permissions.
 */
export function applyDetectorNoise(
  counts: Float32Array,
  detector: DetectorSetup,
  noise: NoiseStreams,
): void {
  const { nx, ny } = detector.grid;
  const excess = 1 / detector.dqe - 1;
  const x0 = Math.max(0, detector.cropX - detector.padding);
  const y0 = Math.max(0, detector.cropY - detector.padding);
  const x1 = Math.min(nx, detector.cropX + detector.width + detector.padding);
  const y1 = Math.min(ny, detector.cropY + detector.height + detector.padding);
  if (x0 === 0 && y0 === 0 && x1 === nx && y1 === ny) {
    noise.main.detectorNoise(counts, excess);
    return;
  }
  for (let y = y0; y < y1; y++) {
    noise.main.detectorNoise(counts.subarray(y * nx + x0, y * nx + x1), excess);
  }
  for (let y = 0; y < ny; y++) {
    if (y < y0 || y >= y1) noise.extra.detectorNoise(counts.subarray(y * nx, (y + 1) * nx), excess);
    else {
      noise.extra.detectorNoise(counts.subarray(y * nx, y * nx + x0), excess);
      noise.extra.detectorNoise(counts.subarray(y * nx + x1, (y + 1) * nx), excess);
    }
  }
}

/** FFTs and MTF kernels of a run's detectors, on a given FFT engine. Needs no permissions. */
export class DetectorStage {
  readonly #detectors: DetectorSetup[];
  readonly #ffts: RealFft2d[];
  readonly #mtf: EvenKernel[];

  /**
   * A stage on `engine`; `shared(d)` may give an existing real FFT of detector d's grid size to
   * work in (e.g. a tilt simulator's, idle while detectors are finished).
   */
  constructor(
    engine: FftEngine,
    detectors: DetectorSetup[],
    shared: (detector: DetectorSetup) => RealFft2d | undefined = () => undefined,
  ) {
    this.#detectors = detectors;
    const ffts = new Map<string, RealFft2d>();
    this.#ffts = detectors.map((d) => {
      const own = shared(d);
      if (own !== undefined) return own;
      const key = `${d.grid.nx}x${d.grid.ny}`;
      let fft = ffts.get(key);
      if (fft === undefined) {
        fft = new RealFft2d(engine, d.grid.nx, d.grid.ny);
        ffts.set(key, fft);
      }
      return fft;
    });
    const mtfs = new Map<string, EvenKernel>();
    this.#mtf = detectors.map((d) => {
      const key = JSON.stringify([d.grid.nx, d.grid.ny, d.gain, d.mtf]);
      let kernel = mtfs.get(key);
      if (kernel === undefined) {
        kernel = evenKernel(d.grid.nx, d.grid.ny, (kx, ky) => {
          const xi = Math.hypot(kx / d.grid.nx, ky / d.grid.ny);
          return d.gain * detectorMtf(xi, d.mtf);
        }, true);
        mtfs.set(key, kernel);
      }
      return kernel;
    });
  }

  /** Detector `d`'s padded grid (x fastest) in the FFT memory, to be filled with counts. */
  counts(d: number): Float32Array {
    return this.#ffts[d]!.data;
  }

  /**
   * Finishes detector `d` from the counts in {@linkcode counts}: noise (with quantization; `noise`
   * is then required), MTF and gain, crop, then `level` (a constant part of the counts kept out of
   * the FFTs, already × gain) added. Returns the image (det_pix_x × det_pix_y, x fastest), a view
   * valid until the stage is used again.
   */
  finish(d: number, noise?: NoiseStreams, level = 0): Float32Array {
    const detector = this.#detectors[d]!;
    const fft = this.#ffts[d]!;
    const g = detector.grid;
    if (detector.quantization) {
      if (noise === undefined) {
        throw new Error(
          "Cannot finish the detector image: its noise needs the run's random stream",
        );
      }
      applyDetectorNoise(fft.data, detector, noise);
    }
    fft.forward();
    multiplyRealSpectrum(fft, this.#mtf[d]!, 1 / (g.nx * g.ny));
    // Only the detector's rows are needed.
    fft.inverse(detector.cropY, detector.cropY + detector.height);
    // Crop in place: row y moves to y·width, never after where it was.
    const data = fft.data;
    const width = detector.width;
    for (let y = 0; y < detector.height; y++) {
      const row = (y + detector.cropY) * g.nx + detector.cropX;
      if (row !== y * width) data.copyWithin(y * width, row, row + width);
    }
    // A constant part of the counts (× gain) kept out of the FFTs, rounded once here.
    if (level !== 0) {
      for (let i = 0; i < width * detector.height; i++) data[i] = data[i]! + level;
    }
    return data.subarray(0, width * detector.height);
  }
}

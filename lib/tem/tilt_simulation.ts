/**
 * One tilt of a tilt series (spec §3.6–§3.8), step by step in the order of the physics: the
 * multislice and the objective lens (multislice.ts), the absorbed intensity re-added through the
 * inelastic kernel (absorbed_intensity.ts), the ice/support background with its
 * thickness-dependent blur (background.ts), and the detectors' dose-scaled counts
 * (grid_resample.ts), noise, MTF and gain (detector.ts). Runs the same in the main thread or in a
 * worker.
 *
 * @module
 */
import { ComplexFft2d, FftEngine, RealFft2d } from "./fft.ts";
import { type DetectorSetup, DetectorStage, type NoiseStreams } from "./detector.ts";
import { AbsorbedIntensity } from "./absorbed_intensity.ts";
import { applyBackground } from "./background.ts";
import { resampleGrid } from "./grid_resample.ts";
import { Multislice } from "./multislice.ts";
import type { NoiseRelay } from "./noise_relay.ts";
import type { TiltImageSlot } from "./tilt_image_slot.ts";
import { RadialKernelRows } from "./radial_kernel.ts";
import type { ImagingSetup, TiltJob, TiltResult } from "./tilt_job.ts";

/** Grids up to this many pixels always keep a whole-grid path-length buffer between tilts. */
const KEEP_GRID_BUFFERS = 1 << 20;

/**
 * Simulates tilts in the physics order (multislice → lens → absorbed intensity → background →
 * detector counts); holds the FFT engine and buffers of one thread. Needs no permissions.
 */
export class TiltSimulator {
  readonly #setup: ImagingSetup;
  readonly #complex: ComplexFft2d;
  readonly #real: RealFft2d;
  readonly #detectors: DetectorStage;
  readonly #multislice: Multislice;
  /** Radial kernels of the inelastic blur and the background (reused). */
  readonly #radial: RadialKernelRows;
  /** Ice-equivalent path lengths of a block of rows (large grids). */
  readonly #pathBlock: Float64Array;
  /**
   * The whole-grid buffer, made when first needed: the whole-grid layout's inelastic spectrum
   * (nx·ny floats), then, on small grids, the path lengths of all rows (nx·ny doubles).
   */
  #grid: ArrayBuffer | undefined;
  /** The intensity of the tilt last simulated (in the FFT memory) and its job. */
  #image: Float32Array | undefined;
  /** The constant part of the intensity: the image is #imageOffset + #image (float32-exact). */
  #imageOffset = 0;
  #imageJob: TiltJob | undefined;
  /** Row buffers of grid resampling (reused). */
  #resampleMid = new Float64Array(0);
  #resampleColumn = new Float64Array(0);

  private constructor(setup: ImagingSetup, engine: FftEngine) {
    this.#setup = setup;
    const { nx, ny } = setup.wave;
    this.#complex = new ComplexFft2d(engine, nx, ny);
    // The real FFT lives in the complex spectrum buffer: the two are never used at once.
    this.#real = new RealFft2d(engine, nx, ny, this.#complex.spectrumIndex);
    this.#detectors = new DetectorStage(
      engine,
      setup.detectors,
      (d) => d.grid.nx === nx && d.grid.ny === ny ? this.#real : undefined,
    );
    this.#pathBlock = new Float64Array(nx * Math.min(ny, 32));
    this.#radial = RadialKernelRows.forGrid(setup.wave);
    const absorbed = new AbsorbedIntensity(setup, {
      complex: this.#complex,
      real: this.#real,
      radial: this.#radial,
      gridBuffer: () => this.#gridBuffer(),
    });
    this.#multislice = new Multislice(setup, engine, {
      complex: this.#complex,
      real: this.#real,
      absorbed,
    });
  }

  /** Creates a simulator (instantiates the WebAssembly FFT). Needs --allow-read of the npm cache. */
  static async create(setup: ImagingSetup): Promise<TiltSimulator> {
    return new TiltSimulator(setup, await FftEngine.create());
  }

  /**
   * Simulates one tilt and hands its detector images over in `shared.images` (waiting, blocking
   * this thread, until the tilt before is written), the noise of detectors with quantization
   * drawn in the tilt's turn of `shared.relay`. Images without noise are finished before the
   * wait and parked in memory free by then, so that the wait holds only the noise and the copies.
   */
  run(job: TiltJob, shared: { images: TiltImageSlot; relay?: NoiseRelay }): TiltResult {
    const { projected, warnings } = this.simulate(job);
    const detectors = this.#setup.detectors;
    // After the background only the second half of the complex data (the image) is in use.
    const free = this.#complex.data.subarray(0, this.#setup.wave.nx * this.#setup.wave.ny);
    const parked: (Float32Array | undefined)[] = [];
    let used = 0;
    for (const [d, detector] of detectors.entries()) {
      const size = detector.width * detector.height;
      if (detector.quantization || used + size > free.length) continue;
      parked[d] = free.subarray(used, used + size);
      parked[d]!.set(this.detectorImage(job, d));
      used += size;
    }
    const images = shared.images.acquire(job.index);
    for (const [d, detector] of detectors.entries()) {
      if (detector.quantization) continue;
      images[d]!.set(parked[d] ?? this.detectorImage(job, d));
    }
    if (detectors.some((d) => d.quantization)) {
      if (shared.relay === undefined) {
        throw new Error("Cannot simulate the tilt: its detector noise needs the run's noise relay");
      }
      shared.relay.draw(job.index, (noise) => {
        for (const [d, detector] of detectors.entries()) {
          if (detector.quantization) images[d]!.set(this.detectorImage(job, d, noise));
        }
      });
    }
    return { index: job.index, projected, warnings };
  }

  /**
   * Simulates one tilt up to the detectors (multislice, optics, background); its detector images
   * are then taken one by one with {@linkcode detectorImage}.
   */
  simulate(job: TiltJob): { projected: number; warnings: string[] } {
    const warnings: string[] = [];
    const { projected, inelastic } = this.#multislice.run(job);
    this.#image = this.#background(job, inelastic, warnings);
    this.#imageJob = job;
    return { projected, warnings };
  }

  /**
   * Detector `d`'s image of the tilt last {@linkcode simulate}d (det_pix_x × det_pix_y, x fastest):
   * a view into this simulator's memory, valid until its next call (no copy: nothing else holds
   * an image buffer). A detector with quantization draws its noise from `noise` (the run's
   * stream, so tilts and detectors must come in order).
   */
  detectorImage(job: TiltJob, d: number, noise?: NoiseStreams): Float32Array {
    this.detectorCounts(job, d);
    const detector = this.#setup.detectors[d]!;
    const level = detector.quantization
      ? 0
      : this.#imageOffset * job.dose * detector.grid.pixel ** 2 * detector.gain;
    return this.#detectors.finish(d, noise, level);
  }

  /**
   * Detector `d`'s dose-scaled counts of the tilt last {@linkcode simulate}d, on its padded grid
   * before noise and MTF (x fastest): a view into this simulator's memory, valid until its next
   * call.
   */
  detectorCounts(job: TiltJob, d: number): Float32Array {
    if (this.#image === undefined || this.#imageJob !== job) {
      throw new Error("Cannot take a detector image: the tilt is not simulated");
    }
    const { nx, ny } = this.#setup.wave;
    return this.#detect(
      job,
      this.#setup.detectors[d]!,
      this.#detectors.counts(d),
      this.#image,
      nx,
      ny,
    );
  }

  /**
   * The whole-grid buffer as nx·ny floats (the inelastic spectrum) or, on small grids, nx·ny
   * doubles (all path lengths, computed after the spectrum was read). Kept once made.
   */
  #gridBuffer(): Float32Array;
  #gridBuffer(doubles: true): Float64Array;
  #gridBuffer(doubles?: true): Float32Array | Float64Array {
    const total = this.#setup.wave.nx * this.#setup.wave.ny;
    this.#grid ??= new ArrayBuffer((total <= KEEP_GRID_BUFFERS ? 8 : 4) * total);
    return doubles
      ? new Float64Array(this.#grid, 0, total)
      : new Float32Array(this.#grid, 0, total);
  }

  /**
   * The intensity after the background attenuation and blur (spec §3.6 step 5), from the elastic
   * intensity in the real FFT's data plus the inelastic spectrum. The result lives in the second
   * half of the (then free) complex data buffer.
   */
  #background(job: TiltJob, inelastic: Float32Array | undefined, warnings: string[]): Float32Array {
    const { nx, ny } = this.#setup.wave;
    // All rows computed once on small grids; else blocks of rows recomputed per pass (no 8·nx·ny
    // bytes more).
    const whole = nx * ny <= KEEP_GRID_BUFFERS;
    const { image, offset } = applyBackground(
      this.#setup,
      {
        real: this.#real,
        complex: this.#complex,
        lengths: whole ? this.#gridBuffer(true) : this.#pathBlock,
        whole,
        radial: this.#radial,
      },
      job,
      inelastic,
      warnings,
    );
    this.#imageOffset = offset;
    return image;
  }

  /** Dose-scaled counts of one detector (spec §3.8 step 1) into `counts`, its padded grid. */
  #detect(
    job: TiltJob,
    detector: DetectorSetup,
    counts: Float32Array,
    image: Float32Array,
    nx: number,
    ny: number,
  ): Float32Array {
    const setup = this.#setup;
    const g = detector.grid;
    const perPixel = job.dose * g.pixel * g.pixel;
    // Noise needs whole counts; without it the constant part is added after the MTF.
    const offset = detector.quantization ? this.#imageOffset * perPixel : 0;
    if (
      g.nx === nx && g.ny === ny && g.pixel === setup.wave.pixel && g.cx === setup.wave.cx &&
      g.cy === setup.wave.cy
    ) {
      for (let i = 0; i < counts.length; i++) counts[i] = image[i]! * perPixel + offset;
    } else {
      if (this.#resampleMid.length < setup.wave.ny * g.nx) {
        this.#resampleMid = new Float64Array(setup.wave.ny * g.nx);
      }
      if (this.#resampleColumn.length < g.ny) this.#resampleColumn = new Float64Array(g.ny);
      resampleGrid(image, setup.wave, counts, g, this.#resampleMid, this.#resampleColumn);
      for (let i = 0; i < counts.length; i++) counts[i] = counts[i]! * perPixel + offset;
    }
    return counts;
  }
}

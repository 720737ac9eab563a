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
import { AbsorbedIntensity, KEEP_GRID_BUFFERS } from "./absorbed_intensity.ts";
import { applyBackground } from "./background.ts";
import { resampleGrid } from "./grid_resample.ts";
import { Multislice } from "./multislice.ts";
import { RadialKernelRows } from "./radial_kernel.ts";
import type { ImagingSetup, TiltJob, TiltResult } from "./tilt_job.ts";

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
  /** Ice-equivalent path lengths of a block of rows (all rows on small grids). */
  #pathBlock: Float32Array;
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
    this.#pathBlock = new Float32Array(nx * Math.min(ny, 32));
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
   * Simulates one tilt: its images in new buffers (or `job.outputs`), e.g. to be transferred from
   * a worker; detectors with quantization give their counts before the noise (see
   * {@linkcode TiltResult.images}).
   */
  run(job: TiltJob): TiltResult {
    const { projected, warnings } = this.simulate(job);
    const images = this.#setup.detectors.map((detector, d) => {
      const view = detector.quantization ? this.detectorCounts(job, d) : this.detectorImage(job, d);
      const reuse = job.outputs?.[d];
      const out = reuse !== undefined && reuse.byteLength === view.byteLength
        ? new Float32Array(reuse)
        : new Float32Array(view.length);
      out.set(view);
      return out;
    });
    return { index: job.index, images, projected, warnings };
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
    return this.#detectors.finish(d, noise, undefined, level);
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
   * The detector stage of this simulator (its FFTs live in the simulator's memory): it finishes
   * counts handed back by workers between tilts.
   */
  get detectorStage(): DetectorStage {
    return this.#detectors;
  }

  /** The whole-grid path-length buffer (small grids; shared with the inelastic spectrum). */
  #gridBuffer(): Float32Array {
    const total = this.#setup.wave.nx * this.#setup.wave.ny;
    if (this.#pathBlock.length !== total) this.#pathBlock = new Float32Array(total);
    return this.#pathBlock;
  }

  /**
   * The intensity after the background attenuation and blur (spec §3.6 step 5), from the elastic
   * intensity in the real FFT's data plus the inelastic spectrum. The result lives in the second
   * half of the (then free) complex data buffer.
   */
  #background(job: TiltJob, inelastic: Float32Array | undefined, warnings: string[]): Float32Array {
    const { nx, ny } = this.#setup.wave;
    // Small grids keep all rows (computed once); large ones recompute blocks of rows per pass.
    const whole = nx * ny <= KEEP_GRID_BUFFERS;
    const { image, offset } = applyBackground(
      this.#setup,
      {
        real: this.#real,
        complex: this.#complex,
        lengths: whole ? this.#gridBuffer() : this.#pathBlock,
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

/**
 * One tilt of a tilt series (spec §3.6–§3.8), step by step in the order of the physics:
 * the multislice (particles projected slice by slice, Fresnel propagation between occupied slices,
 * on the whole grid or on tiles: multislice_tiles.ts, slice_transmission.ts), the objective lens,
 * the absorbed intensity re-added through the inelastic kernel (absorbed_intensity.ts), the
 * ice/support background with its thickness-dependent blur (background.ts), and the detectors'
 * dose-scaled counts (grid_resample.ts), noise, MTF and gain (detector.ts). Runs the same in the
 * main thread or in a worker.
 *
 * @module
 */
import { ComplexFft2d, FftEngine, RealFft2d } from "./fft.ts";
import { applyLensTransfer, fresnelPropagator } from "./optics.ts";
import { addProjection, ProjectionScratch, projectMap, TouchedRows } from "./projection.ts";
import { type DetectorSetup, DetectorStage, type NoiseStreams } from "./detector.ts";
import { AbsorbedIntensity, KEEP_GRID_BUFFERS, type LostIntensity } from "./absorbed_intensity.ts";
import { applyBackground } from "./background.ts";
import { resampleGrid } from "./grid_resample.ts";
import { clusterHits, type Hit, particleHits, TileFfts } from "./multislice_tiles.ts";
import { RadialKernelRows } from "./radial_kernel.ts";
import { addDeviation, planeWave, touchedBox, transmitRow } from "./slice_transmission.ts";
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
  readonly #scratch = new ProjectionScratch();
  readonly #tiles: TileFfts;
  readonly #touched: TouchedRows;
  readonly #propagators = new Map<string, { x: Float64Array; y: Float64Array }>();
  /** Radial kernels of the inelastic blur and the background (reused). */
  readonly #radial: RadialKernelRows;
  /** Ice-equivalent path lengths of a block of rows (all rows on small grids). */
  #pathBlock: Float32Array;
  /** The absorbed intensity of the current tilt. */
  readonly #absorbed: AbsorbedIntensity;
  /** The intensity of the tilt last simulated (in the FFT memory) and its job. */
  #image: Float32Array | undefined;
  /** The constant part of the intensity: the image is #imageOffset + #image (float32-exact). */
  #imageOffset = 0;
  #imageJob: TiltJob | undefined;
  /** Row buffers of the lens transfer function and of grid resampling (reused). */
  readonly #lensRow: Float32Array;
  #resampleMid = new Float64Array(0);
  #resampleColumn = new Float64Array(0);

  private constructor(setup: ImagingSetup, engine: FftEngine) {
    this.#setup = setup;
    const { nx, ny } = setup.wave;
    this.#complex = new ComplexFft2d(engine, nx, ny);
    // The real FFT lives in the complex spectrum buffer: the two are never used at once.
    this.#real = new RealFft2d(engine, nx, ny, this.#complex.spectrumIndex);
    this.#tiles = new TileFfts(engine, this.#complex);
    this.#detectors = new DetectorStage(
      engine,
      setup.detectors,
      (d) => d.grid.nx === nx && d.grid.ny === ny ? this.#real : undefined,
    );
    this.#pathBlock = new Float32Array(nx * Math.min(ny, 32));
    this.#touched = new TouchedRows(nx, ny);
    this.#lensRow = new Float32Array(2 * (Math.floor(ny / 2) + 1));
    this.#radial = RadialKernelRows.forGrid(setup.wave);
    this.#absorbed = new AbsorbedIntensity(setup, {
      complex: this.#complex,
      real: this.#real,
      radial: this.#radial,
      gridBuffer: () => this.#gridBuffer(),
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
    const { projected, inelastic } = this.#multislice(job);
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

  /**
   * Multislice and lens: leaves the elastic intensity in the real FFT's data and returns the
   * spectrum of the absorbed intensity re-added through the inelastic kernel, if any (in the
   * second half of the complex data buffer for tiles, in a buffer of its own for the whole grid).
   */
  #multislice(job: TiltJob): { projected: number; inelastic?: Float32Array } {
    const setup = this.#setup;
    const { nx, ny } = setup.wave;
    const dz = setup.sliceThickness;
    const hits = particleHits(job, setup);
    const projected = hits.length;
    if (hits.length === 0) {
      this.#real.data.fill(1);
      return { projected };
    }
    hits.sort((a, b) => a.slice - b.slice);
    const sMin = hits[0]!.slice, sMax = hits[hits.length - 1]!.slice;
    planeWave(this.#complex.data, nx * ny);
    this.#absorbed.reset(job.defocus);
    const clusters = setup.multislice === "global"
      ? undefined
      : clusterHits(hits, setup, (sMax - sMin) * dz, sMax);
    if (clusters === undefined) {
      // One tile: the whole grid. The absorbed intensity is blurred slice by slice.
      this.#tileMultislice(this.#complex, 0, 0, nx, ny, hits, sMax);
    } else {
      for (const cluster of clusters) {
        const fft = this.#tiles.get(cluster.tileX, cluster.tileY);
        const w = cluster.x1 - cluster.x0 + 1, h = cluster.y1 - cluster.y0 + 1;
        this.#tileMultislice(fft, cluster.x0, cluster.y0, w, h, cluster.hits, sMax);
      }
    }
    // Objective lens, defocus measured from the exit slice.
    this.#lens(sMax * dz + job.defocus);
    const total = nx * ny;
    const inelastic = this.#absorbed.spectrum(job.defocus);
    this.#real.data.set(this.#complex.data.subarray(0, total));
    return { projected, inelastic };
  }

  /**
   * Multislice of `hits` (sorted by slice) on the tile `fft` whose pixel (0, 0) is grid pixel
   * (ox, oy), from a plane wave to slice `sMax`; the deviation from the plane wave of the first
   * w × h tile pixels is then added to the grid wave (unless the tile is the grid wave). The absorbed
   * intensity of each absorbing slice goes to {@linkcode AbsorbedIntensity}.
   */
  #tileMultislice(
    fft: ComplexFft2d,
    ox: number,
    oy: number,
    w: number,
    h: number,
    hits: Hit[],
    sMax: number,
  ): void {
    const setup = this.#setup;
    const dz = setup.sliceThickness;
    const tw = fft.nx, th = fft.ny;
    const global = fft === this.#complex;
    if (!global) planeWave(fft.data, tw * th);
    this.#touched.reset(tw, th);
    let previous = hits[0]!.slice;
    for (let i = 0; i < hits.length;) {
      const slice = hits[i]!.slice;
      if (slice !== previous) this.#propagate(fft, (slice - previous) * dz);
      previous = slice;
      const projected = this.#projectSlice(fft, ox, oy, hits, i);
      i = projected.end;
      this.#transmitSlice(fft, ox, oy, slice, projected.absorbing);
    }
    if (previous !== sMax) this.#propagate(fft, (sMax - previous) * dz);
    if (global) return;
    // Tiles may overlap at their margins, where their waves are plane: add the deviations.
    const { nx } = setup.wave;
    const psi = this.#complex.data, tile = fft.data;
    for (let y = 0; y < h; y++) addDeviation(tile, 2 * y * tw, psi, 2 * ((oy + y) * nx + ox), w);
  }

  /**
   * The potential Φ of the hits from index `start` on that share its slice, into the spectrum
   * buffer of `fft` (idle between propagations), with the touched rows marked. Returns the index
   * after them and whether any absorbs.
   */
  #projectSlice(
    fft: ComplexFft2d,
    ox: number,
    oy: number,
    hits: Hit[],
    start: number,
  ): { end: number; absorbing: boolean } {
    const setup = this.#setup;
    const tw = fft.nx, th = fft.ny;
    const slice = hits[start]!.slice;
    this.#touched.clear();
    const phi = fft.spectrum;
    phi.fill(0);
    let absorbing = false;
    let i = start;
    for (; i < hits.length && hits[i]!.slice === slice; i++) {
      const hit = hits[i]!;
      absorbing ||= hit.absorbing;
      const { pixel } = setup.wave;
      const projection = projectMap(
        hit.map,
        hit.orientation,
        hit.gx - ox,
        hit.gy - oy,
        pixel,
        setup.beam.interaction,
        this.#scratch,
      );
      // Nothing beyond the wave grid's edge (a tile at the edge may reach past it).
      const { nx, ny } = setup.wave;
      addProjection(projection, phi, tw, th, this.#touched, this.#scratch, nx - ox, ny - oy);
    }
    return { end: i, absorbing };
  }

  /**
   * ψ ← ψ·exp(i·Φ) over the touched pixels of `fft`, Φ in its spectrum buffer; an absorbing slice
   * hands its absorbed intensity (the touched pixels' bounding box) to the absorbed intensity.
   */
  #transmitSlice(
    fft: ComplexFft2d,
    ox: number,
    oy: number,
    slice: number,
    absorbing: boolean,
  ): void {
    const tw = fft.nx, th = fft.ny;
    const touched = this.#touched;
    const phi = fft.spectrum;
    const wave = fft.data;
    // Absorbed intensity: only the bounding box of the touched pixels can hold any.
    const box = absorbing ? touchedBox(touched, tw, th) : undefined;
    let patch: LostIntensity | undefined;
    let lost = this.#absorbed.arena, base = 0, bx0 = tw, by0 = th, bw = 0;
    if (box !== undefined) {
      ({ x0: bx0, y0: by0, w: bw } = box);
      base = this.#absorbed.reserve(bw * box.h);
      lost = this.#absorbed.arena;
      patch = { slice, x0: ox + bx0, y0: oy + by0, w: bw, h: box.h, offset: base };
    }
    for (let y = 0; y < th; y++) {
      const x0 = touched.first[y]!, x1 = touched.last[y]!;
      if (x0 > x1) continue;
      transmitRow(
        phi,
        wave,
        y * tw,
        x0,
        x1,
        patch === undefined ? undefined : lost,
        base + (y - by0) * bw - bx0,
      );
    }
    if (patch !== undefined) this.#absorbed.add(patch, fft === this.#complex);
  }

  /** ψ ← IFFT[FFT(ψ)·exp(−i·distance·q²/(2k))] on `fft` (grid or tile). */
  #propagate(fft: ComplexFft2d, distance: number): void {
    const { nx, ny } = fft;
    const key = `${nx}x${ny}:${distance}`;
    let prop = this.#propagators.get(key);
    if (prop === undefined) {
      prop = fresnelPropagator(
        nx,
        ny,
        this.#setup.wave.pixel,
        this.#setup.beam.waveNumber,
        distance,
        1 / (nx * ny),
      );
      if (this.#propagators.size > 64) this.#propagators.clear();
      this.#propagators.set(key, prop);
    }
    fft.forward();
    const spec = fft.spectrum;
    const px = prop.x, py = prop.y;
    for (let kx = 0; kx < nx; kx++) {
      const ar = px[2 * kx]!, ai = px[2 * kx + 1]!;
      let q = 2 * kx * ny;
      for (let ky = 0; ky < ny; ky++, q += 2) {
        const br = py[2 * ky]!, bi = py[2 * ky + 1]!;
        const tr = ar * br - ai * bi, ti = ar * bi + ai * br;
        const sr = spec[q]!, si = spec[q + 1]!;
        spec[q] = sr * tr - si * ti;
        spec[q + 1] = sr * ti + si * tr;
      }
    }
    fft.inverse();
  }

  /** ψ ← IFFT[FFT(ψ)·T], then |ψ|² compacted into the first half of the complex data buffer. */
  #lens(defocus: number): void {
    const setup = this.#setup;
    const { nx, ny, pixel } = setup.wave;
    this.#complex.forward();
    applyLensTransfer(
      this.#complex.spectrum,
      nx,
      ny,
      pixel,
      setup.beam,
      setup.lens,
      defocus,
      1 / (nx * ny),
      this.#lensRow,
    );
    this.#complex.inverse();
    const total = nx * ny;
    const wave = this.#complex.data;
    for (let i = 0; i < total; i++) {
      const re = wave[2 * i]!, im = wave[2 * i + 1]!;
      wave[i] = re * re + im * im;
    }
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

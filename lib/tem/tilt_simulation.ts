/**
 * One tilt of a tilt series (spec §3.6–§3.8): particles projected slice by slice into a multislice
 * wave function with Fresnel propagation between occupied slices (runs of empty slices composed
 * into one propagation), the absorbed intensity re-added through the inelastic kernel, the
 * objective lens, the ice/support background with its thickness-dependent blur, and the detectors
 * (dose, Poisson + DQE noise, MTF, gain). Runs the same in the main thread or in a worker.
 *
 * @module
 */
import type { Beam } from "./beam.ts";
import {
  ComplexFft2d,
  FftEngine,
  type KernelRows,
  ladderFftSize,
  multiplyRealSpectrum,
  RealFft2d,
} from "./fft.ts";
import type { KernelTable, ScatteringKernels } from "./kernels.ts";
import {
  angularFrequency,
  applyLensTransfer,
  fresnelPropagator,
  type LensParameters,
} from "./optics.ts";
import {
  addProjection,
  boxResampleAdd,
  mapAbsorbs,
  type ParticleMap,
  projectionBounds,
  ProjectionScratch,
  projectMap,
  TouchedRows,
} from "./projection.ts";
import { type DetectorSetup, DetectorStage, type NoiseStreams } from "./detector.ts";
import { pathLengths, type PixelGrid, type SampleGeometry } from "./sample_path.ts";

export type { DetectorSetup, MtfParameters, NoiseStreams } from "./detector.ts";

/** What every tilt of a run shares. */
export interface ImagingSetup {
  /** The wave-function grid. */
  wave: PixelGrid;
  beam: Beam;
  /** Slice thickness Δz, nm. */
  sliceThickness: number;
  lens: LensParameters;
  kernels: ScatteringKernels;
  sample: SampleGeometry;
  /** Support attenuation per unit length relative to ice (n_C·σ_C/(n_ice·σ_ice)). */
  supportRatio: number;
  /** tilt_mode = single_particle: the background uses the identity geometry. */
  singleParticle: boolean;
  detectors: DetectorSetup[];
  /** Particle maps by type index (relative to the ice). */
  maps: ParticleMap[];
  /**
   * Multislice layout: `global` propagates the whole grid; `tiles` propagates independent groups of
   * particles on small tiles (the wave is a plane wave elsewhere); `auto` (default) uses tiles when
   * they cover less than half of the grid.
   */
  multislice?: "auto" | "global" | "tiles";
}

/** Pixels added around each particle footprint for a tile (beyond the Fresnel spread). */
const TILE_MARGIN = 12;
/** Smallest tile side. */
const MIN_TILE = 64;
/** Rows of path lengths computed per call. */
const PATH_ROWS = 32;
/** Whole-grid scratch buffers up to this many pixels are kept between tilts. */
const KEEP_GRID_BUFFERS = 1 << 20;
/** Tile FFTs kept between tilts (also at most the size of one grid-size complex FFT in all). */
const MAX_CACHED_TILES = 6;
/** Relative cost of tile FFTs (small rows run slower per element) and of setting up a tile. */
const TILE_OVERHEAD = 2;

/** A particle of a tilt that hits the wave function. */
interface Hit {
  slice: number;
  absorbing: boolean;
  map: ParticleMap;
  /** Map axes → microscope axes, row-major. */
  orientation: number[];
  /** Grid index of the particle centre. */
  gx: number;
  gy: number;
  /** Grid pixel bounds of the footprint (inclusive, clipped). */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Independent group of particles simulated on one tile. */
interface Cluster {
  /** Grid pixel bounds (inclusive) of the region the tile's wave is written to. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  hits: Hit[];
  /** Tile FFT size. */
  tileX: number;
  tileY: number;
}

/** Absorbed intensity of one tile and slice: a w × h patch of the grid at (x0, y0). */
interface LostIntensity {
  slice: number;
  x0: number;
  y0: number;
  w: number;
  h: number;
  /** Where its values (w·h, x fastest) start in the patch arena. */
  offset: number;
}

/** Floats per particle instance in {@linkcode TiltJob.particles}: type, x, y, z, M (9). */
export const INSTANCE_STRIDE = 13;

/** One tilt to simulate. */
export interface TiltJob {
  /** 0-based tilt number. */
  index: number;
  /** Sample → microscope rotation P (row-major 3×3). */
  rotation: number[];
  /** Translation error x0, y0, nm. */
  shiftX: number;
  shiftY: number;
  /** Defocus Δf, nm (+ = underfocus). */
  defocus: number;
  /** Dose, e/nm². */
  dose: number;
  /**
   * Particle instances: type index, microscope position (nm) and orientation M (map axes →
   * microscope, row-major), {@linkcode INSTANCE_STRIDE} numbers each.
   */
  particles: Float64Array;
  /** Buffers to reuse for the detector images (one per detector, right size), if any. */
  outputs?: ArrayBuffer[];
}

/** The images of one tilt. */
export interface TiltResult {
  index: number;
  /**
   * One array per detector, x fastest: the image (det_pix_x × det_pix_y, counts), or for a
   * detector with quantization its dose-scaled counts on the padded grid before the noise, to be
   * finished in tilt order by {@linkcode DetectorStage.finish} (the noise comes from the run's one
   * random stream).
   */
  images: Float32Array[];
  /** Particles that hit the wave function. */
  projected: number;
  /** Warnings (e.g. beam parallel to the sample). */
  warnings: string[];
}

/** Simulates tilts; holds the FFT engine and buffers of one thread. Needs no permissions. */
export class TiltSimulator {
  readonly #setup: ImagingSetup;
  readonly #complex: ComplexFft2d;
  readonly #real: RealFft2d;
  readonly #detectors: DetectorStage;
  readonly #engine: FftEngine;
  readonly #scratch = new ProjectionScratch();
  /** Tile FFTs with their own buffers (tiles too large to live in the idle grid spectrum). */
  readonly #tiles = new Map<string, ComplexFft2d>();
  /** Tile FFTs living in the grid FFT's spectrum buffer (idle while tiles are propagated). */
  readonly #sharedTiles = new Map<string, ComplexFft2d>();
  readonly #touched: TouchedRows;
  readonly #propagators = new Map<string, { x: Float64Array; y: Float64Array }>();
  /** Radial kernels of the inelastic blur and the background (reused). */
  readonly #radial: RadialKernelRows;
  /** |q| (rad/nm) for the folded indices along x and y. */
  readonly #qx: Float64Array;
  readonly #qy: Float64Array;
  /** Ice-equivalent path lengths of a block of rows (all rows on small grids). */
  #pathBlock: Float32Array;
  /** Patches of absorbed intensity of the current tilt (tiles) and their defocus. */
  readonly #lostPatches: LostIntensity[] = [];
  #lostDefocus = 0;
  /** The inelastic spectrum of the current tilt in the whole-grid layout. */
  #globalInelastic: Float32Array | undefined;
  /** Absorbed-intensity patch values of the current tilt (grow-only, reused by every tilt). */
  #patchArena = new Float32Array(0);
  #patchFloats = 0;
  /** The inelastic spectrum of the whole-grid layout on grids too large for the path buffer. */
  #inelastic: Float32Array | undefined;
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
    this.#engine = engine;
    this.#detectors = new DetectorStage(
      engine,
      setup.detectors,
      (d) => d.grid.nx === nx && d.grid.ny === ny ? this.#real : undefined,
    );
    this.#qx = Float64Array.from(
      { length: Math.floor(nx / 2) + 1 },
      (_, i) => angularFrequency(i, nx, setup.wave.pixel),
    );
    this.#qy = Float64Array.from(
      { length: Math.floor(ny / 2) + 1 },
      (_, i) => angularFrequency(i, ny, setup.wave.pixel),
    );
    this.#pathBlock = new Float32Array(nx * Math.min(ny, 32));
    this.#touched = new TouchedRows(nx, ny);
    this.#lensRow = new Float32Array(2 * (Math.floor(ny / 2) + 1));
    this.#radial = new RadialKernelRows(this.#qx, this.#qy, nx === ny);
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
    const { nx, ny, pixel, cx, cy } = setup.wave;
    const dz = setup.sliceThickness;
    const hits: Hit[] = [];
    const p = job.particles;
    for (let o = 0; o < p.length; o += INSTANCE_STRIDE) {
      const map = setup.maps[p[o]!]!;
      const gx = p[o + 1]! / pixel + cx, gy = p[o + 2]! / pixel + cy;
      const radius = map.voxelSize * Math.hypot(map.nx, map.ny, map.nz) / (2 * pixel) + 2;
      if (
        gx + radius < -0.5 || gx - radius > nx - 0.5 || gy + radius < -0.5 || gy - radius > ny - 0.5
      ) {
        continue;
      }
      const m = Array.from(p.subarray(o + 4, o + 13));
      // Footprint now; the voxels are splatted when the slice is reached.
      const b = projectionBounds(
        projectMap(map, m, gx, gy, pixel, setup.beam.interaction, undefined, true),
      );
      hits.push({
        slice: Math.round(p[o + 3]! / dz),
        absorbing: mapAbsorbs(map),
        map,
        orientation: m,
        gx,
        gy,
        x0: Math.max(0, Math.floor(b.x0 + 0.5)),
        x1: Math.min(nx - 1, Math.ceil(b.x1 - 0.5)),
        y0: Math.max(0, Math.floor(b.y0 + 0.5)),
        y1: Math.min(ny - 1, Math.ceil(b.y1 - 0.5)),
      });
    }
    const projected = hits.length;
    if (hits.length === 0) {
      this.#real.data.fill(1);
      return { projected };
    }
    hits.sort((a, b) => a.slice - b.slice);
    const sMin = hits[0]!.slice, sMax = hits[hits.length - 1]!.slice;
    planeWave(this.#complex.data, nx * ny);
    const lostPatches = this.#lostPatches;
    lostPatches.length = 0;
    this.#patchFloats = 0;
    this.#globalInelastic = undefined;
    this.#lostDefocus = job.defocus;
    const clusters = setup.multislice === "global"
      ? undefined
      : this.#clusters(hits, (sMax - sMin) * dz, sMax);
    if (clusters === undefined) {
      // One tile: the whole grid. The absorbed intensity is blurred slice by slice.
      this.#tileMultislice(this.#complex, 0, 0, nx, ny, hits, sMax);
    } else {
      for (const cluster of clusters) {
        const fft = this.#tileFft(cluster.tileX, cluster.tileY);
        const w = cluster.x1 - cluster.x0 + 1, h = cluster.y1 - cluster.y0 + 1;
        this.#tileMultislice(fft, cluster.x0, cluster.y0, w, h, cluster.hits, sMax);
      }
    }
    // Objective lens, defocus measured from the exit slice.
    this.#lens(sMax * dz + job.defocus);
    const total = nx * ny;
    const inelastic = lostPatches.length > 0
      ? this.#blurPatches(job.defocus)
      : this.#globalInelastic;
    this.#real.data.set(this.#complex.data.subarray(0, total));
    return { projected, inelastic };
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

  /**
   * Absorbed intensity of the tiles: one blur per slice with every patch of that slice,
   * accumulated in the (free) second half of the complex data buffer, which is returned.
   */
  #blurPatches(defocus: number): Float32Array {
    const setup = this.#setup;
    const { nx, ny } = setup.wave;
    const dz = setup.sliceThickness;
    const total = nx * ny;
    const inelastic = this.#complex.data.subarray(total, 2 * total);
    inelastic.fill(0);
    const lostPatches = this.#lostPatches;
    lostPatches.sort((a, b) => a.slice - b.slice);
    for (let i = 0; i < lostPatches.length;) {
      const slice = lostPatches[i]!.slice;
      const data = this.#real.data;
      data.fill(0);
      let firstRow = ny, endRow = 0;
      for (; i < lostPatches.length && lostPatches[i]!.slice === slice; i++) {
        const patch = lostPatches[i]!;
        this.#addPatch(patch, data);
        firstRow = Math.min(firstRow, patch.y0);
        endRow = Math.max(endRow, Math.min(ny, patch.y0 + patch.h));
      }
      // Only the patches' rows are non-zero.
      this.#real.forward(firstRow, endRow);
      const distance = Math.abs(slice * dz + defocus);
      multiplyRealSpectrum(
        this.#real,
        this.#radialKernel(setup.kernels.carbon, distance),
        1,
        inelastic,
        true,
      );
    }
    return inelastic;
  }

  /**
   * A patch of absorbed intensity: kept for {@linkcode #blurPatches} (tiles), or blurred into the
   * inelastic spectrum right away (whole-grid layout, whose real FFT is free between slices).
   */
  #onLost(patch: LostIntensity, global: boolean): void {
    if (!global) {
      this.#lostPatches.push(patch);
      return;
    }
    const setup = this.#setup;
    const { nx, ny } = setup.wave;
    // The inelastic spectrum of the whole-grid layout: in the path-length buffer on small grids
    // (the background reads it before computing path lengths), else in a buffer of its own.
    let inelastic = this.#globalInelastic;
    if (inelastic === undefined) {
      inelastic = nx * ny <= KEEP_GRID_BUFFERS
        ? this.#gridBuffer()
        : (this.#inelastic ??= new Float32Array(nx * ny));
      inelastic.fill(0);
      this.#globalInelastic = inelastic;
    }
    const data = this.#real.data;
    data.fill(0);
    this.#addPatch(patch, data);
    this.#patchFloats = 0;
    // Only the patch's rows are non-zero.
    this.#real.forward(patch.y0, Math.min(ny, patch.y0 + patch.h));
    const distance = Math.abs(patch.slice * setup.sliceThickness + this.#lostDefocus);
    multiplyRealSpectrum(
      this.#real,
      this.#radialKernel(setup.kernels.carbon, distance),
      1,
      inelastic,
      true,
    );
  }

  /**
   * Groups hits into independent tiles: footprints dilated by a margin that covers the Fresnel
   * spread over `depth` nm, grouped while they overlap. Returns undefined when the whole grid is
   * cheaper (or needed).
   */
  #clusters(hits: Hit[], depth: number, sMax: number): Cluster[] | undefined {
    const { nx, ny, pixel } = this.#setup.wave;
    const spread = depth * this.#setup.beam.wavelength / (2 * pixel) / pixel;
    const margin = TILE_MARGIN + Math.ceil(spread);
    // A tile is periodic on its own: where a particle's spread reaches the grid's edge, only the
    // whole grid wraps around as TEM-Simulator's does (else a particle beyond the edge would
    // show up inside the image as a ghost).
    if (
      hits.some((hit) =>
        hit.x0 - margin < 0 || hit.y0 - margin < 0 || hit.x1 + margin > nx - 1 ||
        hit.y1 + margin > ny - 1
      )
    ) {
      return undefined;
    }
    // Connected groups of overlapping dilated footprints (union-find).
    const rects = hits.map((hit) => ({
      x0: Math.max(0, hit.x0 - margin),
      x1: Math.min(nx - 1, hit.x1 + margin),
      y0: Math.max(0, hit.y0 - margin),
      y1: Math.min(ny - 1, hit.y1 + margin),
    }));
    const parent = hits.map((_, i) => i);
    const root = (i: number): number => {
      while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
      return i;
    };
    for (let i = 0; i < rects.length; i++) {
      const a = rects[i]!;
      for (let j = i + 1; j < rects.length; j++) {
        const b = rects[j]!;
        if (a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1) parent[root(j)] = root(i);
      }
    }
    const groups = new Map<number, Cluster>();
    for (let i = 0; i < hits.length; i++) {
      const r = rects[i]!;
      const key = root(i);
      const c = groups.get(key);
      if (c === undefined) {
        groups.set(key, { ...r, hits: [hits[i]!], tileX: 0, tileY: 0 });
      } else {
        c.x0 = Math.min(c.x0, r.x0);
        c.x1 = Math.max(c.x1, r.x1);
        c.y0 = Math.min(c.y0, r.y0);
        c.y1 = Math.max(c.y1, r.y1);
        c.hits.push(hits[i]!);
      }
    }
    const clusters = [...groups.values()];
    const pairCost = (a: number, b: number) => a * b * Math.log2(a * b);
    let tileCost = 0;
    for (const c of clusters) {
      c.tileX = ladderFftSize(Math.max(MIN_TILE, c.x1 - c.x0 + 1));
      c.tileY = ladderFftSize(Math.max(MIN_TILE, c.y1 - c.y0 + 1));
      if (c.tileX >= nx || c.tileY >= ny) return undefined;
      c.hits.sort((a, b) => a.slice - b.slice);
      const slices = new Set(c.hits.map((hit) => hit.slice)).size;
      // Propagations: between the cluster's slices and on to the last slice of the tilt.
      tileCost += (slices - 1 + (c.hits[c.hits.length - 1]!.slice === sMax ? 0 : 1)) *
          pairCost(c.tileX, c.tileY) +
        c.tileX * c.tileY * TILE_OVERHEAD;
    }
    const globalSlices = new Set(hits.map((hit) => hit.slice)).size;
    const globalCost = (globalSlices - 1) * pairCost(nx, ny);
    if (this.#setup.multislice !== "tiles" && tileCost * TILE_OVERHEAD >= globalCost) {
      return undefined;
    }
    return clusters;
  }

  /**
   * A complex FFT for tiles of tw × th: in the grid FFT's spectrum buffer when it fits there
   * (that buffer is idle while tiles are propagated), else with buffers of its own (cached, the
   * least recently used ones freed).
   */
  #tileFft(tw: number, th: number): ComplexFft2d {
    const key = `${tw}x${th}`;
    const { nx, ny } = this.#setup.wave;
    if (4 * tw * th <= 2 * nx * ny) {
      let shared = this.#sharedTiles.get(key);
      if (shared === undefined) {
        const region = this.#complex.spectrumIndex;
        shared = new ComplexFft2d(this.#engine, tw, th, {
          data: region,
          spectrum: region + 2 * tw * th,
        });
        this.#sharedTiles.set(key, shared);
      }
      return shared;
    }
    let fft = this.#tiles.get(key);
    if (fft === undefined) {
      fft = new ComplexFft2d(this.#engine, tw, th);
    } else {
      this.#tiles.delete(key);
    }
    this.#tiles.set(key, fft);
    const budget = 2 * nx * ny;
    const cachedFloats = () =>
      [...this.#tiles.values()].reduce((sum, t) => sum + 4 * t.nx * t.ny, 0);
    while (
      this.#tiles.size > 1 && (this.#tiles.size > MAX_CACHED_TILES || cachedFloats() > budget)
    ) {
      const [oldKey, old] = this.#tiles.entries().next().value!;
      this.#tiles.delete(oldKey);
      old.dispose();
    }
    return fft;
  }

  /** The whole-grid path-length buffer (small grids; shared with the inelastic spectrum). */
  #gridBuffer(): Float32Array {
    const total = this.#setup.wave.nx * this.#setup.wave.ny;
    if (this.#pathBlock.length !== total) this.#pathBlock = new Float32Array(total);
    return this.#pathBlock;
  }

  /** Room for `floats` zeroed values in the patch arena; returns their offset. */
  #reservePatch(floats: number): number {
    const offset = this.#patchFloats;
    this.#patchFloats += floats;
    if (this.#patchArena.length < this.#patchFloats) {
      const grown = new Float32Array(Math.max(this.#patchFloats, 2 * this.#patchArena.length));
      grown.set(this.#patchArena.subarray(0, offset));
      this.#patchArena = grown;
    }
    this.#patchArena.fill(0, offset, offset + floats);
    return offset;
  }

  /** Adds a patch of absorbed intensity to a real grid-sized image (clipped to the grid). */
  #addPatch(patch: LostIntensity, data: Float32Array): void {
    const { nx, ny } = this.#setup.wave;
    const { x0, y0, w, offset } = patch;
    const count = Math.min(w, nx - x0), rows = Math.min(patch.h, ny - y0);
    const arena = this.#patchArena;
    for (let y = 0; y < rows; y++) {
      const from = offset + y * w, at = (y0 + y) * nx + x0;
      for (let x = 0; x < count; x++) data[at + x]! += arena[from + x]!;
    }
  }

  /**
   * Multislice of `hits` (sorted by slice) on the tile `fft` whose pixel (0, 0) is grid pixel
   * (ox, oy), from a plane wave to slice `sMax`; the deviation from the plane wave of the first
   * w × h tile pixels is then added to the grid wave (unless the tile is the grid wave). `onLost` receives
   * the absorbed intensity (tile layout, real) of each absorbing slice.
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
    const touched = this.#touched;
    touched.reset(tw, th);
    let previous = hits[0]!.slice;
    for (let i = 0; i < hits.length;) {
      const slice = hits[i]!.slice;
      if (slice !== previous) this.#propagate(fft, (slice - previous) * dz);
      previous = slice;
      touched.clear();
      const phi = fft.spectrum;
      phi.fill(0);
      let absorbing = false;
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
        addProjection(projection, phi, tw, th, touched, this.#scratch);
      }
      const wave = fft.data;
      // Absorbed intensity: only the bounding box of the touched pixels can hold any.
      let patch: LostIntensity | undefined;
      let lost = this.#patchArena, base = 0, bx0 = tw, by0 = th, bw = 0;
      if (absorbing) {
        let bx1 = -1, by1 = -1;
        for (let y = 0; y < th; y++) {
          const first = touched.first[y]!, last = touched.last[y]!;
          if (first > last) continue;
          if (y < by0) by0 = y;
          by1 = y;
          if (first < bx0) bx0 = first;
          if (last > bx1) bx1 = last;
        }
        if (bx1 >= bx0) {
          bw = bx1 - bx0 + 1;
          const bh = by1 - by0 + 1;
          base = this.#reservePatch(bw * bh);
          lost = this.#patchArena;
          patch = { slice, x0: ox + bx0, y0: oy + by0, w: bw, h: bh, offset: base };
        }
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
      if (patch !== undefined) this.#onLost(patch, global);
    }
    if (previous !== sMax) this.#propagate(fft, (sMax - previous) * dz);
    if (global) return;
    // Tiles may overlap at their margins, where their waves are plane: add the deviations.
    const { nx } = setup.wave;
    const psi = this.#complex.data, tile = fft.data;
    for (let y = 0; y < h; y++) addDeviation(tile, 2 * y * tw, psi, 2 * ((oy + y) * nx + ox), w);
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

  /**
   * The even kernel K(distance·q) of a table on the wave grid, row by row; with `attenuation`,
   * exp(−attenuation·K(distance·q)) instead. The returned rows are valid until the next call.
   */
  #radialKernel(table: KernelTable, distance: number, attenuation?: number): KernelRows {
    return this.#radial.configure(table, distance, attenuation);
  }

  /**
   * The intensity after the background attenuation and blur (spec §3.6 step 5), from the elastic
   * intensity in the real FFT's data plus the inelastic spectrum. The result lives in the second
   * half of the (then free) complex data buffer.
   */
  #background(job: TiltJob, inelastic: Float32Array | undefined, warnings: string[]): Float32Array {
    const setup = this.#setup;
    const { nx, ny } = setup.wave;
    const total = nx * ny;
    const real = this.#real;
    // The spectrum of the intensity, inelastic part included (first: on small grids the
    // inelastic spectrum of the whole-grid layout lives in the path-length buffer).
    let transformed = false;
    // The mean goes around the FFTs (their response to a constant is exact): the single-precision
    // round-off then scales with the contrast, not with the mean, and a flat image stays flat.
    const data = real.data;
    let sum = 0;
    for (let i = 0; i < total; i++) sum += data[i]!;
    const mean = sum / total;
    for (let i = 0; i < total; i++) data[i] = data[i]! - mean;
    if (inelastic !== undefined) {
      real.forward();
      addInto(real.spectrum, inelastic);
      transformed = true;
    }
    const rotation = setup.singleParticle ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : job.rotation;
    const shiftX = setup.singleParticle ? 0 : job.shiftX,
      shiftY = setup.singleParticle ? 0 : job.shiftY;
    // Small grids keep all rows (computed once); large ones recompute blocks of rows per pass.
    const whole = total <= KEEP_GRID_BUFFERS;
    const block = whole ? this.#gridBuffer() : this.#pathBlock;
    // Blocks of rows (a short loop per call suits the JIT better than one long one).
    const rowsPerBlock = whole ? PATH_ROWS : block.length / nx;
    const blocks = (visit: (first: number, count: number, lengths: Float32Array) => void) => {
      if (whole) {
        visit(0, ny, block);
        return;
      }
      for (let first = 0; first < ny; first += rowsPerBlock) {
        const count = Math.min(rowsPerBlock, ny - first);
        pathLengths(
          setup.wave,
          setup.sample,
          rotation,
          shiftX,
          shiftY,
          setup.supportRatio,
          block,
          first,
          count,
        );
        visit(first, count, block);
      }
    };
    let lMin = Infinity, lMax = -Infinity, parallel = false;
    /** Smallest and largest L of each block of rows. */
    const ranges: number[] = [];
    for (let first = 0; first < ny; first += rowsPerBlock) {
      const count = Math.min(rowsPerBlock, ny - first);
      const stats = pathLengths(
        setup.wave,
        setup.sample,
        rotation,
        shiftX,
        shiftY,
        setup.supportRatio,
        whole ? block.subarray(first * nx, (first + count) * nx) : block,
        first,
        count,
      );
      lMin = Math.min(lMin, stats.lMin);
      lMax = Math.max(lMax, stats.lMax);
      ranges.push(stats.lMin, stats.lTop);
      parallel = stats.parallel;
    }
    if (parallel) {
      warnings.push("Beam direction is parallel to the sample: ice and support ignored.");
    }
    // L_max is at least L_min: where every ray crosses the support the image is still attenuated.
    lMax = Math.max(0, lMax, lMin);
    const free = this.#complex.data;
    const out = free.subarray(total, 2 * total);
    if (!(lMax >= 1)) {
      if (transformed) {
        scaleInto(real.spectrum, 1 / total);
        real.inverse();
      }
      out.set(real.data);
      this.#imageOffset = mean;
      return out;
    }
    const nodes = lMax - lMin < 1 ? 0 : Math.min(20, Math.ceil(10 * (lMax - lMin) / lMin));
    const step = nodes === 0 ? 0 : (lMax - lMin) / nodes;
    if (!transformed) real.forward();
    const spectrum = free.subarray(0, total);
    spectrum.set(real.spectrum);
    // The image is #imageOffset + out: the offset (float32-exact) is the mean's part at L_min.
    const offset = Math.fround(mean * Math.exp(-lMin * setup.kernels.water0));
    out.fill(-offset);
    this.#imageOffset = offset;
    const kw0 = setup.kernels.water0;
    // Which nodes some pixel may use (hat weights on [node − step, node + step]; beyond the last
    // node the extra attenuation exp(−(L − L_m)·K_w(0))), from each block's range of L: a superset
    // at worst, and a node no pixel uses adds nothing.
    const used = new Uint8Array(nodes + 1);
    if (nodes === 0) used[0] = 1;
    else {
      const clamp = (r: number) => Math.min(nodes, Math.max(0, Math.floor(r)));
      for (let b = 0; b < ranges.length; b += 2) {
        const lo = clamp((ranges[b]! - lMin) / step), hi = clamp((ranges[b + 1]! - lMin) / step);
        for (let l = lo; l <= Math.min(nodes, hi + 1); l++) used[l] = 1;
      }
    }
    for (let l = 0; l <= nodes; l++) {
      if (!used[l]) continue;
      const node = lMin + l * step;
      if (l > 0) real.spectrum.set(spectrum);
      const kernel = this.#radialKernel(setup.kernels.water, Math.abs(job.defocus), node);
      multiplyRealSpectrum(real, kernel, 1 / total);
      real.inverse();
      const img = real.data;
      // The mean's part of this node: its spectrum is the zero frequency alone.
      const meanPart = mean * Math.exp(-node * kw0);
      blocks((first, count, lengths) => {
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
    return out;
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

/**
 * A radial kernel f(K(distance·|q|)) of a table on the wave grid, f = identity or
 * exp(−attenuation·K), as {@linkcode KernelRows}. On square grids K(i, j) = K(j, i) (the same sum
 * qx² + qy²), so each unordered pair of folded indices is evaluated once, into a triangle.
 */
class RadialKernelRows implements KernelRows {
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

/** Sets the first `count` complex values of `wave` to 1 (a plane wave). */
function planeWave(wave: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    wave[2 * i] = 1;
    wave[2 * i + 1] = 0;
  }
}

/**
 * One row of a slice's transmission: ψ ← ψ·exp(i·Re Φ − Im Φ) for complex pixels x0 … x1 from
 * complex index `row`, and with `lost` the absorbed intensity (1 − e^{−2·Im Φ})·|ψ_old|² at
 * lost[lostBase + x].
 */
function transmitRow(
  phi: Float32Array,
  wave: Float32Array,
  row: number,
  x0: number,
  x1: number,
  lost: Float32Array | undefined,
  lostBase: number,
): void {
  for (let x = x0; x <= x1; x++) {
    const q = 2 * (row + x);
    const pr = phi[q]!, pi = phi[q + 1]!;
    if (pr === 0 && pi === 0) continue;
    const wr = wave[q]!, wi = wave[q + 1]!;
    const amp = Math.exp(-pi);
    const tr = amp * Math.cos(pr), ti = amp * Math.sin(pr);
    wave[q] = wr * tr - wi * ti;
    wave[q + 1] = wr * ti + wi * tr;
    if (lost !== undefined) lost[lostBase + x] = (1 - amp * amp) * (wr * wr + wi * wi);
  }
}

/** Adds the deviation from a plane wave of `count` complex values of a tile to the grid wave. */
function addDeviation(
  tile: Float32Array,
  from: number,
  psi: Float32Array,
  to: number,
  count: number,
): void {
  for (let x = 0; x < count; x++, from += 2, to += 2) {
    psi[to]! += tile[from]! - 1;
    psi[to + 1]! += tile[from + 1]!;
  }
}

function addInto(target: Float32Array, source: Float32Array): void {
  for (let i = 0; i < target.length; i++) target[i]! += source[i]!;
}

function scaleInto(target: Float32Array, factor: number): void {
  for (let i = 0; i < target.length; i++) target[i]! *= factor;
}

/**
 * Area-weighted resampling of a real image between two centred grids with different pixel sizes
 * (values are averages, as intensities relative to vacuum are). Needs no permissions.
 */
export function resampleGrid(
  src: Float32Array,
  from: PixelGrid,
  dest: Float32Array,
  to: PixelGrid,
  midBuffer?: Float64Array,
  columnBuffer?: Float64Array,
): void {
  // Source cell i spans destination index coordinates (i − from.cx ± ½)·width + to.cx.
  const width = from.pixel / to.pixel;
  const x0 = (-from.cx - 0.5) * width + to.cx;
  const y0 = (-from.cy - 0.5) * width + to.cy;
  const mid = midBuffer?.subarray(0, from.ny * to.nx) ?? new Float64Array(from.ny * to.nx);
  mid.fill(0);
  for (let j = 0; j < from.ny; j++) {
    boxResampleAdd(src, j * from.nx, 1, from.nx, x0, width, mid, j * to.nx, 1, to.nx);
  }
  const col = columnBuffer?.subarray(0, to.ny) ?? new Float64Array(to.ny);
  for (let u = 0; u < to.nx; u++) {
    col.fill(0);
    boxResampleAdd(mid, u, to.nx, from.ny, y0, width, col, 0, 1, to.ny);
    for (let v = 0; v < to.ny; v++) dest[v * to.nx + u] = col[v]!;
  }
}

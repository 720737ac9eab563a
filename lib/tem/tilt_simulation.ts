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
  type EvenKernel,
  evenKernel,
  FftEngine,
  type KernelRows,
  ladderFftSize,
  multiplyRealSpectrum,
  RealFft2d,
} from "./fft.ts";
import type { KernelTable, ScatteringKernels } from "./kernels.ts";
import {
  angularFrequency,
  detectorMtf,
  fresnelPropagator,
  type LensParameters,
  lensTransferRows,
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
import { RandomStream } from "./random.ts";
import { pathLengths, type PixelGrid, type SampleGeometry } from "./sample_path.ts";

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
  gain: number;
  dqe: number;
  quantization: boolean;
  mtf: MtfParameters;
}

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
  /** The run's seed (noise streams are derived from it per tilt and detector). */
  seed: number;
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

/** Absorbed intensity of one tile and slice. */
interface LostIntensity {
  slice: number;
  x0: number;
  y0: number;
  /** Tile width (row length of `data`). */
  width: number;
  data: Float32Array;
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
  /** One image per detector (det_pix_x × det_pix_y, x fastest), counts. */
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
  readonly #detectorFfts: RealFft2d[];
  readonly #mtf: EvenKernel[];
  readonly #engine: FftEngine;
  readonly #scratch = new ProjectionScratch();
  readonly #tiles = new Map<string, ComplexFft2d>();
  readonly #touchedRows = new Map<number, TouchedRows>();
  readonly #propagators = new Map<string, { x: Float64Array; y: Float64Array }>();
  /** |q| (rad/nm) for the folded indices along x and y. */
  readonly #qx: Float64Array;
  readonly #qy: Float64Array;
  /** Ice-equivalent path lengths of a block of rows (all rows on small grids). */
  #pathBlock: Float32Array;
  /** Absorbed intensity buffers by tile size, and the inelastic spectrum. */
  readonly #lost = new Map<string, Float32Array>();
  #inelastic: Float32Array | undefined;

  private constructor(setup: ImagingSetup, engine: FftEngine) {
    this.#setup = setup;
    const { nx, ny } = setup.wave;
    this.#complex = new ComplexFft2d(engine, nx, ny);
    // The real FFT lives in the complex spectrum buffer: the two are never used at once.
    this.#real = new RealFft2d(engine, nx, ny, this.#complex.spectrumIndex);
    this.#engine = engine;
    this.#detectorFfts = setup.detectors.map((d) =>
      d.grid.nx === nx && d.grid.ny === ny
        ? this.#real
        : new RealFft2d(engine, d.grid.nx, d.grid.ny)
    );
    const mtfs = new Map<string, EvenKernel>();
    this.#mtf = setup.detectors.map((d) => {
      const key = JSON.stringify([d.grid.nx, d.grid.ny, d.gain, d.mtf]);
      let kernel = mtfs.get(key);
      if (kernel === undefined) {
        const values = evenKernel(d.grid.nx, d.grid.ny, (kx, ky) => {
          const xi = Math.hypot(kx / d.grid.nx, ky / d.grid.ny);
          return d.gain * detectorMtf(xi, d.mtf);
        }).values;
        mtfs.set(key, kernel = { nx: d.grid.nx, ny: d.grid.ny, values: Float32Array.from(values) });
      }
      return kernel;
    });
    this.#qx = Float64Array.from(
      { length: Math.floor(nx / 2) + 1 },
      (_, i) => angularFrequency(i, nx, setup.wave.pixel),
    );
    this.#qy = Float64Array.from(
      { length: Math.floor(ny / 2) + 1 },
      (_, i) => angularFrequency(i, ny, setup.wave.pixel),
    );
    this.#pathBlock = new Float32Array(nx * Math.min(ny, 32));
  }

  /** Creates a simulator (instantiates the WebAssembly FFT). Needs --allow-read of the npm cache. */
  static async create(setup: ImagingSetup): Promise<TiltSimulator> {
    return new TiltSimulator(setup, await FftEngine.create());
  }

  /** Simulates one tilt. */
  run(job: TiltJob): TiltResult {
    const setup = this.#setup;
    const { nx, ny } = setup.wave;
    const warnings: string[] = [];
    const { projected, inelastic } = this.#multislice(job);
    const image = this.#background(job, inelastic, warnings);
    const images = setup.detectors.map((detector, d) =>
      this.#detect(job, d, detector, image, nx, ny)
    );
    return { index: job.index, images, projected, warnings };
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
    const psi = this.#complex.data;
    for (let i = 0; i < nx * ny; i++) {
      psi[2 * i] = 1;
      psi[2 * i + 1] = 0;
    }
    let inelastic: Float32Array | undefined;
    // Whole-grid buffers of the global layout are kept between tilts only on small grids.
    const keep = nx * ny <= KEEP_GRID_BUFFERS;
    const startInelastic = () => {
      const buffer = this.#inelastic ?? new Float32Array(nx * ny);
      if (keep) this.#inelastic = buffer;
      buffer.fill(0);
      return buffer;
    };
    const lostPatches: LostIntensity[] = [];
    const clusters = setup.multislice === "global"
      ? undefined
      : this.#clusters(hits, (sMax - sMin) * dz, sMax);
    if (clusters === undefined) {
      // One tile: the whole grid. The absorbed intensity is blurred slice by slice.
      this.#tileMultislice(this.#complex, 0, 0, nx, ny, hits, sMax, (slice, lost) => {
        inelastic ??= startInelastic();
        this.#real.data.set(lost);
        this.#real.forward();
        const distance = Math.abs(slice * dz + job.defocus);
        multiplyRealSpectrum(
          this.#real,
          this.#radialKernel(setup.kernels.carbon, distance),
          1,
          inelastic,
          true,
        );
      });
    } else {
      for (const cluster of clusters) {
        const fft = this.#tileFft(cluster.tileX, cluster.tileY);
        const w = cluster.x1 - cluster.x0 + 1, h = cluster.y1 - cluster.y0 + 1;
        this.#tileMultislice(
          fft,
          cluster.x0,
          cluster.y0,
          w,
          h,
          cluster.hits,
          sMax,
          (slice, lost) => {
            lostPatches.push({
              slice,
              x0: cluster.x0,
              y0: cluster.y0,
              width: fft.nx,
              data: Float32Array.from(lost),
            });
          },
        );
      }
    }
    const previous = sMax;
    // Objective lens, defocus measured from the exit slice.
    const defocus = previous * dz + job.defocus;
    this.#complex.forward();
    const transfer = lensTransferRows(
      nx,
      ny,
      pixel,
      setup.beam,
      setup.lens,
      defocus,
      1 / (nx * ny),
    );
    const spec = this.#complex.spectrum;
    const row = new Float32Array(2 * (Math.floor(ny / 2) + 1));
    for (let kx = 0; kx <= nx - kx; kx++) {
      transfer(kx, row);
      for (const r of kx === 0 || kx === nx - kx ? [kx] : [kx, nx - kx]) {
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
    this.#complex.inverse();
    // |ψ|², compacted in place into the first half of the complex data buffer.
    const total = nx * ny;
    const wave = this.#complex.data;
    for (let i = 0; i < total; i++) {
      const re = wave[2 * i]!, im = wave[2 * i + 1]!;
      wave[i] = re * re + im * im;
    }
    if (lostPatches.length > 0) {
      // Absorbed intensity of the tiles: one blur per slice with every patch of that slice,
      // accumulated in the (free) second half of the complex data buffer.
      inelastic = wave.subarray(total, 2 * total);
      inelastic.fill(0);
      lostPatches.sort((a, b) => a.slice - b.slice);
      for (let i = 0; i < lostPatches.length;) {
        const slice = lostPatches[i]!.slice;
        const data = this.#real.data;
        data.fill(0);
        for (; i < lostPatches.length && lostPatches[i]!.slice === slice; i++) {
          const patch = lostPatches[i]!;
          const rows = patch.data.length / patch.width;
          for (let y = 0; y < rows && patch.y0 + y < ny; y++) {
            const count = Math.min(patch.width, nx - patch.x0);
            const src = patch.data.subarray(y * patch.width, y * patch.width + count);
            const at = (patch.y0 + y) * nx + patch.x0;
            for (let x = 0; x < count; x++) data[at + x]! += src[x]!;
          }
        }
        this.#real.forward();
        const distance = Math.abs(slice * dz + job.defocus);
        multiplyRealSpectrum(
          this.#real,
          this.#radialKernel(setup.kernels.carbon, distance),
          1,
          inelastic,
          true,
        );
      }
    }
    this.#real.data.set(wave.subarray(0, total));
    return { projected, inelastic };
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

  /** A cached complex FFT for tiles of tw × th (the least recently used ones are freed). */
  #tileFft(tw: number, th: number): ComplexFft2d {
    const key = `${tw}x${th}`;
    let fft = this.#tiles.get(key);
    if (fft === undefined) {
      fft = new ComplexFft2d(this.#engine, tw, th);
    } else {
      this.#tiles.delete(key);
    }
    this.#tiles.set(key, fft);
    const budget = 2 * this.#setup.wave.nx * this.#setup.wave.ny;
    const cachedFloats = () =>
      [...this.#tiles.values()].reduce((sum, t) => sum + 4 * t.nx * t.ny, 0);
    while (
      this.#tiles.size > 1 && (this.#tiles.size > MAX_CACHED_TILES || cachedFloats() > budget)
    ) {
      const [oldKey, old] = this.#tiles.entries().next().value!;
      this.#tiles.delete(oldKey);
      this.#lost.delete(oldKey);
      old.dispose();
    }
    return fft;
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
    onLost: (slice: number, lost: Float32Array) => void,
  ): void {
    const setup = this.#setup;
    const dz = setup.sliceThickness;
    const tw = fft.nx, th = fft.ny;
    const global = fft === this.#complex;
    if (!global) {
      const tile = fft.data;
      for (let i = 0; i < tw * th; i++) {
        tile[2 * i] = 1;
        tile[2 * i + 1] = 0;
      }
    }
    let touched = this.#touchedRows.get(th);
    if (touched === undefined || touched.nx !== tw) {
      touched = new TouchedRows(tw, th);
      this.#touchedRows.set(th, touched);
    }
    let lost: Float32Array | undefined;
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
      if (absorbing) {
        if (lost === undefined) {
          const key = `${tw}x${th}`;
          lost = this.#lost.get(key);
          if (lost === undefined) {
            lost = new Float32Array(tw * th);
            if (tw * th <= KEEP_GRID_BUFFERS) this.#lost.set(key, lost);
          }
        }
        lost.fill(0);
      }
      for (let y = 0; y < th; y++) {
        const x1 = touched.last[y]!;
        for (let x = touched.first[y]!; x <= x1; x++) {
          const q = 2 * (y * tw + x);
          const pr = phi[q]!, pi = phi[q + 1]!;
          if (pr === 0 && pi === 0) continue;
          const wr = wave[q]!, wi = wave[q + 1]!;
          const amp = Math.exp(-pi);
          const tr = amp * Math.cos(pr), ti = amp * Math.sin(pr);
          wave[q] = wr * tr - wi * ti;
          wave[q + 1] = wr * ti + wi * tr;
          if (absorbing) lost![y * tw + x] = (1 - amp * amp) * (wr * wr + wi * wi);
        }
      }
      if (absorbing) onLost(slice, lost!);
    }
    if (previous !== sMax) this.#propagate(fft, (sMax - previous) * dz);
    if (global) return;
    // Tiles may overlap at their margins, where their waves are plane: add the deviations.
    const { nx } = setup.wave;
    const psi = this.#complex.data, tile = fft.data;
    for (let y = 0; y < h; y++) {
      let from = 2 * y * tw, to = 2 * ((oy + y) * nx + ox);
      for (let x = 0; x < w; x++, from += 2, to += 2) {
        psi[to]! += tile[from]! - 1;
        psi[to + 1]! += tile[from + 1]!;
      }
    }
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

  /** The even kernel f(K(distance·q)) of a table on the wave grid, row by row. */
  #radialKernel(table: KernelTable, distance: number, f?: (v: number) => number): KernelRows {
    const qx = this.#qx, qy = this.#qy;
    const v = table.values, last = v.length - 1, scale = distance / table.spacing;
    return (kx, row) => {
      const ax = qx[kx]! * qx[kx]!;
      for (let ky = 0; ky < qy.length; ky++) {
        const r = Math.sqrt(ax + qy[ky]! * qy[ky]!) * scale;
        let value: number;
        if (r >= last) value = v[last]!;
        else {
          const j = Math.floor(r), frac = r - j;
          value = v[j]! * (1 - frac) + v[j + 1]! * frac;
        }
        row[ky] = f === undefined ? value : f(value);
      }
    };
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
    // Path lengths are computed in blocks of rows, again for every node (no full-grid buffer).
    const rotation = setup.singleParticle ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : job.rotation;
    const shiftX = setup.singleParticle ? 0 : job.shiftX,
      shiftY = setup.singleParticle ? 0 : job.shiftY;
    // Small grids keep all rows (computed once); large ones recompute blocks of rows per pass.
    const whole = total <= KEEP_GRID_BUFFERS;
    if (whole && this.#pathBlock.length !== total) this.#pathBlock = new Float32Array(total);
    const block = this.#pathBlock;
    const rowsPerBlock = block.length / nx;
    let computed = -1;
    const blocks = (visit: (first: number, count: number, lengths: Float32Array) => void) => {
      for (let first = 0; first < ny; first += rowsPerBlock) {
        const count = Math.min(rowsPerBlock, ny - first);
        if (!(whole && computed === first)) {
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
          computed = first;
        }
        visit(first, count, block);
      }
    };
    let lMin = Infinity, lMax = -Infinity, parallel = false;
    for (let first = 0; first < ny; first += rowsPerBlock) {
      const count = Math.min(rowsPerBlock, ny - first);
      const stats = pathLengths(
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
      computed = first;
      lMin = Math.min(lMin, stats.lMin);
      lMax = Math.max(lMax, stats.lMax);
      parallel = stats.parallel;
    }
    if (parallel) {
      warnings.push("Beam direction is parallel to the sample: ice and support ignored.");
    }
    const real = this.#real;
    const free = this.#complex.data;
    const out = free.subarray(total, 2 * total);
    if (!(lMax >= 1)) {
      if (inelastic !== undefined) {
        real.forward();
        addInto(real.spectrum, inelastic);
        scaleInto(real.spectrum, 1 / total);
        real.inverse();
      }
      out.set(real.data);
      return out;
    }
    const nodes = lMax - lMin < 1 ? 0 : Math.min(20, Math.ceil(10 * (lMax - lMin) / lMin));
    const step = nodes === 0 ? 0 : (lMax - lMin) / nodes;
    real.forward();
    if (inelastic !== undefined) addInto(real.spectrum, inelastic);
    const spectrum = free.subarray(0, total);
    spectrum.set(real.spectrum);
    out.fill(0);
    const kw0 = setup.kernels.water0;
    // Which nodes some pixel uses (hat weights on [node − step, node + step]; beyond the last node
    // the extra attenuation exp(−(L − L_m)·K_w(0))).
    const used = new Uint8Array(nodes + 1);
    if (nodes === 0) used[0] = 1;
    else {
      blocks((_first, count, lengths) => {
        for (let i = 0; i < count * nx; i++) {
          const r = (lengths[i]! - lMin) / step;
          const l = Math.min(nodes, Math.max(0, Math.floor(r)));
          used[l] = 1;
          if (l < nodes) used[l + 1] = 1;
        }
      });
    }
    for (let l = 0; l <= nodes; l++) {
      if (!used[l]) continue;
      const node = lMin + l * step;
      if (l > 0) real.spectrum.set(spectrum);
      const kernel = this.#radialKernel(
        setup.kernels.water,
        Math.abs(job.defocus),
        (kw) => Math.exp(-node * kw),
      );
      multiplyRealSpectrum(real, kernel, 1 / total);
      real.inverse();
      const img = real.data;
      blocks((first, count, lengths) => {
        const base = first * nx;
        for (let k = 0; k < count * nx; k++) {
          const L = lengths[k]!;
          let w: number;
          if (nodes === 0) w = L > node ? Math.exp(-(L - node) * kw0) : 1;
          else if (L <= node - step || (L >= node + step && l !== nodes)) continue;
          else if (l === nodes && L >= node) w = Math.exp(-(L - node) * kw0);
          else w = 1 - Math.abs(L - node) / step;
          if (w !== 0) out[base + k]! += w * img[base + k]!;
        }
      });
    }
    return out;
  }

  /** One detector image (spec §3.8). */
  #detect(
    job: TiltJob,
    d: number,
    detector: DetectorSetup,
    image: Float32Array,
    nx: number,
    ny: number,
  ): Float32Array {
    const setup = this.#setup;
    const fft = this.#detectorFfts[d]!;
    const g = detector.grid;
    const counts = fft.data;
    const perPixel = job.dose * g.pixel * g.pixel;
    if (
      g.nx === nx && g.ny === ny && g.pixel === setup.wave.pixel && g.cx === setup.wave.cx &&
      g.cy === setup.wave.cy
    ) {
      for (let i = 0; i < counts.length; i++) counts[i] = image[i]! * perPixel;
    } else {
      resampleGrid(image, setup.wave, counts, g);
      for (let i = 0; i < counts.length; i++) counts[i]! *= perPixel;
    }
    if (detector.quantization) {
      const random = new RandomStream(setup.seed, "detector", job.index, d);
      const excess = 1 / detector.dqe - 1;
      for (let i = 0; i < counts.length; i++) {
        const n = random.poisson(counts[i]!);
        counts[i] = n === 0 || excess === 0 ? n : random.wald(n, n / excess * n);
      }
    }
    fft.forward();
    multiplyRealSpectrum(fft, this.#mtf[d]!, 1 / (g.nx * g.ny));
    fft.inverse();
    const size = detector.width * detector.height;
    const reuse = job.outputs?.[d];
    const out = reuse !== undefined && reuse.byteLength === 4 * size
      ? new Float32Array(reuse)
      : new Float32Array(size);
    const data = fft.data;
    for (let y = 0; y < detector.height; y++) {
      const row = (y + detector.cropY) * g.nx + detector.cropX;
      out.set(data.subarray(row, row + detector.width), y * detector.width);
    }
    return out;
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
): void {
  // Source cell i spans destination index coordinates (i − from.cx ± ½)·width + to.cx.
  const width = from.pixel / to.pixel;
  const x0 = (-from.cx - 0.5) * width + to.cx;
  const y0 = (-from.cy - 0.5) * width + to.cy;
  const mid = new Float64Array(from.ny * to.nx);
  for (let j = 0; j < from.ny; j++) {
    boxResampleAdd(src, j * from.nx, 1, from.nx, x0, width, mid, j * to.nx, 1, to.nx);
  }
  const col = new Float64Array(to.ny);
  for (let u = 0; u < to.nx; u++) {
    col.fill(0);
    boxResampleAdd(mid, u, to.nx, from.ny, y0, width, col, 0, 1, to.ny);
    for (let v = 0; v < to.ny; v++) dest[v * to.nx + u] = col[v]!;
  }
}

/**
 * The electron wave through the sample and the objective lens of one tilt (spec §3.6 steps 1–4):
 * a plane wave, the particles projected slice by slice (§3.7) and transmitted, Fresnel propagation
 * between occupied slices — on the whole grid or on tiles around the particles
 * (multislice_tiles.ts, slice_transmission.ts) — the absorbed intensity handed to
 * absorbed_intensity.ts, then the lens transfer and |ψ|².
 *
 * @module
 */
import type { ComplexFft2d, FftEngine, RealFft2d } from "./fft.ts";
import { applyLensTransfer, fresnelPropagator } from "./optics.ts";
import { addProjection, ProjectionScratch, projectMap, TouchedRows } from "./projection.ts";
import type { AbsorbedIntensity, LostIntensity } from "./absorbed_intensity.ts";
import {
  type Cluster,
  clusterHits,
  particleHits,
  periodicRuns,
  type PlacedHit,
  TileFfts,
} from "./multislice_tiles.ts";
import { addDeviation, planeWave, touchedBox, transmitRow } from "./slice_transmission.ts";
import type { ImagingSetup, TiltJob } from "./tilt_job.ts";

/** The buffers a multislice shares with the rest of its tilt simulator. */
export interface MultisliceBuffers {
  /** The grid's complex FFT: the wave function. */
  complex: ComplexFft2d;
  /** The grid's real FFT (in the complex spectrum buffer): receives the elastic intensity. */
  real: RealFft2d;
  /** Where absorbing slices hand their absorbed intensity. */
  absorbed: AbsorbedIntensity;
}

/**
 * The multislice and lens of one thread: its tile FFTs, projection scratch and propagators are
 * reused from tilt to tilt. Needs no permissions.
 */
export class Multislice {
  readonly #setup: ImagingSetup;
  readonly #complex: ComplexFft2d;
  readonly #real: RealFft2d;
  readonly #absorbed: AbsorbedIntensity;
  readonly #scratch = new ProjectionScratch();
  readonly #tiles: TileFfts;
  readonly #touched: TouchedRows;
  readonly #propagators = new Map<string, { x: Float64Array; y: Float64Array }>();
  /** Row buffer of the lens transfer function (reused). */
  readonly #lensRow: Float32Array;

  constructor(setup: ImagingSetup, engine: FftEngine, buffers: MultisliceBuffers) {
    const { nx, ny } = setup.wave;
    this.#setup = setup;
    this.#complex = buffers.complex;
    this.#real = buffers.real;
    this.#absorbed = buffers.absorbed;
    this.#tiles = new TileFfts(engine, buffers.complex);
    this.#touched = new TouchedRows(nx, ny);
    this.#lensRow = new Float32Array(2 * (Math.floor(ny / 2) + 1));
  }

  /**
   * Multislice and lens: leaves the elastic intensity less the plane wave's, |ψ|² − 1, in the
   * real FFT's data (see slice_transmission.ts: the wave is kept as ψ − 1) and returns the
   * spectrum of the absorbed intensity re-added through the inelastic kernel, if any (in the
   * second half of the complex data buffer for tiles, in a buffer of its own for the whole grid).
   */
  run(job: TiltJob): { projected: number; inelastic?: Float32Array } {
    const setup = this.#setup;
    const { nx, ny } = setup.wave;
    const dz = setup.sliceThickness;
    const hits = particleHits(job, setup);
    const projected = hits.length;
    if (hits.length === 0) {
      this.#real.data.fill(0);
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
      const members = hits.map((hit) => ({ hit, dx: 0, dy: 0 }));
      this.#tileMultislice(this.#complex, 0, 0, members, sMax);
    } else {
      for (const cluster of clusters) {
        const fft = this.#tiles.get(cluster.x.size, cluster.y.size);
        this.#tileMultislice(fft, cluster.x.origin, cluster.y.origin, cluster.members, sMax);
        this.#writeBack(fft, cluster);
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
   * Multislice of `members` (sorted by slice) on the tile `fft` whose pixel (0, 0) is grid pixel
   * (ox, oy), from a plane wave to slice `sMax`. The absorbed intensity of each absorbing slice
   * goes to {@linkcode AbsorbedIntensity}.
   */
  #tileMultislice(
    fft: ComplexFft2d,
    ox: number,
    oy: number,
    members: PlacedHit[],
    sMax: number,
  ): void {
    const dz = this.#setup.sliceThickness;
    if (fft !== this.#complex) planeWave(fft.data, fft.nx * fft.ny);
    this.#touched.reset(fft.nx, fft.ny);
    let previous = members[0]!.hit.slice;
    for (let i = 0; i < members.length;) {
      const slice = members[i]!.hit.slice;
      if (slice !== previous) this.#propagate(fft, (slice - previous) * dz);
      previous = slice;
      const projected = this.#projectSlice(fft, members, i);
      i = projected.end;
      this.#transmitSlice(fft, ox, oy, slice, projected.absorbing);
    }
    if (previous !== sMax) this.#propagate(fft, (sMax - previous) * dz);
  }

  /**
   * Adds a cluster's tile wave (its deviation from the plane wave) to the grid wave over the
   * cluster's region, which may run across the grid's edges. Tiles may overlap at their margins,
   * where their waves are plane, so deviations are added.
   */
  #writeBack(fft: ComplexFft2d, cluster: Cluster): void {
    const { nx, ny } = this.#setup.wave;
    const tw = fft.nx;
    const psi = this.#complex.data, tile = fft.data;
    const columns = periodicRuns(cluster.x.origin, cluster.x.length, nx);
    for (const rows of periodicRuns(cluster.y.origin, cluster.y.length, ny)) {
      for (let y = 0; y < rows.length; y++) {
        const from = (rows.tile + y) * tw, to = (rows.grid + y) * nx;
        for (const c of columns) {
          addDeviation(tile, 2 * (from + c.tile), psi, 2 * (to + c.grid), c.length);
        }
      }
    }
  }

  /**
   * The potential Φ of the hits from index `start` on that share its slice, into the spectrum
   * buffer of `fft` (idle between propagations), with the touched rows marked. Returns the index
   * after them and whether any absorbs.
   */
  #projectSlice(
    fft: ComplexFft2d,
    members: PlacedHit[],
    start: number,
  ): { end: number; absorbing: boolean } {
    const setup = this.#setup;
    const { nx, ny, pixel } = setup.wave;
    const slice = members[start]!.hit.slice;
    this.#touched.clear();
    const phi = fft.spectrum;
    phi.fill(0);
    let absorbing = false;
    let i = start;
    for (; i < members.length && members[i]!.hit.slice === slice; i++) {
      const { hit, dx, dy } = members[i]!;
      absorbing ||= hit.absorbing;
      const projection = projectMap(
        hit.map,
        hit.orientation,
        hit.gx + dx,
        hit.gy + dy,
        pixel,
        setup.beam.interaction,
        this.#scratch,
      );
      // Nothing beyond the wave grid's edge: the grid's pixels on the tile are dx … dx + nx − 1.
      addProjection(projection, phi, fft.nx, fft.ny, this.#touched, this.#scratch, {
        x0: dx,
        x1: dx + nx,
        y0: dy,
        y1: dy + ny,
      });
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

  /**
   * ψ ← IFFT[FFT(ψ)·T] (on φ = ψ − 1: T(0) = 1), then |ψ|² − 1 = 2φ_r + |φ|² compacted into the
   * first half of the complex data buffer.
   */
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
      wave[i] = re * (2 + re) + im * im;
    }
  }
}

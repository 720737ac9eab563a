/**
 * The intensity absorbed by the particles (spec §3.6 step 4): patches of (1 − e^{−2·Im Φ})·|ψ|²
 * per absorbing slice, each blurred by the inelastic kernel for its distance to the focal plane
 * and summed into one spectrum that the background adds back to the image.
 *
 * @module
 */
import { type ComplexFft2d, multiplyRealSpectrum, type RealFft2d } from "./fft.ts";
import type { RadialKernelRows } from "./radial_kernel.ts";
import type { ImagingSetup } from "./tilt_job.ts";
import { periodicRuns } from "./multislice_tiles.ts";

/**
 * Absorbed intensity of one tile and slice: a w × h patch of the grid at (x0, y0), which may run
 * across the grid's edges onto its far side (the grid is periodic).
 */
export interface LostIntensity {
  slice: number;
  x0: number;
  y0: number;
  w: number;
  h: number;
  /** Where its values (w·h, x fastest) start in the patch arena. */
  offset: number;
}

/** The buffers of one thread the absorbed intensity is computed in. */
export interface AbsorbedIntensityBuffers {
  /** The grid's complex FFT (the second half of its data buffer holds the tiles' spectrum). */
  complex: ComplexFft2d;
  /** The grid's real FFT (free between slices). */
  real: RealFft2d;
  radial: RadialKernelRows;
  /** The whole-grid path-length buffer (small grids host the whole-grid spectrum there). */
  gridBuffer: () => Float32Array;
}

/**
 * The absorbed intensity of one tilt, patch by patch: the whole-grid layout blurs each patch
 * right away, tiles keep their patches until {@linkcode blurPatches}. Needs no permissions.
 */
export class AbsorbedIntensity {
  readonly #setup: ImagingSetup;
  readonly #buffers: AbsorbedIntensityBuffers;
  /** Patches of absorbed intensity of the current tilt (tiles) and their defocus. */
  readonly #lostPatches: LostIntensity[] = [];
  #lostDefocus = 0;
  /** The inelastic spectrum of the current tilt in the whole-grid layout. */
  #globalInelastic: Float32Array | undefined;
  /** Absorbed-intensity patch values of the current tilt (grow-only, reused by every tilt). */
  #patchArena = new Float32Array(0);
  #patchFloats = 0;

  constructor(setup: ImagingSetup, buffers: AbsorbedIntensityBuffers) {
    this.#setup = setup;
    this.#buffers = buffers;
  }

  /** Starts a tilt with defocus `defocus` (nm): no patches yet. */
  reset(defocus: number): void {
    this.#lostPatches.length = 0;
    this.#patchFloats = 0;
    this.#globalInelastic = undefined;
    this.#lostDefocus = defocus;
  }

  /** The patch values (valid until the next {@linkcode reserve}). */
  get arena(): Float32Array {
    return this.#patchArena;
  }

  /**
   * The inelastic spectrum of the tilt: the tiles' patches blurred now, or the whole-grid
   * layout's spectrum, if any intensity was absorbed.
   */
  spectrum(defocus: number): Float32Array | undefined {
    return this.#lostPatches.length > 0 ? this.#blurPatches(defocus) : this.#globalInelastic;
  }

  /** Room for `floats` zeroed values in the patch arena; returns their offset. */
  reserve(floats: number): number {
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

  /**
   * A patch of absorbed intensity: kept for {@linkcode #blurPatches} (tiles), or blurred into the
   * inelastic spectrum right away (whole-grid layout, whose real FFT is free between slices).
   */
  add(patch: LostIntensity, global: boolean): void {
    if (!global) {
      this.#lostPatches.push(patch);
      return;
    }
    const setup = this.#setup;
    const { ny } = setup.wave;
    const real = this.#buffers.real;
    // The inelastic spectrum of the whole-grid layout: in the whole-grid path-length buffer (the
    // background reads it before computing path lengths, which it then keeps there).
    let inelastic = this.#globalInelastic;
    if (inelastic === undefined) {
      inelastic = this.#buffers.gridBuffer();
      inelastic.fill(0);
      this.#globalInelastic = inelastic;
    }
    const data = real.data;
    data.fill(0);
    this.#addPatch(patch, data);
    this.#patchFloats = 0;
    // Only the patch's rows are non-zero.
    real.forward(patch.y0, Math.min(ny, patch.y0 + patch.h));
    const distance = Math.abs(patch.slice * setup.sliceThickness + this.#lostDefocus);
    const kernel = this.#buffers.radial.configure(setup.kernels.carbon, distance);
    multiplyRealSpectrum(real, kernel, 1, inelastic, true);
  }

  /**
   * Absorbed intensity of the tiles: one blur per slice with every patch of that slice,
   * accumulated in the (free) second half of the complex data buffer, which is returned.
   */
  #blurPatches(defocus: number): Float32Array {
    const setup = this.#setup;
    const { nx, ny } = setup.wave;
    const { complex, real, radial } = this.#buffers;
    const dz = setup.sliceThickness;
    const total = nx * ny;
    const inelastic = complex.data.subarray(total, 2 * total);
    inelastic.fill(0);
    const lostPatches = this.#lostPatches;
    lostPatches.sort((a, b) => a.slice - b.slice);
    for (let i = 0; i < lostPatches.length;) {
      const slice = lostPatches[i]!.slice;
      const data = real.data;
      data.fill(0);
      let firstRow = ny, endRow = 0;
      for (; i < lostPatches.length && lostPatches[i]!.slice === slice; i++) {
        const patch = lostPatches[i]!;
        this.#addPatch(patch, data);
        const wraps = patch.y0 + patch.h > ny;
        firstRow = Math.min(firstRow, wraps ? 0 : patch.y0);
        endRow = Math.max(endRow, wraps ? ny : patch.y0 + patch.h);
      }
      // Only the patches' rows are non-zero.
      real.forward(firstRow, endRow);
      const distance = Math.abs(slice * dz + defocus);
      multiplyRealSpectrum(
        real,
        radial.configure(setup.kernels.carbon, distance),
        1,
        inelastic,
        true,
      );
    }
    return inelastic;
  }

  /**
   * Adds a patch of absorbed intensity to a real grid-sized image (what runs past the grid's
   * edges onto the far side).
   */
  #addPatch(patch: LostIntensity, data: Float32Array): void {
    const { nx, ny } = this.#setup.wave;
    const { x0, y0, w, offset } = patch;
    const columns = periodicRuns(x0 % nx, w, nx);
    const arena = this.#patchArena;
    for (const rows of periodicRuns(y0 % ny, patch.h, ny)) {
      for (let y = 0; y < rows.length; y++) {
        const from = offset + (rows.tile + y) * w, at = (rows.grid + y) * nx;
        for (const c of columns) {
          for (let x = 0; x < c.length; x++) data[at + c.grid + x]! += arena[from + c.tile + x]!;
        }
      }
    }
  }
}

/**
 * 2-D FFTs for the imaging simulation, on PFFFT (J. Pommier's SIMD FFT, compiled to WebAssembly
 * with SIMD; npm `@echogarden/pffft-wasm`). Rows are transformed by PFFFT, columns after a blocked
 * transpose, so spectra are kept transposed (kx rows, ky columns). Sizes must be 2^a·3^b·5^c with
 * a ≥ 4 (complex) or a ≥ 5 (real); see {@linkcode fastFftSize}. Transforms are unnormalised, with
 * the forward transform using e^{−i}.
 *
 * @module
 */
import PFFFT from "@echogarden/pffft-wasm/simd";

/** The raw PFFFT WebAssembly module (emscripten exports). */
interface PffftModule {
  readonly HEAPF32: Float32Array;
  _pffft_new_setup(n: number, kind: number): number;
  _pffft_transform_ordered(
    setup: number,
    input: number,
    output: number,
    work: number,
    direction: number,
  ): unknown;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(pointer: number): unknown;
  _pffft_destroy_setup(setup: number): unknown;
}

/** The emscripten build's minified export names (see the package's dist/simd/pffft.js). */
const EXPORTS = {
  memory: "d",
  ctors: "e",
  alignedMalloc: "f",
  alignedFree: "h",
  newSetup: "k",
  destroySetup: "l",
  transformOrdered: "p",
} as const;

/** Instantiates PFFFT's SIMD WebAssembly with a minimal emscripten runtime. */
async function instantiateDirect(): Promise<PffftModule> {
  const url = new URL("pffft.wasm", import.meta.resolve("@echogarden/pffft-wasm/simd"));
  const bytes = await Deno.readFile(url);
  const state: { memory?: WebAssembly.Memory } = {};
  let heap: Float32Array = new Float32Array(0);
  const imports = {
    a: {
      // __assert_fail
      a: () => {
        throw new Error("Cannot run the FFT: PFFFT assertion failed");
      },
      // emscripten_resize_heap(requested bytes) → 1 on success
      b: (requested: number) => {
        const current = state.memory!.buffer.byteLength;
        const target = Math.min(2 ** 31 - 65536, Math.max(requested, Math.ceil(current * 1.25)));
        try {
          state.memory!.grow(Math.ceil((target - current) / 65536));
          return 1;
        } catch {
          return 0;
        }
      },
      // _emscripten_memcpy_js(dest, src, count)
      c: (dest: number, src: number, count: number) => {
        new Uint8Array(state.memory!.buffer).copyWithin(dest, src, src + count);
      },
    },
  };
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  const e = instance.exports as Record<string, unknown>;
  state.memory = e[EXPORTS.memory] as WebAssembly.Memory;
  (e[EXPORTS.ctors] as () => void)();
  const fn = (name: string) => e[name] as (...args: number[]) => number;
  const module: PffftModule = {
    get HEAPF32() {
      if (heap.buffer !== state.memory!.buffer) {
        heap = new Float32Array(state.memory!.buffer as ArrayBuffer);
      }
      return heap;
    },
    _pffft_new_setup: fn(EXPORTS.newSetup),
    _pffft_transform_ordered: fn(EXPORTS.transformOrdered),
    _pffft_aligned_malloc: fn(EXPORTS.alignedMalloc),
    _pffft_aligned_free: fn(EXPORTS.alignedFree),
    _pffft_destroy_setup: fn(EXPORTS.destroySetup),
  };
  return module;
}

const REAL = 0;
const COMPLEX = 1;
const FORWARD = 0;
const BACKWARD = 1;

/** Whether n = 2^a·3^b·5^c with a ≥ minTwos. Needs no permissions. */
export function isFastFftSize(n: number, minTwos = 5): boolean {
  if (!Number.isInteger(n) || n <= 0) return false;
  let twos = 0;
  while (n % 2 === 0) {
    n /= 2;
    twos++;
  }
  if (twos < minTwos) return false;
  for (const p of [3, 5]) while (n % p === 0) n /= p;
  return n === 1;
}

/**
 * The smallest size ≥ `n` on a coarse ladder of fast sizes (64, 96, 128, 160, 192, 256, 320, 384,
 * 480, 512, 640, 768, 960, 1024, … ×2): few distinct sizes, so cached FFTs are reused.
 * Needs no permissions.
 */
export function ladderFftSize(n: number): number {
  const steps = [64, 96, 128, 160, 192, 256, 320, 384, 480];
  for (let scale = 1;; scale *= 2) {
    for (const step of steps.slice(scale === 1 ? 0 : 5)) if (step * scale >= n) return step * scale;
  }
}

/**
 * The smallest size ≥ `n` of the form 2^a·3^b·5^c with a ≥ 5 (PFFFT's fast real and complex
 * sizes). Needs no permissions.
 */
export function fastFftSize(n: number): number {
  let m = Math.max(32, Math.ceil(n));
  while (!isFastFftSize(m)) m++;
  return m;
}

/** Transforms rows of one length in the engine's heap. */
export interface RowTransform {
  /** Transforms `count` rows of `stride` floats from float index `first`, in place. */
  run(first: number, count: number, stride: number, direction: 0 | 1): void;
}

/** A WebAssembly FFT engine: one PFFFT instance with its own memory. Needs no permissions. */
export class FftEngine {
  readonly #module: PffftModule;
  readonly #setups = new Map<string, RowTransform>();
  #work = 0;
  #workFloats = 0;

  private constructor(module: PffftModule) {
    this.#module = module;
  }

  /**
   * Instantiates the WebAssembly module (one per thread): directly from the package's .wasm file
   * with a minimal runtime (lighter than the emscripten loader, which pulls in Node
   * compatibility), or through the emscripten loader if the file cannot be read.
   * Needs --allow-read of the package folder (node_modules or the npm cache).
   */
  static async create(): Promise<FftEngine> {
    try {
      return new FftEngine(await instantiateDirect());
    } catch {
      const module = await (PFFFT as unknown as () => Promise<PffftModule>)();
      return new FftEngine(module);
    }
  }

  /** The current heap as float32 (re-read after allocations: the memory may grow). */
  get heapF32(): Float32Array {
    return this.#module.HEAPF32;
  }

  /** Allocates `floats` float32 values (16-byte aligned); returns the float index. */
  allocate(floats: number): number {
    const pointer = this.#module._pffft_aligned_malloc(floats * 4);
    if (pointer === 0) throw new RangeError(`Cannot allocate ${floats * 4} bytes for the FFT`);
    return pointer >> 2;
  }

  /** Frees what {@linkcode allocate} returned. */
  free(index: number): void {
    this.#module._pffft_aligned_free(index << 2);
  }

  /**
   * Row transforms of length n: PFFFT itself for 2^a·3^b·5^c sizes (a ≥ 4 complex, a ≥ 5 real),
   * Bluestein's chirp-z algorithm on a PFFFT of a fast size otherwise (any n; even n for real).
   * Real rows use PFFFT's packed layout [F0, F(n/2), Re F1, Im F1, …].
   */
  setup(n: number, kind: "real" | "complex"): RowTransform {
    const key = `${kind}${n}`;
    let transform = this.#setups.get(key);
    if (transform === undefined) {
      if (isFastFftSize(n, kind === "real" ? 5 : 4)) transform = this.#native(n, kind);
      else if (kind === "complex") transform = new BluesteinRows(this, n);
      else transform = new RealViaComplexRows(this, n);
      this.#setups.set(key, transform);
    }
    return transform;
  }

  /** A raw PFFFT transform of a fast size. */
  nativeTransform(n: number, kind: "real" | "complex"): RowTransform {
    return this.setup(n, kind);
  }

  #native(n: number, kind: "real" | "complex"): RowTransform {
    const m = this.#module;
    const setup = m._pffft_new_setup(n, kind === "real" ? REAL : COMPLEX);
    if (this.#workFloats < 2 * n) {
      this.#work = this.allocate(2 * n);
      this.#workFloats = 2 * n;
    }
    return {
      run: (first, count, stride, direction) => {
        const work = this.#work << 2;
        let p = first << 2;
        const step = stride << 2;
        for (let r = 0; r < count; r++, p += step) {
          m._pffft_transform_ordered(setup, p, p, work, direction);
        }
      },
    };
  }
}

/** Complex rows of any length n by Bluestein's algorithm (chirp z) on a fast PFFFT of size m ≥ 2n − 1. */
class BluesteinRows implements RowTransform {
  readonly #engine: FftEngine;
  readonly #views: HeapViews;
  readonly #n: number;
  readonly #m: number;
  readonly #inner: RowTransform;
  readonly #buffer: number;
  /** Chirp exp(−iπk²/n), k < n. */
  readonly #chirp: Float64Array;
  /** FFT of the conjugate chirp (forward) and of the chirp (backward), scaled by 1/m. */
  readonly #kernels: [Float64Array, Float64Array];

  constructor(engine: FftEngine, n: number) {
    this.#engine = engine;
    this.#views = new HeapViews(engine);
    this.#n = n;
    this.#m = fastFftSize(2 * n - 1);
    this.#inner = engine.setup(this.#m, "complex");
    this.#buffer = engine.allocate(2 * this.#m);
    this.#chirp = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      const angle = -Math.PI * ((k * k) % (2 * n)) / n;
      this.#chirp[2 * k] = Math.cos(angle);
      this.#chirp[2 * k + 1] = Math.sin(angle);
    }
    const kernel = (sign: number): Float64Array => {
      const m = this.#m;
      const heap = this.#views.f32;
      const b = this.#buffer;
      heap.fill(0, b, b + 2 * m);
      for (let k = 0; k < n; k++) {
        // b[k] = b[m − k] = conj(chirp)^sign-adjusted: forward uses exp(+iπk²/n).
        const re = this.#chirp[2 * k]!, im = -sign * this.#chirp[2 * k + 1]!;
        heap[b + 2 * k] = re;
        heap[b + 2 * k + 1] = im;
        if (k > 0) {
          heap[b + 2 * (m - k)] = re;
          heap[b + 2 * (m - k) + 1] = im;
        }
      }
      this.#inner.run(b, 1, 2 * m, FORWARD);
      const out = new Float64Array(2 * m);
      const h = this.#views.f32;
      for (let i = 0; i < 2 * m; i++) out[i] = h[b + i]! / m;
      return out;
    };
    this.#kernels = [kernel(1), kernel(-1)];
  }

  run(first: number, count: number, stride: number, direction: 0 | 1): void {
    const n = this.#n, m = this.#m, b = this.#buffer;
    const chirp = this.#chirp;
    const sign = direction === FORWARD ? 1 : -1;
    const kernel = this.#kernels[direction]!;
    for (let r = 0; r < count; r++) {
      const heap = this.#views.f32;
      const row = first + r * stride;
      heap.fill(0, b, b + 2 * m);
      for (let k = 0; k < n; k++) {
        const xr = heap[row + 2 * k]!, xi = heap[row + 2 * k + 1]!;
        const cr = chirp[2 * k]!, ci = sign * chirp[2 * k + 1]!;
        heap[b + 2 * k] = xr * cr - xi * ci;
        heap[b + 2 * k + 1] = xr * ci + xi * cr;
      }
      this.#inner.run(b, 1, 2 * m, FORWARD);
      for (let k = 0; k < m; k++) {
        const ar = heap[b + 2 * k]!, ai = heap[b + 2 * k + 1]!;
        const kr = kernel[2 * k]!, ki = kernel[2 * k + 1]!;
        heap[b + 2 * k] = ar * kr - ai * ki;
        heap[b + 2 * k + 1] = ar * ki + ai * kr;
      }
      this.#inner.run(b, 1, 2 * m, BACKWARD);
      for (let k = 0; k < n; k++) {
        const yr = heap[b + 2 * k]!, yi = heap[b + 2 * k + 1]!;
        const cr = chirp[2 * k]!, ci = sign * chirp[2 * k + 1]!;
        heap[row + 2 * k] = yr * cr - yi * ci;
        heap[row + 2 * k + 1] = yr * ci + yi * cr;
      }
    }
    void this.#engine;
  }
}

/** Real rows of any even length through a complex transform, in PFFFT's packed real layout. */
class RealViaComplexRows implements RowTransform {
  readonly #views: HeapViews;
  readonly #n: number;
  readonly #complex: RowTransform;
  readonly #buffer: number;

  constructor(engine: FftEngine, n: number) {
    if (n % 2 !== 0) throw new RangeError(`Cannot make a real FFT of odd size ${n}`);
    this.#views = new HeapViews(engine);
    this.#n = n;
    this.#complex = engine.setup(n, "complex");
    this.#buffer = engine.allocate(2 * n);
  }

  run(first: number, count: number, stride: number, direction: 0 | 1): void {
    const n = this.#n, b = this.#buffer, half = n / 2;
    for (let r = 0; r < count; r++) {
      const heap = this.#views.f32;
      const row = first + r * stride;
      if (direction === FORWARD) {
        for (let k = 0; k < n; k++) {
          heap[b + 2 * k] = heap[row + k]!;
          heap[b + 2 * k + 1] = 0;
        }
        this.#complex.run(b, 1, 2 * n, FORWARD);
        const h = this.#views.f32;
        h[row] = h[b]!;
        h[row + 1] = h[b + 2 * half]!;
        for (let k = 1; k < half; k++) {
          h[row + 2 * k] = h[b + 2 * k]!;
          h[row + 2 * k + 1] = h[b + 2 * k + 1]!;
        }
      } else {
        heap[b] = heap[row]!;
        heap[b + 1] = 0;
        heap[b + 2 * half] = heap[row + 1]!;
        heap[b + 2 * half + 1] = 0;
        for (let k = 1; k < half; k++) {
          const re = heap[row + 2 * k]!, im = heap[row + 2 * k + 1]!;
          heap[b + 2 * k] = re;
          heap[b + 2 * k + 1] = im;
          heap[b + 2 * (n - k)] = re;
          heap[b + 2 * (n - k) + 1] = -im;
        }
        this.#complex.run(b, 1, 2 * n, BACKWARD);
        const h = this.#views.f32;
        for (let k = 0; k < n; k++) h[row + k] = h[b + 2 * k]!;
      }
    }
  }
}

const TILE = 16;

/**
 * Blocked transpose of a rows×cols matrix of complex float32 pairs (viewed as float64) from
 * `src` to `dst` (float64 indices).
 */
function transposeComplex(
  heap: Float64Array,
  src: number,
  dst: number,
  rows: number,
  cols: number,
): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        let s = src + r * cols + c0;
        let d = dst + c0 * rows + r;
        for (let c = c0; c < c1; c++) {
          heap[d] = heap[s]!;
          s++;
          d += rows;
        }
      }
    }
  }
}

/** Cached typed views of an engine's heap. */
class HeapViews {
  #buffer: ArrayBufferLike | undefined;
  #f32: Float32Array = new Float32Array(0);
  #f64: Float64Array = new Float64Array(0);
  constructor(readonly engine: FftEngine) {}
  #refresh(): void {
    const heap = this.engine.heapF32;
    if (heap.buffer !== this.#buffer) {
      this.#buffer = heap.buffer;
      this.#f32 = new Float32Array(heap.buffer as ArrayBuffer);
      this.#f64 = new Float64Array(heap.buffer as ArrayBuffer);
    }
  }
  get f32(): Float32Array {
    this.#refresh();
    return this.#f32;
  }
  get f64(): Float64Array {
    this.#refresh();
    return this.#f64;
  }
}

/**
 * A complex 2-D FFT of nx × ny (x fastest). `data` holds ny rows of nx interleaved complex values;
 * `spectrum` holds nx rows (kx) of ny complex values (ky). Needs no permissions.
 */
export class ComplexFft2d {
  readonly #views: HeapViews;
  readonly #rowSetup: RowTransform;
  readonly #colSetup: RowTransform;
  readonly #data: number;
  readonly #spectrum: number;

  readonly #owned: boolean;

  /**
   * A complex FFT with its own buffers, or living in `regions` (float indices of 2·nx·ny free
   * floats each, 16-byte aligned, e.g. parts of a larger FFT's buffer that is idle meanwhile).
   */
  constructor(
    readonly engine: FftEngine,
    readonly nx: number,
    readonly ny: number,
    regions?: { data: number; spectrum: number },
  ) {
    this.#rowSetup = engine.setup(nx, "complex");
    this.#colSetup = engine.setup(ny, "complex");
    this.#owned = regions === undefined;
    this.#data = regions?.data ?? engine.allocate(2 * nx * ny);
    this.#spectrum = regions?.spectrum ?? engine.allocate(2 * nx * ny);
    this.#views = new HeapViews(engine);
  }

  /** Float index of the spectrum buffer in the engine's heap (2·nx·ny floats, free between transforms). */
  get spectrumIndex(): number {
    return this.#spectrum;
  }

  /** Frees its own buffers (the object must not be used afterwards). */
  dispose(): void {
    if (!this.#owned) return;
    this.engine.free(this.#data);
    this.engine.free(this.#spectrum);
  }

  /** Real space: index 2·(y·nx + x) (+1 for the imaginary part). */
  get data(): Float32Array {
    return this.#views.f32.subarray(this.#data, this.#data + 2 * this.nx * this.ny);
  }

  /** Transposed spectrum: index 2·(kx·ny + ky) (+1). */
  get spectrum(): Float32Array {
    return this.#views.f32.subarray(this.#spectrum, this.#spectrum + 2 * this.nx * this.ny);
  }

  /** data → spectrum (data is overwritten). */
  forward(): void {
    const { nx, ny } = this;
    this.#rowSetup.run(this.#data, ny, 2 * nx, FORWARD);
    transposeComplex(this.#views.f64, this.#data >> 1, this.#spectrum >> 1, ny, nx);
    this.#colSetup.run(this.#spectrum, nx, 2 * ny, FORWARD);
  }

  /** spectrum → data, unnormalised (spectrum is overwritten). */
  inverse(): void {
    const { nx, ny } = this;
    this.#colSetup.run(this.#spectrum, nx, 2 * ny, BACKWARD);
    transposeComplex(this.#views.f64, this.#spectrum >> 1, this.#data >> 1, nx, ny);
    this.#rowSetup.run(this.#data, ny, 2 * nx, BACKWARD);
  }
}

/**
 * A real 2-D FFT of nx × ny (nx a multiple of 32). `data` holds ny rows of nx reals; `spectrum`
 * holds nx/2 rows (kx = 0 … nx/2 − 1) of ny complex values (ky), where row 0 packs the kx = 0
 * column as the real part and the kx = nx/2 column as the imaginary part (each of those two
 * columns being the spectrum of a real sequence). Needs no permissions.
 */
export class RealFft2d {
  readonly #views: HeapViews;
  readonly #rowSetup: RowTransform;
  readonly #colSetup: RowTransform;
  readonly #data: number;
  readonly #spectrum: number;
  /** nx/2. */
  readonly halfX: number;

  /**
   * A real FFT with its own buffers, or living in `region` (a float index of 2·nx·ny free floats,
   * e.g. a {@linkcode ComplexFft2d}'s spectrum buffer when the two are never used at once).
   */
  constructor(
    readonly engine: FftEngine,
    readonly nx: number,
    readonly ny: number,
    region?: number,
  ) {
    if (nx % 2 !== 0 || ny % 2 !== 0) {
      throw new RangeError(`Cannot make a real FFT of odd size ${nx}×${ny}`);
    }
    this.halfX = nx / 2;
    this.#rowSetup = engine.setup(nx, "real");
    this.#colSetup = engine.setup(ny, "complex");
    this.#data = region ?? engine.allocate(nx * ny);
    this.#spectrum = region === undefined ? engine.allocate(nx * ny) : region + nx * ny;
    this.#views = new HeapViews(engine);
  }

  /** Real space: index y·nx + x. */
  get data(): Float32Array {
    return this.#views.f32.subarray(this.#data, this.#data + this.nx * this.ny);
  }

  /** Packed transposed half spectrum: index 2·(kx·ny + ky) (+1), kx < nx/2. */
  get spectrum(): Float32Array {
    return this.#views.f32.subarray(this.#spectrum, this.#spectrum + this.nx * this.ny);
  }

  /**
   * data → spectrum (data is overwritten). Rows outside `firstRow` … `endRow` − 1 must be zero
   * (their transforms, zero, are skipped).
   */
  forward(firstRow = 0, endRow = this.ny): void {
    const { nx, ny, halfX } = this;
    this.#rowSetup.run(this.#data + firstRow * nx, endRow - firstRow, nx, FORWARD);
    transposeComplex(this.#views.f64, this.#data >> 1, this.#spectrum >> 1, ny, halfX);
    this.#colSetup.run(this.#spectrum, halfX, 2 * ny, FORWARD);
  }

  /**
   * spectrum → data, unnormalised (spectrum is overwritten); only rows `firstRow` … `endRow` − 1
   * of data are finished (the others hold intermediate values).
   */
  inverse(firstRow = 0, endRow = this.ny): void {
    const { nx, ny, halfX } = this;
    this.#colSetup.run(this.#spectrum, halfX, 2 * ny, BACKWARD);
    transposeComplex(this.#views.f64, this.#spectrum >> 1, this.#data >> 1, halfX, ny);
    this.#rowSetup.run(this.#data + firstRow * nx, endRow - firstRow, nx, BACKWARD);
  }
}

/**
 * A real function of the frequency indices that is even in each: values for kx = 0 … nx/2 and
 * ky = 0 … ny/2 (index kx·(ny/2 + 1) + ky); the value at (kx, ky) is that at
 * (min(kx, nx − kx), min(ky, ny − ky)).
 */
export interface EvenKernel {
  nx: number;
  ny: number;
  values: Float32Array | Float64Array;
}

/**
 * Makes an {@linkcode EvenKernel} from a function of the folded indices (in float32 with
 * `float32`). Needs no permissions.
 */
export function evenKernel(
  nx: number,
  ny: number,
  f: (kx: number, ky: number) => number,
  float32 = false,
): EvenKernel {
  const hx = Math.floor(nx / 2) + 1, hy = Math.floor(ny / 2) + 1;
  const values = float32 ? new Float32Array(hx * hy) : new Float64Array(hx * hy);
  for (let kx = 0; kx < hx; kx++) for (let ky = 0; ky < hy; ky++) values[kx * hy + ky] = f(kx, ky);
  return { nx, ny, values };
}

/**
 * An even real kernel given row by row: `fill` sets `row[ky]` (ky = 0 … ny/2) to K(kxFolded, ky),
 * kxFolded = min(kx, nx − kx). An object (one method for every kernel of a class) rather than a
 * closure, so that optimised callers keep one call target.
 */
export interface KernelRows {
  fill(kxFolded: number, row: Float32Array): void;
}

/** Rows of an {@linkcode EvenKernel} table. */
class TableRows implements KernelRows {
  constructor(readonly values: Float32Array | Float64Array, readonly hy: number) {}
  fill(kx: number, row: Float32Array): void {
    const v = this.values, hy = this.hy;
    for (let ky = 0; ky < hy; ky++) row[ky] = v[kx * hy + ky]!;
  }
}

/** Kernel rows of {@linkcode multiplyRealSpectrum} (grow-only; it is not re-entrant). */
let kernelRows = new Float32Array(0);

/**
 * Multiplies (or, with `accumulate`, adds the product into `target`) the packed spectrum of a
 * {@linkcode RealFft2d} by an even real kernel. `target` defaults to the spectrum itself.
 * Needs no permissions.
 */
export function multiplyRealSpectrum(
  fft: RealFft2d,
  kernel: EvenKernel | KernelRows,
  scale: number,
  target?: Float32Array,
  accumulate = false,
): void {
  const { nx, ny, halfX } = fft;
  const spec = fft.spectrum;
  const out = target ?? spec;
  const hy = Math.floor(ny / 2) + 1;
  const rows: KernelRows = "values" in kernel ? new TableRows(kernel.values, hy) : kernel;
  if (kernelRows.length < 2 * hy) kernelRows = new Float32Array(2 * hy);
  const row = kernelRows.subarray(0, hy), rowN = kernelRows.subarray(hy, 2 * hy);
  for (let kx = 1; kx < halfX; kx++) {
    rows.fill(kx, row);
    multiplyPlainRow(spec, out, 2 * kx * ny, ny, row, scale, accumulate);
  }
  rows.fill(0, row);
  rows.fill(nx / 2, rowN);
  multiplyPackedRow(spec, out, ny, row, rowN, scale, accumulate);
}

/**
 * Row kx (1 … nx/2 − 1, from float index `p0`) of a packed spectrum times its kernel row: plain
 * products, ky and ny − ky sharing a kernel value.
 */
function multiplyPlainRow(
  spec: Float32Array,
  out: Float32Array,
  p0: number,
  ny: number,
  row: Float32Array,
  scale: number,
  accumulate: boolean,
): void {
  for (let ky = 0; ky <= ny - ky; ky++) {
    const w = scale * row[ky]!;
    const p = p0 + 2 * ky, m = p0 + 2 * (ny - ky);
    if (accumulate) {
      out[p]! += spec[p]! * w;
      out[p + 1]! += spec[p + 1]! * w;
      if (ky !== 0 && ky !== ny - ky) {
        out[m]! += spec[m]! * w;
        out[m + 1]! += spec[m + 1]! * w;
      }
    } else {
      out[p] = spec[p]! * w;
      out[p + 1] = spec[p + 1]! * w;
      if (ky !== 0 && ky !== ny - ky) {
        out[m] = spec[m]! * w;
        out[m + 1] = spec[m + 1]! * w;
      }
    }
  }
}

/**
 * Row 0 of a packed spectrum, which packs kx = 0 (A) and kx = nx/2 (B) as Z = A + iB, times the
 * kernel rows K0 (`row`) and KN (`rowN`): Z'[k] = ½(K0 + KN)·Z[k] + ½(K0 − KN)·conj(Z[−k]).
 */
function multiplyPackedRow(
  spec: Float32Array,
  out: Float32Array,
  ny: number,
  row: Float32Array,
  rowN: Float32Array,
  scale: number,
  accumulate: boolean,
): void {
  for (let ky = 0; ky <= ny - ky; ky++) {
    const my = ky === 0 ? 0 : ny - ky;
    const k0 = scale * row[ky]!, kN = scale * rowN[ky]!;
    const plus = 0.5 * (k0 + kN), minus = 0.5 * (k0 - kN);
    const a = 2 * ky, b = 2 * my;
    const zr = spec[a]!, zi = spec[a + 1]!, wr = spec[b]!, wi = spec[b + 1]!;
    // Z'[ky] = plus·Z[ky] + minus·conj(Z[my]); Z'[my] = plus·Z[my] + minus·conj(Z[ky]).
    const ar = plus * zr + minus * wr, ai = plus * zi - minus * wi;
    const br = plus * wr + minus * zr, bi = plus * wi - minus * zi;
    if (accumulate) {
      out[a]! += ar;
      out[a + 1]! += ai;
      if (b !== a) {
        out[b]! += br;
        out[b + 1]! += bi;
      }
    } else {
      out[a] = ar;
      out[a + 1] = ai;
      if (b !== a) {
        out[b] = br;
        out[b + 1] = bi;
      }
    }
  }
}

/**
 * Projection of one particle map onto the wave-function grid (spec §3.7): the voxel planes most
 * perpendicular to the beam are sheared and bilinearly splatted into a 2-D accumulator in the map's
 * own (d0, d1) basis, weighted by the path length per voxel layer times the interaction constant
 * (so the result is the phase shift σ·∫V dz in radians, real part, and absorption, imaginary
 * part). The accumulator is then added to the wave-function grid by an area-weighted affine
 * resampling done as two 1-D passes.
 *
 * @module
 */

/** A particle's potential map, relative to the embedding ice (x fastest). */
export interface ParticleMap {
  nx: number;
  ny: number;
  nz: number;
  /** Voxel size, nm. */
  voxelSize: number;
  /** Real potential, V. */
  re: Float32Array;
  /** Imaginary (absorption) potential, V; `undefined` → `famp` applies. */
  im?: Float32Array;
  /** Amplitude contrast for maps without an imaginary part: V → (√(1−famp²) + i·famp)·V. */
  famp: number;
}

/** Whether a particle map has a non-zero imaginary part. Needs no permissions. */
export function mapAbsorbs(map: ParticleMap): boolean {
  return map.im !== undefined || map.famp !== 0;
}

/** The projected potential of one particle in its accumulator grid. */
export interface Projection {
  /** Accumulator size along its two axes. */
  p0: number;
  p1: number;
  /** σ·∫Re V dz, rad (index j1·p0 + j0). */
  re: Float32Array;
  /** σ·∫Im V dz. */
  im: Float32Array;
  /** Affine map from accumulator indices to grid indices: [a00, a01, a10, a11] (row-major). */
  a: [number, number, number, number];
  /** Translation of that map, grid index units. */
  t: [number, number];
}

/** The (shared, empty) accumulators of a geometry-only projection. */
const EMPTY = new Float32Array(0);

/** Reusable buffers for projections (grow-only). Needs no permissions. */
export class ProjectionScratch {
  re: Float32Array = new Float32Array(0);
  im: Float32Array = new Float32Array(0);
  midRe: Float64Array = new Float64Array(0);
  midIm: Float64Array = new Float64Array(0);
  column: Float64Array = new Float64Array(0);
  columnIm: Float64Array = new Float64Array(0);

  /** Zeroed views of `length` values of the accumulators. */
  accumulators(length: number): [Float32Array, Float32Array] {
    if (this.re.length < length) {
      this.re = new Float32Array(length);
      this.im = new Float32Array(length);
    }
    const re = this.re.subarray(0, length), im = this.im.subarray(0, length);
    re.fill(0);
    im.fill(0);
    return [re, im];
  }

  /** Zeroed views for the two resampling passes. */
  passes(mid: number, column: number): [Float64Array, Float64Array, Float64Array, Float64Array] {
    if (this.midRe.length < mid) {
      this.midRe = new Float64Array(mid);
      this.midIm = new Float64Array(mid);
    }
    if (this.column.length < column) {
      this.column = new Float64Array(column);
      this.columnIm = new Float64Array(column);
    }
    const a = this.midRe.subarray(0, mid), b = this.midIm.subarray(0, mid);
    a.fill(0);
    b.fill(0);
    return [a, b, this.column.subarray(0, column), this.columnIm.subarray(0, column)];
  }
}

/** How the map's voxel layers lie across the beam (spec §3.7). */
interface LayerShear {
  /** Map axes spanning the layers (d0, d1) and the axis most parallel to the beam (d2). */
  d0: number;
  d1: number;
  d2: number;
  /** Shift of a layer along d0 and d1 per voxel step along d2. */
  ds0: number;
  ds1: number;
}

/** The layer axes and shears of a map oriented by `m` (row-major 3×3). */
function layerShear(m: readonly number[]): LayerShear {
  let d2 = 0;
  for (let d = 1; d < 3; d++) if (Math.abs(m[6 + d]!) > Math.abs(m[6 + d2]!)) d2 = d;
  const d0 = d2 === 0 ? 1 : 0;
  const d1 = d2 === 2 ? 1 : 2;
  const ds0 = -m[6 + d0]! / m[6 + d2]!;
  const ds1 = -m[6 + d1]! / m[6 + d2]!;
  return { d0, d1, d2, ds0, ds1 };
}

/**
 * The accumulator's size (room for every sheared layer) and its affine placement on the grid,
 * centred at grid index (`cx`, `cy`): a projection with empty accumulators.
 */
function accumulatorPlacement(
  map: ParticleMap,
  m: readonly number[],
  sh: LayerShear,
  cx: number,
  cy: number,
  pixel: number,
): Projection {
  const n = [map.nx, map.ny, map.nz];
  const { d0, d1, d2, ds0, ds1 } = sh;
  const n0 = n[d0]!, n1 = n[d1]!, n2 = n[d2]!;
  const p0 = Math.ceil(n0 + n2 * Math.abs(ds0) + 1);
  const p1 = Math.ceil(n1 + n2 * Math.abs(ds1) + 1);
  const c0 = (p0 - 1) / 2, c1 = (p1 - 1) / 2;
  const scale = map.voxelSize / pixel;
  const a: [number, number, number, number] = [
    scale * m[d0]!,
    scale * m[d1]!,
    scale * m[3 + d0]!,
    scale * m[3 + d1]!,
  ];
  const t: [number, number] = [cx - a[0] * c0 - a[1] * c1, cy - a[2] * c0 - a[3] * c1];
  return { p0, p1, re: EMPTY, im: EMPTY, a, t };
}

/**
 * Splats every voxel layer of `map`, shifted by its shear, bilinearly into the accumulators
 * `re` and `im` (p0 wide, centred on the map), each voxel weighted by `weight`. Without an
 * imaginary map only `re` receives (zero voxels skipped).
 */
function splatLayers(
  map: ParticleMap,
  sh: LayerShear,
  p0: number,
  p1: number,
  weight: number,
  re: Float32Array,
  im: Float32Array,
): void {
  const n = [map.nx, map.ny, map.nz], stride = [1, map.nx, map.nx * map.ny];
  const { d0, d1, d2, ds0, ds1 } = sh;
  const n0 = n[d0]!, n1 = n[d1]!, n2 = n[d2]!;
  const c0 = (p0 - 1) / 2, c1 = (p1 - 1) / 2;
  const m0 = (n0 - 1) / 2, m1 = (n1 - 1) / 2, m2 = (n2 - 1) / 2;
  const src = map.re, srcIm = map.im;
  const st0 = stride[d0]!, st1 = stride[d1]!, st2 = stride[d2]!;
  for (let k = 0; k < n2; k++) {
    const s0 = c0 - m0 + (k - m2) * ds0;
    const s1 = c1 - m1 + (k - m2) * ds1;
    const f0 = Math.floor(s0), f1 = Math.floor(s1);
    const u0 = s0 - f0, u1 = s1 - f1;
    const w00 = weight * (1 - u0) * (1 - u1), w10 = weight * u0 * (1 - u1);
    const w01 = weight * (1 - u0) * u1, w11 = weight * u0 * u1;
    for (let i1 = 0; i1 < n1; i1++) {
      const row = (f1 + i1) * p0 + f0;
      let s = k * st2 + i1 * st1;
      for (let i0 = 0; i0 < n0; i0++, s += st0) {
        const v = src[s]!;
        const q = row + i0;
        if (srcIm === undefined) {
          if (v === 0) continue;
          re[q]! += w00 * v;
          re[q + 1]! += w10 * v;
          re[q + p0]! += w01 * v;
          re[q + p0 + 1]! += w11 * v;
        } else {
          const vi = srcIm[s]!;
          re[q]! += w00 * v;
          re[q + 1]! += w10 * v;
          re[q + p0]! += w01 * v;
          re[q + p0 + 1]! += w11 * v;
          im[q]! += w00 * vi;
          im[q + 1]! += w10 * vi;
          im[q + p0]! += w01 * vi;
          im[q + p0 + 1]! += w11 * vi;
        }
      }
    }
  }
}

/** Splits the projected real potential in `re` by amplitude contrast `famp` into `re` and `im`. */
function applyAmplitudeContrast(re: Float32Array, im: Float32Array, famp: number): void {
  const fr = Math.sqrt(1 - famp * famp), fi = famp;
  for (let i = 0; i < re.length; i++) {
    const v = re[i]!;
    re[i] = fr * v;
    im[i] = fi * v;
  }
}

/**
 * Projects `map`, oriented by `m` (row-major 3×3 map axes → microscope axes) and centred at grid
 * index (`cx`, `cy`), on a grid of pixel size `pixel` (nm), with interaction constant `sigma`
 * (rad/(V·nm)). With `scratch` the accumulators are views of its buffers (valid until its next
 * use); with `geometryOnly` they are empty (for the footprint). Needs no permissions.
 */
export function projectMap(
  map: ParticleMap,
  m: readonly number[],
  cx: number,
  cy: number,
  pixel: number,
  sigma: number,
  scratch?: ProjectionScratch,
  geometryOnly = false,
): Projection {
  const sh = layerShear(m);
  const placement = accumulatorPlacement(map, m, sh, cx, cy, pixel);
  if (geometryOnly) return placement;
  const { p0, p1, a, t } = placement;
  const [re, im] = scratch !== undefined
    ? scratch.accumulators(p0 * p1)
    : [new Float32Array(p0 * p1), new Float32Array(p0 * p1)];
  const weight = map.voxelSize * Math.sqrt(1 + sh.ds0 * sh.ds0 + sh.ds1 * sh.ds1) * sigma;
  splatLayers(map, sh, p0, p1, weight, re, im);
  if (map.im === undefined) applyAmplitudeContrast(re, im, map.famp);
  return { p0, p1, re, im, a, t };
}

/** Grid-index bounding box of a projection's accumulator. Needs no permissions. */
export function projectionBounds(
  p: Projection,
): { x0: number; x1: number; y0: number; y1: number } {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const j0 of [-0.5, p.p0 - 0.5]) {
    for (const j1 of [-0.5, p.p1 - 0.5]) {
      const x = p.a[0] * j0 + p.a[1] * j1 + p.t[0];
      const y = p.a[2] * j0 + p.a[3] * j1 + p.t[1];
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  // The two-pass resampling anchors lines at cell corners (see addProjection), which moves the
  // parallelogram by less than one pixel per axis.
  return { x0: x0 - 1, x1: x1 + 1, y0: y0 - 1, y1: y1 + 1 };
}

/**
 * Adds to `dest` (cells centred at integers 0 … dest.length − 1, width 1) the source cells
 * j = 0 … count − 1 (values `src[offset + j·step]`) covering [start + j·width, start + (j+1)·width]
 * (width may be negative), each weighted by its overlap with the destination cell: an
 * area-weighted box resampling. Needs no permissions.
 */
export function boxResampleAdd(
  src: ArrayLike<number>,
  offset: number,
  step: number,
  count: number,
  start: number,
  width: number,
  dest: Float32Array | Float64Array,
  destOffset: number,
  destStep: number,
  destCount: number,
): void {
  for (let j = 0; j < count; j++) {
    const v = src[offset + j * step]!;
    if (v === 0) continue;
    let lo = start + j * width, hi = lo + width;
    if (hi < lo) [lo, hi] = [hi, lo];
    let i = Math.max(0, Math.floor(lo + 0.5));
    const iEnd = Math.min(destCount - 1, Math.ceil(hi - 0.5));
    for (; i <= iEnd; i++) {
      const overlap = Math.min(hi, i + 0.5) - Math.max(lo, i - 0.5);
      if (overlap > 0) dest[destOffset + i * destStep]! += v * overlap;
    }
  }
}

/**
 * Rows touched in a grid: per row the smallest and largest column written (inclusive).
 * Needs no permissions.
 */
export class TouchedRows {
  first: Int32Array;
  last: Int32Array;
  any = false;
  constructor(public nx: number, public ny: number) {
    this.first = new Int32Array(ny).fill(nx);
    this.last = new Int32Array(ny).fill(-1);
  }
  /** Marks columns x0 … x1 of rows y0 … y1. */
  mark(x0: number, x1: number, y0: number, y1: number): void {
    for (let y = y0; y <= y1; y++) {
      if (x0 < this.first[y]!) this.first[y] = x0;
      if (x1 > this.last[y]!) this.last[y] = x1;
    }
    this.any = true;
  }
  /** Forgets every mark. */
  clear(): void {
    this.first.fill(this.nx, 0, this.ny);
    this.last.fill(-1, 0, this.ny);
    this.any = false;
  }
  /** Reuses the rows for a grid of nx × ny (the arrays grow only when ny exceeds them). */
  reset(nx: number, ny: number): void {
    if (this.first.length < ny) {
      this.first = new Int32Array(ny);
      this.last = new Int32Array(ny);
    }
    this.nx = nx;
    this.ny = ny;
    this.clear();
  }
}

/** The cells x0 ≤ x < x1, y0 ≤ y < y1 of a grid. */
export interface CellWindow {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * The plan of a projection's two 1-D resampling passes: first along source axis `s1` onto output
 * axis `o1`, then along the other source axis onto the other output axis; the affine
 * coefficients in that order, the source sizes and strides, and the destination cells
 * lo … hi (inclusive) along o1 and o2.
 */
interface TwoPassPlan {
  o1: number;
  s1: number;
  aFirst: number;
  aCross: number;
  bFirst: number;
  bCross: number;
  t1: number;
  t2: number;
  ns1: number;
  ns2: number;
  step1: number;
  step2: number;
  lo1: number;
  hi1: number;
  lo2: number;
  hi2: number;
}

/**
 * The pairing (o1, s1) of output and source axes with the smallest scale factors (spec §3.7);
 * `a[o·2 + s]` is the derivative of output axis o (0 = x, 1 = y) by source axis s (0 = j0, 1 = j1).
 */
function smallestScalePairing(a: readonly number[]): { o1: number; s1: number } {
  let s1 = 0, o1 = 0, best = Infinity;
  const det = a[0]! * a[3]! - a[1]! * a[2]!;
  for (let o = 0; o < 2; o++) {
    for (let s = 0; s < 2; s++) {
      const first = Math.abs(a[2 * o + s]!);
      // Its two scale factors are |a_first| and |det|/|a_first|: the larger one is minimised.
      const v = Math.max(first, Math.abs(det) / first);
      if (v < best) {
        best = v;
        s1 = s;
        o1 = o;
      }
    }
  }
  return { o1, s1 };
}

/**
 * The two-pass plan of `p` on a grid of nx × ny restricted to `window`; `undefined` when the
 * projection touches none of its cells.
 */
function twoPassPlan(
  p: Projection,
  nx: number,
  ny: number,
  window: CellWindow,
): TwoPassPlan | undefined {
  const { o1, s1 } = smallestScalePairing(p.a);
  const s2 = 1 - s1, o2 = 1 - o1;
  const aFirst = p.a[2 * o1 + s1]!, aCross = p.a[2 * o1 + s2]!;
  const bFirst = p.a[2 * o2 + s1]!, bCross = p.a[2 * o2 + s2]!;
  const t1 = p.t[o1]!, t2 = p.t[o2]!;
  // Destination cells along o1 and o2: [min, max).
  const xMin = Math.max(0, window.x0), xMax = Math.min(nx, window.x1);
  const yMin = Math.max(0, window.y0), yMax = Math.min(ny, window.y1);
  const min1 = o1 === 0 ? xMin : yMin, max1 = o1 === 0 ? xMax : yMax;
  const min2 = o1 === 0 ? yMin : xMin, max2 = o1 === 0 ? yMax : xMax;
  const ns1 = s1 === 0 ? p.p0 : p.p1; // source size along s1
  const ns2 = s1 === 0 ? p.p1 : p.p0;
  const step1 = s1 === 0 ? 1 : p.p0; // source stride along s1
  const step2 = s1 === 0 ? p.p0 : 1;
  const bounds = projectionBounds(p);
  const lo1 = Math.max(min1, Math.floor((o1 === 0 ? bounds.x0 : bounds.y0) + 0.5));
  const hi1 = Math.min(max1 - 1, Math.ceil((o1 === 0 ? bounds.x1 : bounds.y1) - 0.5));
  const lo2 = Math.max(min2, Math.floor((o1 === 0 ? bounds.y0 : bounds.x0) + 0.5));
  const hi2 = Math.min(max2 - 1, Math.ceil((o1 === 0 ? bounds.y1 : bounds.x1) - 0.5));
  if (lo1 > hi1 || lo2 > hi2) return undefined;
  return {
    o1,
    s1,
    aFirst,
    aCross,
    bFirst,
    bCross,
    t1,
    t2,
    ns1,
    ns2,
    step1,
    step2,
    lo1,
    hi1,
    lo2,
    hi2,
  };
}

/**
 * Pass 1: resamples every source line s2 of `p` along source axis s1 onto the integer o1
 * coordinates lo1 … lo1 + width1 − 1, into line j2 of `midRe` and `midIm`.
 */
function resampleSourceLines(
  p: Projection,
  plan: TwoPassPlan,
  width1: number,
  midRe: Float64Array,
  midIm: Float64Array,
): void {
  const { aFirst, aCross, t1, lo1, ns1, ns2, step1, step2 } = plan;
  for (let j2 = 0; j2 < ns2; j2++) {
    const start = aFirst * -0.5 + aCross * (j2 - 0.5) + t1 - lo1;
    boxResampleAdd(p.re, j2 * step2, step1, ns1, start, aFirst, midRe, j2 * width1, 1, width1);
    boxResampleAdd(p.im, j2 * step2, step1, ns1, start, aFirst, midIm, j2 * width1, 1, width1);
  }
}

/**
 * Pass 2: for each o1 column u (lower edge coord1 − ½) of the pass-1 lines, resamples along source
 * axis s2 onto the integer o2 coordinates lo2 … lo2 + width2 − 1 and adds the column to `grid`.
 */
function resampleColumnsIntoGrid(
  plan: TwoPassPlan,
  width1: number,
  width2: number,
  midRe: Float64Array,
  midIm: Float64Array,
  column: Float64Array,
  columnIm: Float64Array,
  grid: Float32Array,
  nx: number,
): void {
  const { o1, aFirst, aCross, bFirst, bCross, t1, t2, ns2, lo1, lo2 } = plan;
  const scale2 = bCross - bFirst * aCross / aFirst;
  for (let u = 0; u < width1; u++) {
    const coord1 = lo1 + u;
    const start = scale2 * -0.5 + bFirst * (coord1 - 0.5 - t1) / aFirst + t2 - lo2;
    column.fill(0);
    columnIm.fill(0);
    boxResampleAdd(midRe, u, width1, ns2, start, scale2, column, 0, 1, width2);
    boxResampleAdd(midIm, u, width1, ns2, start, scale2, columnIm, 0, 1, width2);
    for (let c = 0; c < width2; c++) {
      const c2 = lo2 + c;
      const x = o1 === 0 ? coord1 : c2, y = o1 === 0 ? c2 : coord1;
      const q = 2 * (y * nx + x);
      grid[q]! += column[c]!;
      grid[q + 1]! += columnIm[c]!;
    }
  }
}

/**
 * Adds a projection to the complex grid `grid` (nx × ny, interleaved, index 2·(y·nx + x)) by
 * two area-weighted 1-D passes (the pairing with the smallest scale factors), marking the
 * touched cells in `touched`. Only the cells inside `window` (default: the whole grid) receive
 * any: on a tile, the wave grid's own pixels, as a projection stops at the wave grid's edge.
 * Needs no permissions.
 */
export function addProjection(
  p: Projection,
  grid: Float32Array,
  nx: number,
  ny: number,
  touched: TouchedRows,
  scratch?: ProjectionScratch,
  window: CellWindow = { x0: 0, x1: nx, y0: 0, y1: ny },
): void {
  const plan = twoPassPlan(p, nx, ny, window);
  if (plan === undefined) return;
  const { o1, lo1, hi1, lo2, hi2 } = plan;
  const width1 = hi1 - lo1 + 1;
  // Each 1-D pass anchors a line at the lower corner of its first cell: the shear offset of a line
  // is taken at its lower edge (index − ½ across the line), not at its centre line. Measured on
  // TEM-Simulator's outputs (sweep, ghost_bead); spec §3.7 does not say it.
  const width2 = hi2 - lo2 + 1;
  const [midRe, midIm, column, columnIm] = (scratch ?? new ProjectionScratch()).passes(
    plan.ns2 * width1,
    width2,
  );
  resampleSourceLines(p, plan, width1, midRe, midIm);
  resampleColumnsIntoGrid(plan, width1, width2, midRe, midIm, column, columnIm, grid, nx);
  if (o1 === 0) touched.mark(lo1, hi1, lo2, hi2);
  else touched.mark(lo2, hi2, lo1, hi1);
}

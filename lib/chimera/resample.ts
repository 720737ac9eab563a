/**
 * The combine/resample core of `vop add` and `vop resample`: the bounding grid rule and fast
 * trilinear interpolation of one placed volume onto another grid, with Chimera's outside rule
 * (a point is inside only when `0 ≤ floor(u) ≤ n−2` on every axis, so the far faces of an
 * interpolated map contribute 0).
 *
 * @module
 */
import { invert, multiply, type Transform, type Vector3 } from "./transform.ts";
import type { VolumeGrid } from "./volume_grid.ts";

/** A volume's grid and its position (local → scene). */
export interface PlacedGrid {
  /** The data grid. */
  grid: VolumeGrid;
  /** Local → scene transform. */
  position: Transform;
}

/** A grid's geometry and position, without values. */
export interface PlacedGeometry {
  /** Grid points along x, y, z. */
  size: [number, number, number];
  /** Local coordinates of grid point 0,0,0 (Å). */
  origin: Vector3;
  /** Spacing along x, y, z (Å). */
  step: Vector3;
  /** Local → scene transform. */
  position: Transform;
}

/**
 * The index-space region of `gv`'s grid that bounds every input's voxel box (corners at
 * ijk −0.5 and n−0.5): `floor` of the minimum and `ceil` of the maximum per axis, not clamped.
 * Needs no permissions.
 */
export function boundingRegion(
  gv: PlacedGrid,
  inputs: readonly PlacedGrid[],
): { min: Vector3; max: Vector3 } {
  const toGv = invert(gv.position);
  const lo: Vector3 = [Infinity, Infinity, Infinity];
  const hi: Vector3 = [-Infinity, -Infinity, -Infinity];
  for (const input of inputs) {
    const m = multiply(toGv, input.position);
    const { size, origin, step } = input.grid;
    for (let corner = 0; corner < 8; corner++) {
      const local: Vector3 = [0, 0, 0];
      for (let a = 0; a < 3; a++) {
        const index = (corner >> a) & 1 ? size[a]! - 0.5 : -0.5;
        local[a] = origin[a]! + index * step[a]!;
      }
      for (let a = 0; a < 3; a++) {
        const q = m[4 * a]! * local[0] + m[4 * a + 1]! * local[1] + m[4 * a + 2]! * local[2] +
          m[4 * a + 3]!;
        const u = (q - gv.grid.origin[a]!) / gv.grid.step[a]!;
        if (u < lo[a]!) lo[a] = u;
        if (u > hi[a]!) hi[a] = u;
      }
    }
  }
  return {
    min: [Math.floor(lo[0]), Math.floor(lo[1]), Math.floor(lo[2])],
    max: [Math.ceil(hi[0]), Math.ceil(hi[1]), Math.ceil(hi[2])],
  };
}

/** `x` rounded to the nearest integer when within round-off of it. */
function snap(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) <= 1e-9 ? r : x;
}

/**
 * The affine map from `target` grid indices to `source` grid indices: `u = b + i·c0 + j·c1 +
 * k·c2`, returned as 12 numbers `[b, c0, c1, c2]` (each x,y,z). Entries within 1e-9 of an integer
 * are made exact, so aligned grids (the usual case: a map on a grid that shares its position)
 * land exactly on grid points and the outside rule decides as in exact arithmetic.
 * Needs no permissions.
 */
export function indexMap(target: PlacedGeometry, source: PlacedGeometry): Float64Array {
  const m = multiply(invert(source.position), target.position);
  const out = new Float64Array(12);
  for (let a = 0; a < 3; a++) {
    const r0 = m[4 * a]!, r1 = m[4 * a + 1]!, r2 = m[4 * a + 2]!, t = m[4 * a + 3]!;
    const o = target.origin;
    const local = r0 * o[0] + r1 * o[1] + r2 * o[2] + t;
    const inv = 1 / source.step[a]!;
    out[a] = (local - source.origin[a]!) * inv;
    out[3 + a] = r0 * target.step[0] * inv;
    out[6 + a] = r1 * target.step[1] * inv;
    out[9 + a] = r2 * target.step[2] * inv;
  }
  for (let i = 0; i < 12; i++) out[i] = snap(out[i]!);
  return out;
}

/** The i-interval of one row where `r + i·c` is inside `[0, n−1)`, before exact fix-up. */
function axisInterval(r: number, c: number, n: number, count: number): [number, number] {
  const top = n - 1;
  if (c === 0) return r >= 0 && r < top ? [0, count - 1] : [0, -1];
  if (c > 0) return [Math.ceil(-r / c), Math.ceil((top - r) / c) - 1];
  return [Math.floor((top - r) / c) + 1, Math.floor(-r / c)];
}

/**
 * What every target row of {@linkcode addInterpolated} shares: the source's values and layout,
 * the index map's step per target i, and the inside bounds `t = n − 1` (inside: `0 ≤ u < t`).
 */
interface RowSampler {
  /** Source values (x fastest). */
  src: Float32Array;
  /** Source grid points along x, y, z. */
  size: readonly [number, number, number];
  /** Source points per z-slice. */
  sxy: number;
  /** Source size − 1 along x, y, z. */
  tx: number;
  ty: number;
  tz: number;
  /** Target points per row. */
  NX: number;
  /** Source index change per target i, along x, y, z. */
  cix: number;
  ciy: number;
  ciz: number;
}

/**
 * Adds `scale ×` the trilinear interpolation of `source` at every grid point of `target` into
 * `out` (length = target voxel count, x fastest). Points outside `source` (Chimera's rule) add
 * nothing. No per-voxel allocation; each row's inside interval is solved up front, so the inner
 * loop has no bounds tests. Needs no permissions.
 */
export function addInterpolated(
  out: Float32Array,
  target: PlacedGeometry,
  source: PlacedGrid,
  scale = 1,
): void {
  const map = indexMap(target, { ...source.grid, position: source.position });
  const [NX, NY, NZ] = target.size;
  const [nx, ny, nz] = source.grid.size;
  const bx = map[0]!, by = map[1]!, bz = map[2]!;
  const cjx = map[6]!, cjy = map[7]!, cjz = map[8]!;
  const ckx = map[9]!, cky = map[10]!, ckz = map[11]!;
  const tx = nx - 1, ty = ny - 1, tz = nz - 1;
  if (tx < 1 || ty < 1 || tz < 1) return; // no cell: every point is outside
  if (isPureShift(map)) {
    addShifted(out, target.size, source.grid, [bx, by, bz], scale);
    return;
  }
  const s: RowSampler = {
    src: source.grid.data,
    size: source.grid.size,
    sxy: nx * ny,
    tx,
    ty,
    tz,
    NX,
    cix: map[3]!,
    ciy: map[4]!,
    ciz: map[5]!,
  };
  for (let k = 0; k < NZ; k++) {
    for (let j = 0; j < NY; j++) {
      const rx = bx + j * cjx + k * ckx;
      const ry = by + j * cjy + k * cky;
      const rz = bz + j * cjz + k * ckz;
      const row = insideInterval(s, rx, ry, rz);
      if (row === undefined) continue;
      addRow(out, (k * NY + j) * NX, row[0], row[1], s, rx, ry, rz, scale);
    }
  }
}

/** Whether the index map is the identity plus an integer shift (the aligned case). */
function isPureShift(map: Float64Array): boolean {
  return map[3] === 1 && map[4] === 0 && map[5] === 0 && map[6] === 0 && map[7] === 1 &&
    map[8] === 0 && map[9] === 0 && map[10] === 0 && map[11] === 1 &&
    Number.isInteger(map[0]) && Number.isInteger(map[1]) && Number.isInteger(map[2]);
}

/** Whether target point i of the row starting at source index (rx, ry, rz) is inside. */
function isInside(s: RowSampler, rx: number, ry: number, rz: number, i: number): boolean {
  const ux = rx + i * s.cix, uy = ry + i * s.ciy, uz = rz + i * s.ciz;
  return ux >= 0 && ux < s.tx && uy >= 0 && uy < s.ty && uz >= 0 && uz < s.tz;
}

/**
 * The i-interval of the row starting at source index (rx, ry, rz) whose points are inside, or
 * undefined when none is: solved per axis, then fixed up exactly with {@linkcode isInside} (the
 * inner loop's own arithmetic; monotone in i, so an interval).
 */
function insideInterval(
  s: RowSampler,
  rx: number,
  ry: number,
  rz: number,
): [number, number] | undefined {
  const NX = s.NX;
  const ix = axisInterval(rx, s.cix, s.size[0], NX);
  const iy = axisInterval(ry, s.ciy, s.size[1], NX);
  const iz = axisInterval(rz, s.ciz, s.size[2], NX);
  let lo = Math.max(0, ix[0], iy[0], iz[0]);
  let hi = Math.min(NX - 1, ix[1], iy[1], iz[1]);
  if (lo > hi) {
    // Each bound is exact to ±1, so a wider gap means no point is inside; else probe.
    if (lo - hi > 2) return undefined;
    let found = -1;
    for (let i = Math.max(0, hi - 1); i <= Math.min(NX - 1, lo + 1); i++) {
      if (isInside(s, rx, ry, rz, i)) {
        found = i;
        break;
      }
    }
    if (found < 0) return undefined;
    lo = hi = found;
  }
  while (lo <= hi && !isInside(s, rx, ry, rz, lo)) lo++;
  while (hi >= lo && !isInside(s, rx, ry, rz, hi)) hi--;
  if (lo > hi) return undefined;
  while (lo > 0 && isInside(s, rx, ry, rz, lo - 1)) lo--;
  while (hi < NX - 1 && isInside(s, rx, ry, rz, hi + 1)) hi++;
  return [lo, hi];
}

/**
 * Adds `scale ×` the trilinear interpolation at target points lo…hi of one output row (starting
 * at `out[rowStart]`, source index (rx, ry, rz) at i = 0); every point must be inside.
 */
function addRow(
  out: Float32Array,
  rowStart: number,
  lo: number,
  hi: number,
  s: RowSampler,
  rx: number,
  ry: number,
  rz: number,
  scale: number,
): void {
  const { src, sxy, cix, ciy, ciz } = s;
  const nx = s.size[0];
  let o = rowStart + lo;
  for (let i = lo; i <= hi; i++, o++) {
    const ux = rx + i * cix, uy = ry + i * ciy, uz = rz + i * ciz;
    const x0 = ux | 0, y0 = uy | 0, z0 = uz | 0;
    const fx = ux - x0, fy = uy - y0, fz = uz - z0;
    const p = z0 * sxy + y0 * nx + x0;
    const v000 = src[p]!, v100 = src[p + 1]!;
    const v010 = src[p + nx]!, v110 = src[p + nx + 1]!;
    const v001 = src[p + sxy]!, v101 = src[p + sxy + 1]!;
    const v011 = src[p + sxy + nx]!, v111 = src[p + sxy + nx + 1]!;
    const a00 = v000 + fx * (v100 - v000);
    const a10 = v010 + fx * (v110 - v010);
    const a01 = v001 + fx * (v101 - v001);
    const a11 = v011 + fx * (v111 - v011);
    const b0 = a00 + fy * (a10 - a00);
    const b1 = a01 + fy * (a11 - a01);
    out[o] = out[o]! + scale * (b0 + fz * (b1 - b0));
  }
}

/**
 * The aligned case of {@linkcode addInterpolated}: target index g maps to source index g + shift
 * exactly, so trilinear interpolation is the source value (points on the source's far faces are
 * outside by Chimera's rule). Needs no permissions.
 */
function addShifted(
  out: Float32Array,
  size: readonly [number, number, number],
  grid: VolumeGrid,
  shift: readonly [number, number, number],
  scale: number,
): void {
  const [NX, NY, NZ] = size;
  const [nx, ny, nz] = grid.size;
  const src = grid.data;
  // inside: 0 ≤ g + shift ≤ n − 2 on each axis
  const range = (n: number, s: number, count: number): [number, number] => [
    Math.max(0, -s),
    Math.min(count - 1, n - 2 - s),
  ];
  const [i0, i1] = range(nx, shift[0], NX);
  const [j0, j1] = range(ny, shift[1], NY);
  const [k0, k1] = range(nz, shift[2], NZ);
  if (i0 > i1) return;
  for (let k = k0; k <= k1; k++) {
    for (let j = j0; j <= j1; j++) {
      let o = (k * NY + j) * NX + i0;
      let p = ((k + shift[2]) * ny + j + shift[1]) * nx + i0 + shift[0];
      if (scale === 1) {
        for (let i = i0; i <= i1; i++, o++, p++) out[o] = out[o]! + src[p]!;
      } else {
        for (let i = i0; i <= i1; i++, o++, p++) out[o] = out[o]! + scale * src[p]!;
      }
    }
  }
}

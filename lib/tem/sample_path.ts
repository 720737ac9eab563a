/**
 * Path lengths of the beam through the ice and the support film (spec §3.4, "the exact rules"):
 * for every pixel of a grid, the lengths L_ice and L_supp of the straight ray (the beam direction)
 * through the ice of the hole, |z| ≤ zc + a·ρ²/2 inside the cylinder ρ < D/2, and through the
 * support slab |z| ≤ te/2 outside it, as TEM-Simulator 1.3 computes them: from the ray/cylinder
 * roots, with the ice surfaces' roots used only where the cylinder roots leave the slab, and no
 * check that the ray stays inside the ice between them (an approximation TEM-Simulator accepts at
 * high tilts, reproduced on purpose).
 *
 * @module
 */

/** The sample geometry, nm. */
export interface SampleGeometry {
  diameter: number;
  thicknessCenter: number;
  thicknessEdge: number;
  offsetX: number;
  offsetY: number;
}

/** A grid of pixel centres: pixel (i, j) at ((i − cx)·pixel, (j − cy)·pixel). */
export interface PixelGrid {
  nx: number;
  ny: number;
  /** nm. */
  pixel: number;
  cx: number;
  cy: number;
}

/** Ice-equivalent path lengths L = L_ice + ratio·L_support per pixel (index j·nx + i), nm. */
export interface PathLengths {
  /** L per pixel. */
  length: Float64Array;
  /** Smallest L. */
  lMin: number;
  /** Largest L over pixels whose support path is below 1 nm (−∞ if none). */
  lMax: number;
  /** Largest L over all pixels. */
  lTop: number;
  /** True when the beam was (nearly) parallel to the sample and the lengths were set to 0. */
  parallel: boolean;
}

/** Rays with |k|² below this are treated as perpendicular to the sample. */
const PERPENDICULAR_K2 = 1e-6;

/**
 * The root nearest 0 of A·z² + 2B·z + C = 0, as TEM-Simulator's `find_root` takes it: the closed
 * form (B/A)(√(1 − AC/B²) − 1), or its series −(C/2B)(1 + AC/(4B²)) when |AC| < 0.01·B² (which
 * also covers A = 0). NaN when there is no real root. Needs no permissions.
 */
export function rootNearestZero(A: number, B: number, C: number): number {
  const ac = A * C, b2 = B * B;
  if (Math.abs(ac) < 0.01 * b2) return -(C / (2 * B)) * (1 + ac / (4 * b2));
  return (B / A) * (Math.sqrt(1 - ac / b2) - 1);
}

/** The sample and the beam direction of a tilt, as the rays of its pixels see them. */
interface RayShape {
  /** Half the centre thickness zc and half the edge thickness zb, nm. */
  zc: number;
  zb: number;
  /** Squared hole radius r², nm². */
  r2: number;
  /** Curvature a = 2(zb − zc)/r² of the ice surfaces z = ±(zc + a·ρ²/2). */
  a: number;
  /** Lateral slope of the ray k = (k0, k1), |k|², and the length per unit of z √(1 + |k|²). */
  k0: number;
  k1: number;
  k2: number;
  stretch: number;
}

/** Smallest L, largest L, largest L with a support path below 1 nm, of one row. */
const rowRange = new Float64Array(3);

/**
 * L = L_ice + `ratio`·L_supp of the rays X(z) = (m0 + k0·z, m1 + k1·z, z) (sample frame, hole
 * centred at 0) with (m0, m1) = (x0 + i·dx, y0 + i·dy), i < n, into `out` from `base`; returns
 * {@linkcode rowRange}. A whole row per call: the rays' numbers stay unboxed in one loop.
 */
function rowPathLengths(
  shape: RayShape,
  x0: number,
  y0: number,
  dx: number,
  dy: number,
  n: number,
  ratio: number,
  out: Float64Array,
  base: number,
): Float64Array {
  const { zc, zb, r2, a, k0, k1, k2, stretch } = shape;
  let lMin = Infinity, lMax = -Infinity, lTop = -Infinity;
  for (let i = 0; i < n; i++) {
    const m0 = x0 + i * dx, m1 = y0 + i * dy;
    const t = m0 * m0 + m1 * m1;
    let ice: number, support: number;
    if (k2 < PERPENDICULAR_K2) {
      ice = t < r2 ? 2 * zc + a * t : 0;
      support = t < r2 ? 0 : 2 * zb;
    } else {
      const s = k0 * m0 + k1 * m1;
      const centre = -s / k2;
      const disc = centre * centre - (t - r2) / k2;
      const root = Math.sqrt(disc); // NaN when there is no real root
      const z1 = centre - root, z2 = centre + root;
      if (!(z2 >= -zb && z1 <= zb)) {
        // No real root (NaN), or the chord inside the cylinder misses the slab: support only.
        ice = 0;
        support = 2 * zb * stretch;
      } else {
        support = stretch * (Math.max(0, z1 + zb) + Math.max(0, zb - z2));
        const C = a * t + 2 * zc;
        const z3 = z1 >= -zb ? z1 : rootNearestZero(a * k2, a * s + 1, C);
        const z4 = z2 <= zb ? z2 : rootNearestZero(a * k2, a * s - 1, C);
        ice = stretch * (z4 - z3);
      }
    }
    const l = ice + ratio * support;
    out[base + i] = l;
    if (l < lMin) lMin = l;
    if (l > lTop) lTop = l;
    if (support < 1 && l > lMax) lMax = l;
  }
  rowRange[0] = lMin;
  rowRange[1] = lTop;
  rowRange[2] = lMax;
  return rowRange;
}

/**
 * Computes the ice-equivalent path length L = L_ice + `supportRatio`·L_support of the beam of a
 * tilt through every pixel: `rotation` P (row-major 3×3, sample → microscope) and shift (x0, y0)
 * nm, so a sample point X is at P·X + (x0, y0, 0). Computes rows `firstRow` … firstRow +
 * rowCount − 1 (default all) into `out` (nx·rowCount) if given. Needs no permissions.
 */
export function pathLengths(
  grid: PixelGrid,
  sample: SampleGeometry,
  rotation: readonly number[],
  shiftX: number,
  shiftY: number,
  supportRatio: number,
  out?: Float64Array,
  firstRow = 0,
  rowCount = grid.ny - firstRow,
): PathLengths {
  const { nx } = grid;
  const lengths = out ?? new Float64Array(nx * rowCount);
  const p = rotation;
  // The beam direction in the sample frame is the third row of P.
  const bz = p[8]!;
  if (Math.abs(bz) < 1e-3) {
    lengths.fill(0, 0, nx * rowCount);
    return { length: lengths, lMin: 0, lMax: 0, lTop: 0, parallel: true };
  }
  const shape = rayShape(p, sample);
  const { bx, by, ix, iy, jx, jy } = rayOrigins(grid, sample, p, shape, shiftX, shiftY);
  let lMin = Infinity, lMax = -Infinity, lTop = -Infinity;
  for (let j = firstRow; j < firstRow + rowCount; j++) {
    const base = (j - firstRow) * nx;
    const range = rowPathLengths(
      shape,
      bx + j * jx,
      by + j * jy,
      ix,
      iy,
      nx,
      supportRatio,
      lengths,
      base,
    );
    lMin = Math.min(lMin, range[0]!);
    lTop = Math.max(lTop, range[1]!);
    lMax = Math.max(lMax, range[2]!);
  }
  return { length: lengths, lMin, lMax, lTop, parallel: false };
}

/** The sample and the beam direction (third row of P, sample frame) as the rays see them. */
function rayShape(p: readonly number[], sample: SampleGeometry): RayShape {
  const bz = p[8]!;
  const k0 = p[6]! / bz, k1 = p[7]! / bz;
  const zc = sample.thicknessCenter / 2, zb = sample.thicknessEdge / 2;
  const r2 = sample.diameter * sample.diameter / 4;
  const k2 = k0 * k0 + k1 * k1;
  return { zc, zb, r2, a: 2 * (zb - zc) / r2, k0, k1, k2, stretch: Math.sqrt(1 + k2) };
}

/** Where the ray of pixel (i, j) meets z = 0 (hole centred at 0): (bx + i·ix + j·jx, by + …). */
interface RayOrigins {
  bx: number;
  by: number;
  ix: number;
  iy: number;
  jx: number;
  jy: number;
}

/**
 * The rays' lateral origins m = (u0 − k0·u2, u1 − k1·u2) with u = Pᵀ·(x − hx, y − hy, 0), (hx, hy)
 * the hole centre in microscope coordinates: affine in the pixel (i, j).
 */
function rayOrigins(
  grid: PixelGrid,
  sample: SampleGeometry,
  p: readonly number[],
  shape: RayShape,
  shiftX: number,
  shiftY: number,
): RayOrigins {
  const { pixel, cx, cy } = grid;
  const { k0, k1 } = shape;
  // Hole centre in microscope coordinates (its z component is not used).
  const hx = shiftX + p[0]! * sample.offsetX + p[1]! * sample.offsetY;
  const hy = shiftY + p[3]! * sample.offsetX + p[4]! * sample.offsetY;
  const lateral = (x: number, y: number): [number, number] => {
    const u0 = p[0]! * x + p[3]! * y, u1 = p[1]! * x + p[4]! * y, u2 = p[2]! * x + p[5]! * y;
    return [u0 - k0 * u2, u1 - k1 * u2];
  };
  const [bx, by] = lateral(-cx * pixel - hx, -cy * pixel - hy);
  const [ix, iy] = lateral(pixel, 0);
  const [jx, jy] = lateral(0, pixel);
  return { bx, by, ix, iy, jx, jy };
}

/**
 * Path lengths of the beam through the ice and the support film (spec §3.4): for every pixel of
 * a grid, the length of the straight ray (direction of the beam) inside the ice of the hole
 * (|Z| ≤ tc/2 + 2(te − tc)ρ²/D², ρ < D/2) and inside the support (|Z| ≤ te/2, ρ ≥ D/2), computed
 * from the ray/surface intersections.
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
  length: Float32Array;
  /** Smallest L. */
  lMin: number;
  /** Largest L over pixels whose support path is below 1 nm (−∞ if none). */
  lMax: number;
  /** Largest L over all pixels. */
  lTop: number;
  /** True when the beam was (nearly) parallel to the sample and the lengths were set to 0. */
  parallel: boolean;
}

/** Smallest root-free quadratic helper: roots of a·z² + b·z + c = 0 (0, 1 or 2), pushed to `out`. */
function pushRoots(a: number, b: number, c: number, out: number[]): void {
  if (a === 0) {
    if (b !== 0) out.push(-c / b);
    return;
  }
  const disc = b * b - 4 * a * c;
  if (disc < 0) return;
  const s = Math.sqrt(disc);
  const q = -0.5 * (b + (b >= 0 ? s : -s));
  if (q !== 0) out.push(c / q);
  out.push(q / a);
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
  out?: Float32Array,
  firstRow = 0,
  rowCount = grid.ny - firstRow,
): PathLengths {
  const { nx, ny, pixel, cx, cy } = grid;
  const ice = out ?? new Float32Array(nx * rowCount);
  // Ray direction in the sample frame: Pᵀ·e_z; origin of pixel (x, y): Pᵀ·(x − x0, y − y0, 0).
  const dx = rotation[6]!, dy = rotation[7]!, dz = rotation[8]!;
  if (Math.abs(dz) < 1e-3) {
    ice.fill(0);
    return { length: ice, lMin: 0, lMax: -Infinity, lTop: 0, parallel: true };
  }
  let lMin = Infinity, lMax = -Infinity, lTop = -Infinity;
  const R = sample.diameter / 2;
  const R2 = R * R;
  const tc = sample.thicknessCenter, te = sample.thicknessEdge;
  const kappa = R > 0 ? 2 * (te - tc) / (sample.diameter * sample.diameter) : 0;
  const zmax = Math.max(tc, te) / 2;
  const vx = dx / dz, vy = dy / dz; // lateral slope per unit Z
  const a = vx * vx + vy * vy;
  const stretch = Math.sqrt(1 + a); // path length per unit Z
  // Lateral position at Z = 0 of the ray through microscope pixel (x, y), relative to the hole.
  const lateral = (x: number, y: number): [number, number] => {
    const mx = x - shiftX, my = y - shiftY;
    const X0 = rotation[0]! * mx + rotation[3]! * my;
    const Y0 = rotation[1]! * mx + rotation[4]! * my;
    const Z0 = rotation[2]! * mx + rotation[5]! * my;
    return [X0 - Z0 * vx - sample.offsetX, Y0 - Z0 * vy - sample.offsetY];
  };
  // Fast path: every ray stays inside the hole within |Z| ≤ zmax.
  let maxRho2 = 0;
  for (const i of [0, nx - 1]) {
    for (const j of [0, ny - 1]) {
      const [px, py] = lateral((i - cx) * pixel, (j - cy) * pixel);
      for (const z of [-zmax, zmax]) {
        maxRho2 = Math.max(maxRho2, (px + z * vx) ** 2 + (py + z * vy) ** 2);
      }
    }
  }
  void ny;
  const [bx, by] = lateral(-cx * pixel, -cy * pixel);
  const [ix1, iy1] = lateral((1 - cx) * pixel, -cy * pixel);
  const [jx1, jy1] = lateral(-cx * pixel, (1 - cy) * pixel);
  const stepIx = ix1 - bx, stepIy = iy1 - by, stepJx = jx1 - bx, stepJy = jy1 - by;
  const fast = maxRho2 < R2 * (1 - 1e-9);
  const roots: number[] = [];
  const half = tc / 2;
  for (let j = firstRow; j < firstRow + rowCount; j++) {
    for (let i = 0; i < nx; i++) {
      const px = bx + i * stepIx + j * stepJx;
      const py = by + i * stepIy + j * stepJy;
      // ρ²(Z) = a·Z² + b·Z + c0
      const b = 2 * (px * vx + py * vy);
      const c0 = px * px + py * py;
      const k = (j - firstRow) * nx + i;
      if (fast) {
        let top: number, bottom: number;
        const C = half + kappa * c0;
        if (kappa === 0) {
          top = half;
          bottom = -half;
        } else {
          const bt = 1 - kappa * b, bb = 1 + kappa * b;
          const dt = bt * bt - 4 * kappa * a * C, db = bb * bb - 4 * kappa * a * C;
          if (dt < 0 || db < 0) {
            const l = generalIce(a, b, c0, R2, kappa, half, zmax, roots) * stretch;
            ice[k] = l;
            if (l < lMin) lMin = l;
            if (l > lMax) lMax = l;
            if (l > lTop) lTop = l;
            continue;
          }
          top = 2 * C / (bt + Math.sqrt(dt));
          bottom = -2 * C / (bb + Math.sqrt(db));
        }
        const l = Math.max(0, top - bottom) * stretch;
        ice[k] = l;
        if (l < lMin) lMin = l;
        if (l > lMax) lMax = l;
        if (l > lTop) lTop = l;
        continue;
      }
      roots.length = 0;
      roots.push(-zmax, zmax, te / 2, -te / 2);
      pushRoots(a, b, c0 - R2, roots);
      pushRoots(kappa * a, kappa * b - 1, half + kappa * c0, roots);
      pushRoots(kappa * a, kappa * b + 1, half + kappa * c0, roots);
      const zs = roots.filter((z) => z >= -zmax && z <= zmax).sort((u, v) => u - v);
      let li = 0, ls = 0;
      for (let r = 0; r + 1 < zs.length; r++) {
        const z0 = zs[r]!, z1 = zs[r + 1]!;
        if (z1 <= z0) continue;
        const zm = 0.5 * (z0 + z1);
        const rho2 = a * zm * zm + b * zm + c0;
        if (rho2 < R2) {
          if (Math.abs(zm) <= half + kappa * rho2) li += z1 - z0;
        } else if (Math.abs(zm) <= te / 2) ls += z1 - z0;
      }
      const l = (li + supportRatio * ls) * stretch;
      ice[k] = l;
      if (l < lMin) lMin = l;
      if (ls * stretch < 1 && l > lMax) lMax = l;
      if (l > lTop) lTop = l;
    }
  }
  return { length: ice, lMin, lMax, lTop, parallel: false };
}

/** Ice length along Z (not yet stretched) by the general breakpoint method. */
function generalIce(
  a: number,
  b: number,
  c0: number,
  R2: number,
  kappa: number,
  half: number,
  zmax: number,
  roots: number[],
): number {
  roots.length = 0;
  roots.push(-zmax, zmax);
  pushRoots(a, b, c0 - R2, roots);
  pushRoots(kappa * a, kappa * b - 1, half + kappa * c0, roots);
  pushRoots(kappa * a, kappa * b + 1, half + kappa * c0, roots);
  const zs = roots.filter((z) => z >= -zmax && z <= zmax).sort((u, v) => u - v);
  let li = 0;
  for (let r = 0; r + 1 < zs.length; r++) {
    const z0 = zs[r]!, z1 = zs[r + 1]!;
    const zm = 0.5 * (z0 + z1);
    const rho2 = a * zm * zm + b * zm + c0;
    if (rho2 < R2 && Math.abs(zm) <= half + kappa * rho2) li += z1 - z0;
  }
  return li;
}

/**
 * `molmap`: a density map from atoms as a sum of Gaussians weighted by atomic number
 * (Chimera 1 MoleculeMap): σ = sigmaFactor·resolution, a box cutoff of cutoffRange·σ, the
 * whole map times (2π)^−3/2·σ^−3, and a bounding grid anchored at min − padding.
 *
 * @module
 */
import type { Vector3 } from "./transform.ts";

/** A bounding grid for points. */
export interface MolmapGrid {
  /** Grid points along x, y, z. */
  size: [number, number, number];
  /** Local coordinates of grid point 0,0,0. */
  origin: Vector3;
  /** Spacing (cubic). */
  step: Vector3;
}

/**
 * Chimera 1's molmap bounding grid for local coordinates `xyz` (interleaved): origin = min − pad,
 * size = ceil((max − min + 2·pad)/step) per axis. Needs no permissions.
 */
export function molmapBoundingGrid(xyz: Float64Array, step: number, pad: number): MolmapGrid {
  const lo: Vector3 = [Infinity, Infinity, Infinity];
  const hi: Vector3 = [-Infinity, -Infinity, -Infinity];
  for (let p = 0; p < xyz.length; p += 3) {
    for (let a = 0; a < 3; a++) {
      const v = xyz[p + a]!;
      if (v < lo[a]!) lo[a] = v;
      if (v > hi[a]!) hi[a] = v;
    }
  }
  const size = [0, 1, 2].map((a) => Math.max(1, Math.ceil((hi[a]! - lo[a]! + 2 * pad) / step))) as [
    number,
    number,
    number,
  ];
  return { size, origin: [lo[0] - pad, lo[1] - pad, lo[2] - pad], step: [step, step, step] };
}

/**
 * Adds `Z·exp(−½|(ijk − c)/σ_ijk|²)` for every atom (index-space centre c) over the box
 * `ceil(c − r·σ_ijk) … floor(c + r·σ_ijk)` (clamped to the grid), then multiplies the whole map by
 * (2π)^−3/2·σ^−3. `xyz` are coordinates in the grid's local frame. Needs no permissions.
 */
export function sumOfGaussians(
  data: Float32Array,
  grid: MolmapGrid,
  xyz: Float64Array,
  weights: Uint8Array,
  sigma: number,
  cutoffRange: number,
): void {
  const [nx, ny, nz] = grid.size;
  const sx = sigma / grid.step[0], sy = sigma / grid.step[1], sz = sigma / grid.step[2];
  const wx = new Float64Array(nx), wy = new Float64Array(ny), wz = new Float64Array(nz);
  for (let atom = 0; atom < weights.length; atom++) {
    const z = weights[atom]!;
    if (z === 0) continue;
    const cx = (xyz[3 * atom]! - grid.origin[0]) / grid.step[0];
    const cy = (xyz[3 * atom + 1]! - grid.origin[1]) / grid.step[1];
    const cz = (xyz[3 * atom + 2]! - grid.origin[2]) / grid.step[2];
    const i0 = Math.max(0, Math.ceil(cx - cutoffRange * sx));
    const i1 = Math.min(nx - 1, Math.floor(cx + cutoffRange * sx));
    const j0 = Math.max(0, Math.ceil(cy - cutoffRange * sy));
    const j1 = Math.min(ny - 1, Math.floor(cy + cutoffRange * sy));
    const k0 = Math.max(0, Math.ceil(cz - cutoffRange * sz));
    const k1 = Math.min(nz - 1, Math.floor(cz + cutoffRange * sz));
    if (i0 > i1 || j0 > j1 || k0 > k1) continue;
    for (let i = i0; i <= i1; i++) wx[i] = Math.exp(-0.5 * ((i - cx) / sx) ** 2);
    for (let j = j0; j <= j1; j++) wy[j] = Math.exp(-0.5 * ((j - cy) / sy) ** 2);
    for (let k = k0; k <= k1; k++) wz[k] = z * Math.exp(-0.5 * ((k - cz) / sz) ** 2);
    for (let k = k0; k <= k1; k++) {
      const fk = wz[k]!;
      for (let j = j0; j <= j1; j++) {
        const fjk = fk * wy[j]!;
        let o = (k * ny + j) * nx + i0;
        for (let i = i0; i <= i1; i++, o++) data[o] = data[o]! + fjk * wx[i]!;
      }
    }
  }
  const normalization = Math.pow(2 * Math.PI, -1.5) * Math.pow(sigma, -3);
  for (let i = 0; i < data.length; i++) data[i] = data[i]! * normalization;
}

/**
 * The space a particle takes, by its own extent (not a bounding sphere): a voxel mask in the
 * particle's frame, made from its map (voxels above a threshold) or from its atoms, centred where
 * the imaging engine centres it (a map: its central voxel, `(n − 1) / 2`; an atomic model: the
 * centre of its atoms' bounding box). Placement uses a coarsened, dilated copy
 * ({@linkcode occupancyShape}).
 *
 * @module
 */
import { boundingBox } from "../geometry/mod.ts";

/** A voxel mask in a particle's frame. */
export interface ParticleShape {
  /** Edge of a voxel, nm. */
  voxelNm: number;
  /** Voxels along x, y, z. */
  dims: [number, number, number];
  /** The particle centre in voxel index units (voxel i spans i ± 0.5). */
  centre: [number, number, number];
  /** 1 where the particle is, x fastest. */
  mask: Uint8Array;
  /** Distance from the centre to the farthest corner of a set voxel, nm. */
  radiusNm: number;
  /** Volume of the set voxels, nm³. */
  volumeNm3: number;
}

/** The radius and volume of a mask (see {@linkcode ParticleShape}). Needs no permissions. */
export function measureShape(
  shape: Omit<ParticleShape, "radiusNm" | "volumeNm3">,
): Pick<ParticleShape, "radiusNm" | "volumeNm3"> {
  const [nx, ny] = shape.dims;
  const [cx, cy, cz] = shape.centre;
  let r2 = 0, count = 0;
  for (let i = 0; i < shape.mask.length; i++) {
    if (shape.mask[i] === 0) continue;
    count++;
    const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
    const dx = Math.abs(x - cx) + 0.5, dy = Math.abs(y - cy) + 0.5, dz = Math.abs(z - cz) + 0.5;
    r2 = Math.max(r2, dx * dx + dy * dy + dz * dz);
  }
  return { radiusNm: Math.sqrt(r2) * shape.voxelNm, volumeNm3: count * shape.voxelNm ** 3 };
}

/**
 * The shape of a map: voxels whose value is above `threshold` (default: 5 % of the map's
 * maximum), centred at the central voxel as the engine places maps. Throws a RangeError when no
 * voxel is above the threshold. Needs no permissions.
 */
export function shapeFromMap(
  data: Float32Array,
  dims: [number, number, number],
  voxelNm: number,
  threshold?: number,
): ParticleShape {
  let max = -Infinity;
  for (const v of data) if (v > max) max = v;
  const level = threshold ?? 0.05 * max;
  const mask = new Uint8Array(data.length);
  let any = false;
  for (let i = 0; i < data.length; i++) {
    if (data[i]! > level) {
      mask[i] = 1;
      any = true;
    }
  }
  if (!any || !(max > 0 || threshold !== undefined)) {
    throw new RangeError(`no voxel is above the threshold ${level}`);
  }
  const centre: [number, number, number] = [
    (dims[0] - 1) / 2,
    (dims[1] - 1) / 2,
    (dims[2] - 1) / 2,
  ];
  const base = { voxelNm, dims, centre, mask };
  return { ...base, ...measureShape(base) };
}

/**
 * The shape of an atomic model (coordinates in nm): every voxel of edge `voxelNm` that holds an
 * atom, centred at the atoms' bounding-box centre (as the engine centres a PDB's potential).
 * Throws a RangeError for a model without atoms. Needs no permissions.
 */
export function shapeFromAtoms(
  atoms: readonly { x: number; y: number; z: number }[],
  voxelNm: number,
): ParticleShape {
  if (atoms.length === 0) throw new RangeError("the model has no atoms");
  const { lo, hi } = boundingBox(atoms);
  const dims = [0, 1, 2].map((d) => Math.max(1, Math.ceil((hi[d]! - lo[d]!) / voxelNm) + 1)) as [
    number,
    number,
    number,
  ];
  // voxel i spans origin + (i ± 0.5)·voxel; the grid is centred on the bounding box
  const mid = [0, 1, 2].map((d) => (lo[d]! + hi[d]!) / 2);
  const centre = dims.map((n) => (n - 1) / 2) as [number, number, number];
  const mask = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (const a of atoms) {
    const c = [a.x, a.y, a.z];
    const index = [0, 1, 2].map((d) =>
      Math.min(dims[d]! - 1, Math.max(0, Math.round((c[d]! - mid[d]!) / voxelNm + centre[d]!)))
    );
    mask[index[0]! + dims[0] * (index[1]! + dims[1] * index[2]!)] = 1;
  }
  const base = { voxelNm, dims, centre, mask };
  return { ...base, ...measureShape(base) };
}

/**
 * A coarser copy of a shape: blocks of `factor`³ voxels, set when any voxel of the block is set
 * (so the coarse shape covers the fine one). Needs no permissions.
 */
export function coarsenShape(shape: ParticleShape, factor: number): ParticleShape {
  const k = Math.max(1, Math.floor(factor));
  if (k === 1) return shape;
  const [nx, ny, nz] = shape.dims;
  const dims: [number, number, number] = [Math.ceil(nx / k), Math.ceil(ny / k), Math.ceil(nz / k)];
  const mask = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const row = (z * ny + y) * nx;
      const out = (Math.floor(z / k) * dims[1] + Math.floor(y / k)) * dims[0];
      for (let x = 0; x < nx; x++) if (shape.mask[row + x] !== 0) mask[out + Math.floor(x / k)] = 1;
    }
  }
  // coarse voxel j covers fine voxels k·j … k·j + k − 1, centred at k·j + (k − 1) / 2
  const centre = shape.centre.map((c) => (c - (k - 1) / 2) / k) as [number, number, number];
  const base = { voxelNm: shape.voxelNm * k, dims, centre, mask };
  return { ...base, ...measureShape(base) };
}

/**
 * A shape grown by `radiusNm`: every voxel whose cube lies within `radiusNm` of a set voxel's
 * cube (tested conservatively: centre distance ≤ radius + one voxel diagonal). The grid is padded
 * so nothing is cut. Needs no permissions.
 */
export function dilateShape(shape: ParticleShape, radiusNm: number): ParticleShape {
  const v = shape.voxelNm;
  const reach = radiusNm / v + Math.sqrt(3);
  const pad = Math.ceil(reach);
  const [nx, ny, nz] = shape.dims;
  const dims: [number, number, number] = [nx + 2 * pad, ny + 2 * pad, nz + 2 * pad];
  const mask = new Uint8Array(dims[0] * dims[1] * dims[2]);
  const offsets: number[] = [];
  for (let dz = -pad; dz <= pad; dz++) {
    for (let dy = -pad; dy <= pad; dy++) {
      for (let dx = -pad; dx <= pad; dx++) {
        if (dx * dx + dy * dy + dz * dz <= reach * reach) {
          offsets.push(dx + dims[0] * (dy + dims[1] * dz));
        }
      }
    }
  }
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        if (shape.mask[x + nx * (y + ny * z)] === 0) continue;
        // Only surface voxels need the ball: an interior voxel's ball is covered by neighbours'.
        if (
          x > 0 && x < nx - 1 && y > 0 && y < ny - 1 && z > 0 && z < nz - 1 &&
          shape.mask[x - 1 + nx * (y + ny * z)] !== 0 &&
          shape.mask[x + 1 + nx * (y + ny * z)] !== 0 &&
          shape.mask[x + nx * (y - 1 + ny * z)] !== 0 &&
          shape.mask[x + nx * (y + 1 + ny * z)] !== 0 &&
          shape.mask[x + nx * (y + ny * (z - 1))] !== 0 &&
          shape.mask[x + nx * (y + ny * (z + 1))] !== 0
        ) {
          mask[x + pad + dims[0] * (y + pad + dims[1] * (z + pad))] = 1;
          continue;
        }
        const at = x + pad + dims[0] * (y + pad + dims[1] * (z + pad));
        for (const offset of offsets) mask[at + offset] = 1;
      }
    }
  }
  const centre = shape.centre.map((c) => c + pad) as [number, number, number];
  const base = { voxelNm: v, dims, centre, mask };
  return { ...base, ...measureShape(base) };
}

/**
 * Whether the point `q` (nm, particle frame, relative to the centre) lies in a set voxel.
 * Needs no permissions.
 */
export function shapeContains(shape: ParticleShape, qx: number, qy: number, qz: number): boolean {
  const inv = 1 / shape.voxelNm;
  const x = Math.round(qx * inv + shape.centre[0]);
  const y = Math.round(qy * inv + shape.centre[1]);
  const z = Math.round(qz * inv + shape.centre[2]);
  const [nx, ny, nz] = shape.dims;
  if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) return false;
  return shape.mask[x + nx * (y + ny * z)] !== 0;
}

/**
 * The shape placement tests against an occupancy grid of cell `cellNm`: coarsened to about half
 * a cell, then grown by half a cell diagonal plus half the wanted `gapNm` between surfaces, so
 * two particles whose grown shapes claim no common cell centre neither overlap nor come closer
 * than the gap. Needs no permissions.
 */
export function occupancyShape(shape: ParticleShape, cellNm: number, gapNm = 0): ParticleShape {
  const factor = Math.floor(cellNm / 2 / shape.voxelNm);
  return dilateShape(coarsenShape(shape, factor), (cellNm * Math.sqrt(3)) / 2 + gapNm / 2);
}

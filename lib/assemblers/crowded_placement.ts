/**
 * Crowded placement: particles of several classes at random positions in the ice around the
 * field of view, with orientations uniform over rotations, no two overlapping by their own
 * extent. An occupancy grid of cubic cells holds the cells each placed particle claims: the cells
 * whose centre lies in its grown shape ({@linkcode occupancyShape}); a candidate is kept when it
 * claims no claimed cell and all its cells lie in the ice. Two particles that claim disjoint
 * cells do not overlap (a shared point would put its cell's centre within half a cell diagonal
 * of both). Deterministic for a given random stream.
 *
 * @module
 */
import { particleRotation } from "../geometry/mod.ts";
import type { Triple } from "./assembler.ts";
import { occupancyShape, type ParticleShape } from "./particle_shape.ts";
import type { Random } from "./random.ts";
import {
  iceHalfThickness,
  iceVolumeInView,
  maxIceThickness,
  type SampleGeometry,
} from "./sample_geometry.ts";

/** One class to place. */
export interface PlacementClass {
  /** Class name (for messages). */
  name: string;
  /** Its shape in its own frame. */
  shape: ParticleShape;
  /** How many to place. */
  count: number;
}

/** Options of {@linkcode placeCrowded}. */
export interface PlacementOptions {
  /** Centres may lie this far beyond the field of view, nm (default 0). */
  marginNm?: number;
  /** Smallest distance between particle surfaces, nm (default 0). */
  gapNm?: number;
  /** Candidates tried per particle before giving up (default 20000). */
  maxAttempts?: number;
  /** Cell of the occupancy grid, nm (default: from the particle sizes; never finer than 64 Mi
   * cells allow). */
  cellNm?: number;
}

/** A placed particle. */
export interface PlacedParticle {
  /** Index into the classes. */
  classIndex: number;
  /** Centre, nm, sample frame. */
  position: Triple;
  /** Engine ZXZ (phi, theta, psi), degrees. */
  orientation: Triple;
}

/** The outcome of a placement. */
export interface Placement {
  /** The particles, class by class in the classes' order. */
  particles: PlacedParticle[];
  /** The occupancy cell used, nm. */
  cellNm: number;
  /** Candidates drawn in all. */
  candidates: number;
}

/** Thrown when the particles cannot be placed; the message is one line. */
export class CrowdingError extends Error {
  override name = "CrowdingError";
}

/** Largest number of occupancy cells (64 Mi, one byte each). */
const MAX_CELLS = 1 << 26;

/**
 * Largest fraction of the ice the particles may claim on the placement grid (each particle's
 * grown shape, {@linkcode occupancyShape}). Random sequential packings jam near 0.45; placement
 * slows down sharply before that.
 */
export const MAX_FILL_FRACTION = 0.4;

/**
 * The occupancy cell for these shapes: `requested`, else a fifth of the smallest radius, no finer
 * than a twelfth of the largest (speed); never finer than the grid size allows. Needs no
 * permissions.
 */
export function chooseCellNm(
  shapes: readonly ParticleShape[],
  geometry: SampleGeometry,
  marginNm = 0,
  requested?: number,
): number {
  const radii = shapes.map((shape) => shape.radiusNm);
  const smallest = Math.min(...radii), largest = Math.max(...radii);
  const [w, h] = geometry.fieldOfViewNm;
  const volume = (w + 2 * (marginNm + largest)) * (h + 2 * (marginNm + largest)) *
    maxIceThickness(geometry);
  const floor = Math.max(Math.cbrt(volume / MAX_CELLS), 0.05);
  return Math.max(requested ?? Math.max(smallest / 5, largest / 12), floor);
}

/**
 * Checks before anything is placed that the classes can fit: each class must fit in the ice
 * thickness, and together their grown shapes (what placement claims: the shape on the occupancy
 * grid, plus half the gap) may fill at most {@linkcode MAX_FILL_FRACTION} of the ice around the
 * field of view. Throws a {@linkcode CrowdingError} saying what does not fit and how many would.
 * Needs no permissions.
 */
export function checkCrowding(
  classes: readonly PlacementClass[],
  geometry: SampleGeometry,
  marginNm = 0,
  gapNm = 0,
  cellNm?: number,
): void {
  const active = classes.filter((c) => c.count > 0);
  if (active.length === 0) return;
  const thickness = maxIceThickness(geometry);
  for (const c of active) {
    const thinnest = Math.min(...c.shape.dims) * c.shape.voxelNm;
    if (thinnest > thickness) {
      throw new CrowdingError(
        `class "${c.name}" (at least ${thinnest.toFixed(1)} nm across) does not fit in ice ${
          thickness.toFixed(1)
        } nm thick`,
      );
    }
  }
  const ice = iceVolumeInView(geometry, marginNm);
  if (ice <= 0) {
    throw new CrowdingError("there is no ice in the field of view (check the sample's hole)");
  }
  const cell = chooseCellNm(active.map((c) => c.shape), geometry, marginNm, cellNm);
  const claimed = active.reduce(
    (sum, c) => sum + c.count * occupancyShape(c.shape, cell, gapNm).volumeNm3,
    0,
  );
  const filled = active.reduce((sum, c) => sum + c.count * c.shape.volumeNm3, 0);
  if (claimed > MAX_FILL_FRACTION * ice) {
    const share = active.map((c) => `${c.count} ${c.name}`).join(" + ");
    const scale = (MAX_FILL_FRACTION * ice) / claimed;
    const fits = active.map((c) => `${Math.floor(c.count * scale)} ${c.name}`).join(" + ");
    throw new CrowdingError(
      `${share} would fill ${(100 * filled / ice).toFixed(0)}% of the ${
        (ice / 1e6).toFixed(3)
      } µm³ of ice in view (${
        (100 * claimed / ice).toFixed(0)
      }% with the placement's clearance); at most ${
        (100 * MAX_FILL_FRACTION).toFixed(0)
      }% can be placed at random without overlaps: e.g. ${fits}`,
    );
  }
}

/** A uniformly random rotation as engine ZXZ angles (cos θ uniform). Needs no permissions. */
export function uniformOrientation(random: Random): Triple {
  const phi = random.uniformIn(0, 360);
  const theta = (Math.acos(random.uniformIn(-1, 1)) * 180) / Math.PI;
  const psi = random.uniformIn(0, 360);
  return [phi, theta, psi];
}

/** Grid of claimed cells over the placement box. */
class OccupancyGrid {
  readonly cell: number;
  readonly origin: Triple;
  readonly dims: Triple;
  readonly claimed: Uint8Array;

  constructor(cell: number, low: Triple, high: Triple) {
    this.cell = cell;
    this.origin = low;
    this.dims = [0, 1, 2].map((d) => Math.max(1, Math.ceil((high[d]! - low[d]!) / cell))) as Triple;
    this.claimed = new Uint8Array(this.dims[0] * this.dims[1] * this.dims[2]);
  }
}

/**
 * Places the classes (largest volume first, the output in the classes' order). Throws a
 * {@linkcode CrowdingError} when a particle finds no room after `maxAttempts` candidates.
 * Needs no permissions.
 */
export function placeCrowded(
  classes: readonly PlacementClass[],
  geometry: SampleGeometry,
  random: Random,
  options: PlacementOptions = {},
): Placement {
  const margin = options.marginNm ?? 0;
  const maxAttempts = options.maxAttempts ?? 20000;
  const active = classes.filter((c) => c.count > 0);
  if (active.length === 0) return { particles: [], cellNm: 0, candidates: 0 };
  const cell = chooseCellNm(active.map((c) => c.shape), geometry, margin, options.cellNm);
  const grown = classes.map((c) => occupancyShape(c.shape, cell, options.gapNm ?? 0));
  const reach = Math.max(...grown.map((shape) => shape.radiusNm));
  const [w, h] = geometry.fieldOfViewNm;
  const halfZ = maxIceThickness(geometry) / 2;
  const grid = new OccupancyGrid(
    cell,
    [-w / 2 - margin - reach, -h / 2 - margin - reach, -halfZ],
    [w / 2 + margin + reach, h / 2 + margin + reach, halfZ],
  );
  const scratch: number[] = [];
  const order = classes.map((_, i) => i).filter((i) => classes[i]!.count > 0)
    .sort((a, b) => classes[b]!.shape.volumeNm3 - classes[a]!.shape.volumeNm3 || a - b);
  const placed: PlacedParticle[][] = classes.map(() => []);
  let candidates = 0;
  for (const index of order) {
    const c = classes[index]!;
    const shape = grown[index]!;
    for (let k = 0; k < c.count; k++) {
      let done = false;
      for (let attempt = 0; attempt < maxAttempts && !done; attempt++) {
        candidates++;
        const x = random.uniformIn(-w / 2 - margin, w / 2 + margin);
        const y = random.uniformIn(-h / 2 - margin, h / 2 + margin);
        const z = random.uniformIn(-halfZ, halfZ);
        const orientation = uniformOrientation(random);
        if (Math.abs(z) > iceHalfThickness(geometry, x, y)) continue;
        if (!claimCells(grid, shape, geometry, [x, y, z], orientation, scratch)) continue;
        for (const at of scratch) grid.claimed[at] = 1;
        placed[index]!.push({ classIndex: index, position: [x, y, z], orientation });
        done = true;
      }
      if (!done) {
        throw new CrowdingError(
          `cannot place ${c.name} particle ${
            k + 1
          } of ${c.count}: no room found in ${maxAttempts} tries (${
            placed.reduce((n, list) => n + list.length, 0)
          } particles placed); lower the counts or concentrations`,
        );
      }
    }
  }
  return { particles: placed.flat(), cellNm: cell, candidates };
}

/**
 * Collects in `out` the cells a particle of `shape` at `position`, `orientation` claims; false
 * (early) when one is claimed already or lies outside the ice. Needs no permissions.
 */
function claimCells(
  grid: OccupancyGrid,
  shape: ParticleShape,
  geometry: SampleGeometry,
  position: Triple,
  orientation: Triple,
  out: number[],
): boolean {
  out.length = 0;
  const m = particleRotation(orientation[0], orientation[1], orientation[2]);
  const cell = grid.cell;
  const [nx, ny, nz] = grid.dims;
  const [ox, oy, oz] = grid.origin;
  const r = shape.radiusNm;
  const [sx, sy, sz] = shape.dims;
  const [cx, cy, cz] = shape.centre;
  const inv = 1 / shape.voxelNm;
  // the rotated map box (tighter than the bounding sphere for long or flat particles)
  const low = [0, 0, 0], high = [0, 0, 0];
  const v = shape.voxelNm;
  const box = [0, 1, 2].map((d) => [
    (-0.5 - shape.centre[d]!) * v,
    (shape.dims[d]! - 0.5 - shape.centre[d]!) * v,
  ]);
  for (let d = 0; d < 3; d++) {
    for (let e = 0; e < 3; e++) {
      const a = m[3 * d + e]! * box[e]![0]!, b = m[3 * d + e]! * box[e]![1]!;
      low[d]! += Math.min(a, b);
      high[d]! += Math.max(a, b);
    }
  }
  const lo = (d: number, o: number) =>
    Math.floor((position[d]! + Math.max(low[d]!, -r) - o) / cell);
  const hi = (d: number, o: number) =>
    Math.floor((position[d]! + Math.min(high[d]!, r) - o) / cell);
  const x0 = lo(0, ox), x1 = hi(0, ox);
  const y0 = lo(1, oy), y1 = hi(1, oy);
  const z0 = lo(2, oz), z1 = hi(2, oz);
  const r2 = r * r;
  for (let k = z0; k <= z1; k++) {
    const dz = oz + (k + 0.5) * cell - position[2];
    for (let j = y0; j <= y1; j++) {
      const dy = oy + (j + 0.5) * cell - position[1];
      for (let i = x0; i <= x1; i++) {
        const dx = ox + (i + 0.5) * cell - position[0];
        if (dx * dx + dy * dy + dz * dz > r2) continue;
        // particle frame: q = Mᵀ d (M maps particle axes to sample axes, row-major)
        const qx = Math.round((m[0] * dx + m[3] * dy + m[6] * dz) * inv + cx);
        const qy = Math.round((m[1] * dx + m[4] * dy + m[7] * dz) * inv + cy);
        const qz = Math.round((m[2] * dx + m[5] * dy + m[8] * dz) * inv + cz);
        if (qx < 0 || qy < 0 || qz < 0 || qx >= sx || qy >= sy || qz >= sz) continue;
        if (shape.mask[qx + sx * (qy + sy * qz)] === 0) continue;
        if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return false;
        const at = i + nx * (j + ny * k);
        if (grid.claimed[at] !== 0) return false;
        const px = position[0] + dx, py = position[1] + dy, pz = position[2] + dz;
        if (Math.abs(pz) > iceHalfThickness(geometry, px, py)) return false;
        out.push(at);
      }
    }
  }
  return out.length > 0;
}

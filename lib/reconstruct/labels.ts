/**
 * Label maps on a reconstruction's voxel grid (pure): every particle's own map, rotated and
 * placed as simulated (docs/conventions.md §2–3), thresholded at its class's iso-level. The
 * semantic map holds the class number, the instance map the particle number (both 0 for
 * background). Where particles overlap, the voxel goes to the particle whose map, relative to its
 * iso-level, is highest there. Computed slab by slab.
 *
 * @module
 */
import { apply3, type Mat3, particleRotation, transpose3 } from "../geometry/mod.ts";
import type { VolumeGrid } from "./grid.ts";

/** Default iso-level: this fraction of the map's maximum (see docs/reconstruct.md). */
export const DEFAULT_LABEL_LEVEL = 0.25;

/** One class's map. */
export interface LabelClass {
  /** 1-based class number (the value in the semantic map). */
  classNumber: number;
  /** The map: x fastest, `size.x`·`size.y`·`size.z`. */
  map: Float32Array;
  /** Map size in voxels. */
  size: { x: number; y: number; z: number };
  /** Map voxel size, nm. */
  voxelNm: number;
  /** Iso-level (map units): voxels at or above it belong to the particle. */
  level: number;
}

/** One particle as simulated. */
export interface LabelParticle {
  /** 1-based particle number (the value in the instance map). */
  id: number;
  /** Its class number. */
  classNumber: number;
  /** Centre, nm, sample frame. */
  x: number;
  /** nm */
  y: number;
  /** nm */
  z: number;
  /** Engine ZXZ angles, deg. */
  phi: number;
  /** deg */
  theta: number;
  /** deg */
  psi: number;
}

/** A particle prepared for painting. */
interface Placed {
  particle: LabelParticle;
  map: LabelClass;
  /** Sample → map axes (Rᵀ). */
  inverse: Mat3;
  /** Bounding radius, nm. */
  radius: number;
}

/** The iso-level `fraction`·max of a map. Needs no permissions. */
export function isoLevel(map: Float32Array, fraction = DEFAULT_LABEL_LEVEL): number {
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) if (map[i]! > max) max = map[i]!;
  return fraction * max;
}

/** Trilinear sample of a map at voxel coordinates (u, v, w); −Infinity outside. */
function sampleMap(c: LabelClass, u: number, v: number, w: number): number {
  const { x: nx, y: ny, z: nz } = c.size;
  if (u < 0 || v < 0 || w < 0 || u > nx - 1 || v > ny - 1 || w > nz - 1) return -Infinity;
  const i = Math.min(Math.floor(u), nx - 2 < 0 ? 0 : nx - 2);
  const j = Math.min(Math.floor(v), ny - 2 < 0 ? 0 : ny - 2);
  const k = Math.min(Math.floor(w), nz - 2 < 0 ? 0 : nz - 2);
  const fu = nx > 1 ? u - i : 0, fv = ny > 1 ? v - j : 0, fw = nz > 1 ? w - k : 0;
  const di = nx > 1 ? 1 : 0, dj = ny > 1 ? nx : 0, dk = nz > 1 ? nx * ny : 0;
  const m = c.map, o = i + nx * (j + ny * k);
  const c00 = m[o]! + fu * (m[o + di]! - m[o]!);
  const c10 = m[o + dj]! + fu * (m[o + dj + di]! - m[o + dj]!);
  const c01 = m[o + dk]! + fu * (m[o + dk + di]! - m[o + dk]!);
  const c11 = m[o + dk + dj]! + fu * (m[o + dk + dj + di]! - m[o + dk + dj]!);
  const c0 = c00 + fv * (c10 - c00), c1 = c01 + fv * (c11 - c01);
  return c0 + fw * (c1 - c0);
}

/**
 * Paints labels for particles of known classes. Use {@linkcode LabelPainter.paint} per slab.
 * Needs no permissions.
 */
export class LabelPainter {
  readonly #grid: VolumeGrid;
  readonly #placed: Placed[];

  /** Prepares `particles` (those whose class is not in `classes` are skipped). */
  constructor(grid: VolumeGrid, classes: LabelClass[], particles: LabelParticle[]) {
    this.#grid = grid;
    const byNumber = new Map(classes.map((c) => [c.classNumber, c]));
    this.#placed = [];
    for (const particle of particles) {
      const map = byNumber.get(particle.classNumber);
      if (map === undefined) continue;
      const { x, y, z } = map.size;
      this.#placed.push({
        particle,
        map,
        inverse: transpose3(particleRotation(particle.phi, particle.theta, particle.psi)),
        radius: 0.5 * map.voxelNm * Math.hypot(x - 1, y - 1, z - 1) + map.voxelNm,
      });
    }
  }

  /**
   * Paints z planes `first` … `first + count − 1`: returns the semantic (class number) and
   * instance (particle number) labels, grid.nx·grid.ny·count each, 0 = background.
   */
  paint(first: number, count: number): { semantic: Float32Array; instance: Float32Array } {
    const g = this.#grid, v = g.voxelNm, plane = g.nx * g.ny;
    const semantic = new Float32Array(plane * count);
    const instance = new Float32Array(plane * count);
    const best = new Float32Array(plane * count);
    for (const p of this.#placed) {
      const c = {
        x: p.particle.x / v + g.centre.x,
        y: p.particle.y / v + g.centre.y,
        z: p.particle.z / v + g.centre.z,
      };
      const r = p.radius / v;
      const k0 = Math.max(first, Math.ceil(c.z - r)),
        k1 = Math.min(first + count - 1, Math.floor(c.z + r));
      const j0 = Math.max(0, Math.ceil(c.y - r)), j1 = Math.min(g.ny - 1, Math.floor(c.y + r));
      const i0 = Math.max(0, Math.ceil(c.x - r)), i1 = Math.min(g.nx - 1, Math.floor(c.x + r));
      const m = p.map, mc = { x: (m.size.x - 1) / 2, y: (m.size.y - 1) / 2, z: (m.size.z - 1) / 2 };
      const scale = v / m.voxelNm;
      for (let k = k0; k <= k1; k++) {
        for (let j = j0; j <= j1; j++) {
          for (let i = i0; i <= i1; i++) {
            const [u, w, t] = apply3(p.inverse, [
              (i - c.x) * scale,
              (j - c.y) * scale,
              (k - c.z) * scale,
            ]);
            const value = sampleMap(m, u + mc.x, w + mc.y, t + mc.z);
            if (!(value >= m.level)) continue;
            const score = m.level > 0 ? value / m.level : value;
            const o = (k - first) * plane + j * g.nx + i;
            if (instance[o] !== 0 && score <= best[o]!) continue;
            best[o] = score;
            semantic[o] = m.classNumber;
            instance[o] = p.particle.id;
          }
        }
      }
    }
    return { semantic, instance };
  }
}

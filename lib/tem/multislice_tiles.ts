/**
 * Multislice on tiles (spec §3.6, a layout TEM-Simulator does not have): particles that hit the
 * wave function grouped into independent clusters, each propagated on a small tile whose FFTs are
 * cached; the whole grid is used when tiles do not pay or a particle crosses the grid's edge.
 *
 * @module
 */
import { ComplexFft2d, type FftEngine, ladderFftSize } from "./fft.ts";
import { mapAbsorbs, type ParticleMap, projectionBounds, projectMap } from "./projection.ts";
import { type ImagingSetup, INSTANCE_STRIDE, type TiltJob } from "./tilt_job.ts";

/** Pixels added around each particle footprint for a tile (beyond the Fresnel spread). */
const TILE_MARGIN = 12;
/** Smallest tile side. */
const MIN_TILE = 64;
/** Tile FFTs kept between tilts (also at most the size of one grid-size complex FFT in all). */
const MAX_CACHED_TILES = 6;
/** Relative cost of tile FFTs (small rows run slower per element) and of setting up a tile. */
const TILE_OVERHEAD = 2;

/** A particle of a tilt that hits the wave function (slice, footprint on the grid). */
export interface Hit {
  slice: number;
  absorbing: boolean;
  map: ParticleMap;
  /** Map axes → microscope axes, row-major. */
  orientation: number[];
  /** Grid index of the particle centre. */
  gx: number;
  gy: number;
  /** Grid pixel bounds of the footprint (inclusive, clipped). */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** An independent group of particles simulated on one tile. */
export interface Cluster {
  /** Grid pixel bounds (inclusive) of the region the tile's wave is written to. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  hits: Hit[];
  /** Tile FFT size. */
  tileX: number;
  tileY: number;
}

/**
 * The particles of a tilt that hit the wave function, with their slice and footprint (the voxels
 * are splatted when the multislice reaches the slice). Needs no permissions.
 */
export function particleHits(job: TiltJob, setup: ImagingSetup): Hit[] {
  const { nx, ny, pixel, cx, cy } = setup.wave;
  const dz = setup.sliceThickness;
  const hits: Hit[] = [];
  const p = job.particles;
  for (let o = 0; o < p.length; o += INSTANCE_STRIDE) {
    const map = setup.maps[p[o]!]!;
    const gx = p[o + 1]! / pixel + cx, gy = p[o + 2]! / pixel + cy;
    const radius = map.voxelSize * Math.hypot(map.nx, map.ny, map.nz) / (2 * pixel) + 2;
    if (
      gx + radius < -0.5 || gx - radius > nx - 0.5 || gy + radius < -0.5 || gy - radius > ny - 0.5
    ) {
      continue;
    }
    const m = Array.from(p.subarray(o + 4, o + 13));
    const b = projectionBounds(
      projectMap(map, m, gx, gy, pixel, setup.beam.interaction, undefined, true),
    );
    hits.push({
      slice: Math.round(p[o + 3]! / dz),
      absorbing: mapAbsorbs(map),
      map,
      orientation: m,
      gx,
      gy,
      x0: Math.max(0, Math.floor(b.x0 + 0.5)),
      x1: Math.min(nx - 1, Math.ceil(b.x1 - 0.5)),
      y0: Math.max(0, Math.floor(b.y0 + 0.5)),
      y1: Math.min(ny - 1, Math.ceil(b.y1 - 0.5)),
    });
  }
  return hits;
}

/**
 * Groups hits into independent tiles: footprints dilated by a margin that covers the Fresnel
 * spread over `depth` nm, grouped while they overlap. Returns undefined when the whole grid is
 * cheaper (or needed). Needs no permissions.
 */
export function clusterHits(
  hits: Hit[],
  setup: ImagingSetup,
  depth: number,
  sMax: number,
): Cluster[] | undefined {
  const { nx, ny, pixel } = setup.wave;
  const spread = depth * setup.beam.wavelength / (2 * pixel) / pixel;
  const margin = TILE_MARGIN + Math.ceil(spread);
  const clusters = overlappingGroups(hits, margin, nx, ny);
  const pairCost = (a: number, b: number) => a * b * Math.log2(a * b);
  let tileCost = 0;
  for (const c of clusters) {
    // A tile is periodic on its own. Where its region meets the grid's edge (a particle may be
    // cut there, as TEM-Simulator cuts it), the tile reaches a margin further, so that what
    // wraps around it lands outside the region written back (else a particle beyond the edge
    // would show up inside the image as a ghost); projections stop at the grid's edge.
    const edgeX = c.x0 === 0 || c.x1 === nx - 1 ? margin : 0;
    const edgeY = c.y0 === 0 || c.y1 === ny - 1 ? margin : 0;
    c.tileX = ladderFftSize(Math.max(MIN_TILE, c.x1 - c.x0 + 1 + edgeX));
    c.tileY = ladderFftSize(Math.max(MIN_TILE, c.y1 - c.y0 + 1 + edgeY));
    if (c.tileX >= nx || c.tileY >= ny) return undefined;
    c.hits.sort((a, b) => a.slice - b.slice);
    const slices = new Set(c.hits.map((hit) => hit.slice)).size;
    // Propagations: between the cluster's slices and on to the last slice of the tilt.
    tileCost += (slices - 1 + (c.hits[c.hits.length - 1]!.slice === sMax ? 0 : 1)) *
        pairCost(c.tileX, c.tileY) +
      c.tileX * c.tileY * TILE_OVERHEAD;
  }
  const globalSlices = new Set(hits.map((hit) => hit.slice)).size;
  const globalCost = (globalSlices - 1) * pairCost(nx, ny);
  if (setup.multislice !== "tiles" && tileCost * TILE_OVERHEAD >= globalCost) {
    return undefined;
  }
  return clusters;
}

/**
 * Connected groups of the hits' footprints dilated by `margin` (clipped to the nx × ny grid) that
 * overlap (union-find), in the order of their first hit; tile sizes not chosen yet.
 */
function overlappingGroups(hits: Hit[], margin: number, nx: number, ny: number): Cluster[] {
  const rects = hits.map((hit) => ({
    x0: Math.max(0, hit.x0 - margin),
    x1: Math.min(nx - 1, hit.x1 + margin),
    y0: Math.max(0, hit.y0 - margin),
    y1: Math.min(ny - 1, hit.y1 + margin),
  }));
  const parent = hits.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let i = 0; i < rects.length; i++) {
    const a = rects[i]!;
    for (let j = i + 1; j < rects.length; j++) {
      const b = rects[j]!;
      if (a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1) parent[root(j)] = root(i);
    }
  }
  const groups = new Map<number, Cluster>();
  for (let i = 0; i < hits.length; i++) {
    const r = rects[i]!;
    const key = root(i);
    const c = groups.get(key);
    if (c === undefined) {
      groups.set(key, { ...r, hits: [hits[i]!], tileX: 0, tileY: 0 });
    } else {
      c.x0 = Math.min(c.x0, r.x0);
      c.x1 = Math.max(c.x1, r.x1);
      c.y0 = Math.min(c.y0, r.y0);
      c.y1 = Math.max(c.y1, r.y1);
      c.hits.push(hits[i]!);
    }
  }
  return [...groups.values()];
}

/**
 * Complex FFTs of tiles, by size: in the grid FFT's spectrum buffer when they fit there, else
 * with buffers of their own (cached). Needs no permissions.
 */
export class TileFfts {
  readonly #engine: FftEngine;
  /** The grid's complex FFT (its spectrum buffer hosts small tiles). */
  readonly #grid: ComplexFft2d;
  /** Tile FFTs with their own buffers (tiles too large to live in the idle grid spectrum). */
  readonly #tiles = new Map<string, ComplexFft2d>();
  /** Tile FFTs living in the grid FFT's spectrum buffer (idle while tiles are propagated). */
  readonly #sharedTiles = new Map<string, ComplexFft2d>();

  constructor(engine: FftEngine, grid: ComplexFft2d) {
    this.#engine = engine;
    this.#grid = grid;
  }

  /**
   * A complex FFT for tiles of tw × th: in the grid FFT's spectrum buffer when it fits there
   * (that buffer is idle while tiles are propagated), else with buffers of its own (cached, the
   * least recently used ones freed).
   */
  get(tw: number, th: number): ComplexFft2d {
    const key = `${tw}x${th}`;
    const { nx, ny } = this.#grid;
    if (4 * tw * th <= 2 * nx * ny) {
      let shared = this.#sharedTiles.get(key);
      if (shared === undefined) {
        const region = this.#grid.spectrumIndex;
        shared = new ComplexFft2d(this.#engine, tw, th, {
          data: region,
          spectrum: region + 2 * tw * th,
        });
        this.#sharedTiles.set(key, shared);
      }
      return shared;
    }
    let fft = this.#tiles.get(key);
    if (fft === undefined) {
      fft = new ComplexFft2d(this.#engine, tw, th);
    } else {
      this.#tiles.delete(key);
    }
    this.#tiles.set(key, fft);
    const budget = 2 * nx * ny;
    const cachedFloats = () =>
      [...this.#tiles.values()].reduce((sum, t) => sum + 4 * t.nx * t.ny, 0);
    while (
      this.#tiles.size > 1 && (this.#tiles.size > MAX_CACHED_TILES || cachedFloats() > budget)
    ) {
      const [oldKey, old] = this.#tiles.entries().next().value!;
      this.#tiles.delete(oldKey);
      old.dispose();
    }
    return fft;
  }
}

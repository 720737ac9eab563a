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

/** A hit placed on a tile: tile pixel = grid pixel + (dx, dy). */
export interface PlacedHit {
  hit: Hit;
  dx: number;
  dy: number;
}

/**
 * Where a tile lies along one axis of the periodic grid: tile pixel t is grid pixel
 * (origin + t) mod n; the first `length` pixels are the region written back.
 */
export interface TileSpan {
  origin: number;
  length: number;
  /** FFT size along the axis (the grid's size n when the span is the whole period). */
  size: number;
}

/** An independent group of particles simulated on one tile. */
export interface Cluster {
  x: TileSpan;
  y: TileSpan;
  /** The cluster's hits, by slice, each with its place on the tile. */
  members: PlacedHit[];
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
 * spread over `depth` nm, grouped while they overlap on the periodic grid. Returns undefined when
 * the whole grid is cheaper (or needed). Needs no permissions.
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
  const pairCost = (a: number, b: number) => a * b * Math.log2(a * b);
  let tileCost = 0;
  const clusters: Cluster[] = [];
  for (const group of overlappingGroups(hits, margin, nx, ny)) {
    // The grid is periodic (its FFTs wrap) but projections are cut at its edge, as TEM-Simulator
    // cuts them. A group's tile spans its dilated footprints on the periodic grid, across the
    // edge where they reach past it: the wave a particle at the edge scatters past it lands on
    // the far side, as on the grid, not wrapped into the tile's own region (a ghost).
    const x = tileSpan(group.map((hit) => [hit.x0 - margin, hit.x1 + margin]), nx);
    const y = tileSpan(group.map((hit) => [hit.y0 - margin, hit.y1 + margin]), ny);
    if (x.size === nx && y.size === ny) return undefined;
    group.sort((a, b) => a.slice - b.slice);
    const members = group.map((hit) => ({
      hit,
      dx: placement(x, hit.x0 - margin, nx),
      dy: placement(y, hit.y0 - margin, ny),
    }));
    clusters.push({ x, y, members });
    const slices = new Set(group.map((hit) => hit.slice)).size;
    // Propagations: between the cluster's slices and on to the last slice of the tilt.
    tileCost += (slices - 1 + (group[group.length - 1]!.slice === sMax ? 0 : 1)) *
        pairCost(x.size, y.size) +
      x.size * y.size * TILE_OVERHEAD;
  }
  const globalSlices = new Set(hits.map((hit) => hit.slice)).size;
  const globalCost = (globalSlices - 1) * pairCost(nx, ny);
  if (setup.multislice !== "tiles" && tileCost * TILE_OVERHEAD >= globalCost) {
    return undefined;
  }
  return clusters;
}

/**
 * The span of a tile covering `intervals` (inclusive pixel ranges, possibly reaching past the
 * grid's edges) on a periodic axis of n pixels: the complement of the longest stretch they leave
 * uncovered, or the whole period when the tile would be as large. Needs no permissions.
 *
 * @example Footprints at both ends of a 128-pixel axis make one span across the edge:
 * ```ts
 * tileSpan([[-10, 20], [120, 140]], 128); // { origin: 118, length: 31, size: 64 }
 * ```
 */
export function tileSpan(intervals: [number, number][], n: number): TileSpan {
  const covered = new Uint8Array(n);
  for (const [a, b] of intervals) {
    if (b - a + 1 >= n) return { origin: 0, length: n, size: n };
    for (let i = a; i <= b; i++) covered[((i % n) + n) % n] = 1;
  }
  // The longest uncovered stretch, circularly (a stretch may run across the edge).
  let bestEnd = -1, bestLength = 0, run = 0;
  for (let i = 0; i < 2 * n; i++) {
    run = covered[i % n] ? 0 : run + 1;
    if (run > bestLength && run <= n) {
      bestLength = run;
      bestEnd = i;
    }
  }
  const length = n - bestLength;
  const size = ladderFftSize(Math.max(MIN_TILE, length));
  if (bestLength === 0 || size >= n) return { origin: 0, length: n, size: n };
  return { origin: (bestEnd + 1) % n, length, size };
}

/**
 * The shift from grid to tile pixels of a hit whose dilated footprint starts at grid pixel
 * `start` (possibly past the edge): the one that puts it inside the span.
 */
function placement(span: TileSpan, start: number, n: number): number {
  if (span.size === n) return 0;
  const at = (((start - span.origin) % n) + n) % n;
  return at - start;
}

/**
 * Where the first `length` tile pixels of a span from grid pixel `origin` go on a periodic axis of
 * n pixels: runs of consecutive pixels (two when the span crosses the grid's edge). Needs no
 * permissions.
 *
 * @example
 * ```ts
 * periodicRuns(118, 31, 128);
 * // [{ tile: 0, grid: 118, length: 10 }, { tile: 10, grid: 0, length: 21 }]
 * ```
 */
export function periodicRuns(origin: number, length: number, n: number): PeriodicRun[] {
  const first = Math.min(length, n - origin);
  const runs: PeriodicRun[] = [{ tile: 0, grid: origin, length: first }];
  if (first < length) runs.push({ tile: first, grid: 0, length: length - first });
  return runs;
}

/** A run of tile pixels along one axis and the grid pixels it goes to. */
export interface PeriodicRun {
  tile: number;
  grid: number;
  length: number;
}

/**
 * Whether [a0, a1] and [b0, b1] overlap on a circle of n pixels (the grid is periodic: a
 * footprint dilated past one edge reaches the other side).
 */
function overlapOnCircle(a0: number, a1: number, b0: number, b1: number, n: number): boolean {
  for (const shift of [0, -n, n]) {
    if (a0 + shift <= b1 && b0 <= a1 + shift) return true;
  }
  return false;
}

/**
 * Connected groups of the hits whose footprints, dilated by `margin`, overlap on the periodic
 * nx × ny grid (union-find), in the order of their first hit.
 */
function overlappingGroups(hits: Hit[], margin: number, nx: number, ny: number): Hit[][] {
  const parent = hits.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const m = 2 * margin;
  for (let i = 0; i < hits.length; i++) {
    const a = hits[i]!;
    for (let j = i + 1; j < hits.length; j++) {
      const b = hits[j]!;
      if (
        overlapOnCircle(a.x0, a.x1 + m, b.x0, b.x1 + m, nx) &&
        overlapOnCircle(a.y0, a.y1 + m, b.y0, b.y1 + m, ny)
      ) {
        parent[root(j)] = root(i);
      }
    }
  }
  const groups = new Map<number, Hit[]>();
  for (let i = 0; i < hits.length; i++) {
    const key = root(i);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [hits[i]!]);
    else group.push(hits[i]!);
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

/**
 * One streaming pass over an MRC file: statistics (whole file and per section), binned sections
 * for a tilt-series montage, and the central XY/XZ/YZ slices of a volume. Memory stays at a few
 * sections however large the file.
 *
 * @module
 */
import {
  type MrcHeader,
  readMrc,
  readMrcHeader,
  readMrcSections,
  readMrcTiltAngles,
} from "../mrc/mod.ts";
import { binFactorFor, binImage, type FloatImage, percentiles } from "./stretch.ts";

/** Statistics of a set of values (non-finite values are counted apart). */
export interface ValueStats {
  /** Finite values seen. */
  count: number;
  /** Non-finite values seen. */
  nonFinite: number;
  /** Minimum. */
  min: number;
  /** Maximum. */
  max: number;
  /** Mean. */
  mean: number;
  /** Standard deviation (population). */
  sd: number;
}

/** What to collect besides statistics. */
export interface ScanOptions {
  /** Collect every section binned so its longer side is ≤ this (tilt-series montage). */
  seriesTileSize?: number;
  /** Collect the central XY, XZ, YZ slices binned so the longest side is ≤ this (volume). */
  volumePanelSize?: number;
  /** Percentiles reported for the whole file (default 1 and 99). */
  percentiles?: [number, number];
}

/** The result of scanMrc. */
export interface MrcScan {
  /** The header. */
  header: MrcHeader;
  /** Tilt angles from the extended header, if any. */
  tiltAngles?: number[];
  /** Whole-file statistics. */
  stats: ValueStats;
  /** Whole-file percentiles (from ≤ ~262 144 strided samples). */
  percentiles?: { lowPct: number; highPct: number; low: number; high: number };
  /** Per-section statistics. */
  sections: ValueStats[];
  /** Binned sections (seriesTileSize). */
  tiles?: FloatImage[];
  /** Binning factor of the tiles. */
  tileBin?: number;
  /** Central slices (volumePanelSize), all binned by `sliceBin`. */
  slices?: {
    xy: FloatImage;
    xz: FloatImage;
    yz: FloatImage;
    at: { x: number; y: number; z: number };
  };
  /** Binning factor of the slices. */
  sliceBin?: number;
}

class Accumulator {
  count = 0;
  nonFinite = 0;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  sumSq = 0;
  add(values: Float32Array, from = 0, to = values.length): void {
    let min = this.min, max = this.max, sum = 0, sumSq = 0, count = 0, bad = 0;
    for (let i = from; i < to; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) {
        bad++;
        continue;
      }
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sumSq += v * v;
      count++;
    }
    this.min = min;
    this.max = max;
    this.sum += sum;
    this.sumSq += sumSq;
    this.count += count;
    this.nonFinite += bad;
  }
  result(): ValueStats {
    const n = this.count;
    const mean = n > 0 ? this.sum / n : NaN;
    const variance = n > 0 ? Math.max(0, this.sumSq / n - mean * mean) : NaN;
    return {
      count: n,
      nonFinite: this.nonFinite,
      min: n > 0 ? this.min : NaN,
      max: n > 0 ? this.max : NaN,
      mean,
      sd: Math.sqrt(variance),
    };
  }
}

/** Values per chunk read at once (~64 MB of float32). */
const CHUNK_VALUES = 16 * 1024 * 1024;

async function* sectionChunks(
  path: string,
  header: MrcHeader,
): AsyncGenerator<{ first: number; count: number; data: Float32Array }> {
  const perSection = header.nx * header.ny;
  if (header.maps !== 3) {
    // sections not along z on disk: decode the whole file once
    const volume = await readMrc(path);
    yield { first: 0, count: header.nz, data: volume.data };
    return;
  }
  const step = Math.max(1, Math.floor(CHUNK_VALUES / Math.max(1, perSection)));
  for (let first = 0; first < header.nz; first += step) {
    const count = Math.min(step, header.nz - first);
    yield { first, count, data: await readMrcSections(path, first, count) };
  }
}

/**
 * Reads `path` once and returns its header, statistics and the pictures' raw material asked for
 * in `options`. Throws EtsError kind "input" for unreadable files. Needs --allow-read on `path`.
 */
export async function scanMrc(path: string, options: ScanOptions = {}): Promise<MrcScan> {
  const header = await readMrcHeader(path);
  const tiltAngles = await readMrcTiltAngles(path);
  const { nx, ny, nz } = header;
  const perSection = nx * ny;
  const total = new Accumulator();
  const sections: ValueStats[] = [];
  const [lowPct, highPct] = options.percentiles ?? [1, 99];
  const sampleStride = Math.max(1, Math.floor((perSection * nz) / 262144));
  const samples: number[] = [];
  const tiles: FloatImage[] = [];
  const tileBin = options.seriesTileSize === undefined
    ? undefined
    : binFactorFor(nx, ny, options.seriesTileSize);
  const sliceBin = options.volumePanelSize === undefined
    ? undefined
    : binFactorFor(Math.max(nx, ny), nz, options.volumePanelSize);
  const at = { x: Math.floor(nx / 2), y: Math.floor(ny / 2), z: Math.floor(nz / 2) };
  const xz = sliceBin === undefined ? undefined : new Float32Array(nx * nz);
  const yz = sliceBin === undefined ? undefined : new Float32Array(ny * nz);
  let xy: Float32Array | undefined;
  for await (const chunk of sectionChunks(path, header)) {
    for (let s = 0; s < chunk.count; s++) {
      const z = chunk.first + s;
      const from = s * perSection, to = from + perSection;
      const acc = new Accumulator();
      acc.add(chunk.data, from, to);
      sections.push(acc.result());
      total.add(chunk.data, from, to);
      const globalFrom = z * perSection;
      let i = Math.ceil(globalFrom / sampleStride) * sampleStride - globalFrom;
      for (; i < perSection; i += sampleStride) {
        const v = chunk.data[from + i]!;
        if (Number.isFinite(v)) samples.push(v);
      }
      const section = chunk.data.subarray(from, to);
      if (tileBin !== undefined) {
        tiles.push(binImage({ width: nx, height: ny, data: section.slice() }, tileBin));
      }
      if (xz && yz) {
        xz.set(section.subarray(at.y * nx, at.y * nx + nx), z * nx);
        for (let y = 0; y < ny; y++) yz[z * ny + y] = section[y * nx + at.x]!;
        if (z === at.z) xy = section.slice();
      }
    }
  }
  const range = percentiles(Float32Array.from(samples), lowPct, highPct);
  const scan: MrcScan = {
    header,
    tiltAngles,
    stats: total.result(),
    percentiles: range && { lowPct, highPct, ...range },
    sections,
  };
  if (tileBin !== undefined) {
    scan.tiles = tiles;
    scan.tileBin = tileBin;
  }
  if (sliceBin !== undefined && xy && xz && yz) {
    scan.slices = {
      xy: binImage({ width: nx, height: ny, data: xy }, sliceBin),
      xz: binImage({ width: nx, height: nz, data: xz }, sliceBin),
      yz: binImage({ width: ny, height: nz, data: yz }, sliceBin),
      at,
    };
    scan.sliceBin = sliceBin;
  }
  return scan;
}

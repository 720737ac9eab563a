/**
 * Weighted back-projection of a tilt series into a tomogram, with bounded memory: the stack is
 * read section by section and binned on read, each binned image is R-weighted (ramp filter and
 * Gaussian roll-off, ramp_filter.ts), the filtered images are shared with Web Workers that
 * back-project z slabs, and the volume is written slab by slab (atomically). See
 * docs/reconstruct.md.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import { type MrcHeader, MrcSeriesWriter, readMrcHeader, readMrcSections } from "../mrc/mod.ts";
import { availableMemory } from "../platform/mod.ts";
import type { BackprojectionSetup, ProjectionTilt } from "./backproject.ts";
import { binImage, gridOriginAngst, type VolumeGrid, volumeGrid } from "./grid.ts";
import { DEFAULT_RADIAL_FILTER, LineFilter, type RadialFilter } from "./ramp_filter.ts";
import { backprojectSlabs, type Slab, slabRanges } from "./slab_pool.ts";
import {
  angularWeights,
  filterAlongY,
  type GeometryMode,
  loadTiltSource,
  type TiltSource,
} from "./tilt_source.ts";

/** Default thickness of a reconstruction, nm, when neither the user nor the stack says. */
export const DEFAULT_RECONSTRUCTION_THICKNESS_NM = 200;

/** Options of {@linkcode reconstructTiltSeries}. */
export interface ReconstructOptions {
  /** The tilt series (MRC). */
  input: string;
  /** The tomogram to write (MRC, written atomically). */
  output: string;
  /** Binning of the tilt images (≥ 1). Default 1. */
  bin?: number;
  /** Thickness of the volume, nm. Default 200. */
  thicknessNm?: number;
  /** The geometry: as simulated (default) or nominal. */
  geometry?: GeometryMode;
  /** The radial filter (default IMOD's 0.35, 0.035 cycles/pixel). */
  filter?: RadialFilter;
  /** Back-projection threads (Web Workers; 1 = this thread). Default: the cores, at most 2. */
  threads?: number;
  /** Refuse when the estimate exceeds this many bytes. Default: 80 % of the available memory. */
  memoryLimitBytes?: number;
  /** Called when each slab is written (planes done, planes in all). */
  onProgress?: (done: number, total: number) => void;
}

/** What a reconstruction produced. */
export interface Reconstruction {
  /** The volume grid (voxel size, centre). */
  grid: VolumeGrid;
  /** Where the geometry came from. */
  tiltSource: TiltSource;
  /** The input's header. */
  header: MrcHeader;
  /** Peak bytes the estimate allowed for. */
  estimatedBytes: number;
  /** Tilts back-projected. */
  tilts: number;
}

/** Bytes a reconstruction holds at its peak (images, a raw section, slabs in flight). */
export function reconstructionBytes(
  header: { nx: number; ny: number; nz: number },
  grid: VolumeGrid,
  planesPerSlab: number,
  threads: number,
): number {
  const images = grid.nx * grid.ny * header.nz * 4;
  const section = header.nx * header.ny * 4 * 3;
  const slabs = grid.nx * grid.ny * planesPerSlab * 4 * (2 * threads + 2);
  return images + section + slabs + 64 * 2 ** 20;
}

/** Planes per slab: about 16 MiB per slab, at least 4 slabs per thread when the volume allows. */
export function planesPerSlab(grid: VolumeGrid, threads: number): number {
  const byMemory = Math.max(1, Math.floor((16 * 2 ** 20) / (grid.nx * grid.ny * 4)));
  const byBalance = Math.max(1, Math.ceil(grid.nz / (4 * threads)));
  return Math.min(byMemory, byBalance);
}

function defaultThreads(): number {
  return Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1));
}

function checkOptions(o: ReconstructOptions): void {
  const bin = o.bin ?? 1;
  if (!Number.isInteger(bin) || bin < 1) {
    throw inputError(
      `Cannot reconstruct "${o.input}": --bin must be a positive integer, got ${bin}`,
    );
  }
  if (o.thicknessNm !== undefined && !(o.thicknessNm > 0 && Number.isFinite(o.thicknessNm))) {
    throw inputError(
      `Cannot reconstruct "${o.input}": the thickness must be a positive number of nm, got ${o.thicknessNm}`,
    );
  }
  const f = o.filter;
  if (f && !(f.cutoff > 0 && f.cutoff <= 0.5 && f.falloff > 0 && f.falloff <= 0.5)) {
    throw inputError(
      `Cannot reconstruct "${o.input}": the radial filter must have 0 < cutoff <= 0.5 and ` +
        `0 < falloff <= 0.5 cycles/pixel, got ${f.cutoff},${f.falloff}`,
    );
  }
}

/**
 * Reads, bins and R-weights every tilt of `input` into one buffer (shared when `shared`).
 * Needs --allow-read on `input`.
 */
async function filteredImages(
  input: string,
  header: MrcHeader,
  grid: VolumeGrid,
  alongY: boolean,
  filter: RadialFilter,
  shared: boolean,
): Promise<Float32Array> {
  const plane = grid.nx * grid.ny;
  const bytes = plane * header.nz * 4;
  const images = new Float32Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const lineFilter = new LineFilter(alongY ? grid.ny : grid.nx, filter);
  for (let t = 0; t < header.nz; t++) {
    const section = await readMrcSections(input, t, 1);
    const target = images.subarray(t * plane, (t + 1) * plane);
    binImage(section, header.nx, header.ny, grid.bin, target);
    lineFilter.filterImage(target, grid.nx, grid.ny, alongY);
  }
  return images;
}

/**
 * Reconstructs the tilt series `options.input` into `options.output` by weighted
 * back-projection. The output's header has the voxel size (pixel size × bin) and the origin that
 * puts the sample origin (tilt axis at the ice centre) at 0 Å. Throws an `input` EtsError (and
 * writes nothing) for a bad stack, missing geometry or a volume that would not fit in memory.
 * Needs --allow-read on the stack's folder, --allow-write on the output's folder, --allow-sys
 * (memory info; without it the memory check uses `memoryLimitBytes` only).
 */
export async function reconstructTiltSeries(options: ReconstructOptions): Promise<Reconstruction> {
  checkOptions(options);
  const header = await readTiltSeriesHeader(options);
  const bin = options.bin ?? 1;
  const source = await loadTiltSource(options.input, header, options.geometry ?? "simulated");
  const alongY = filterAlongY(source.tiltAxis, options.input);
  const apixNm = header.voxelSize.x / 10;
  const grid = volumeGrid(
    { nx: header.nx, ny: header.ny, apixNm },
    bin,
    options.thicknessNm ?? DEFAULT_RECONSTRUCTION_THICKNESS_NM,
  );
  const threads = Math.max(1, options.threads ?? defaultThreads());
  const perSlab = planesPerSlab(grid, threads);
  const estimate = reconstructionBytes(header, grid, perSlab, threads);
  checkMemory(options, header, grid, estimate);
  const pixel = apixNm * bin;
  const tilts = projectionTilts(source, pixel);
  const filter = options.filter ?? DEFAULT_RADIAL_FILTER;
  const images = await filteredImages(options.input, header, grid, alongY, filter, threads > 1);
  const writer = await createTomogramWriter(options, grid, pixel, filter);
  await writeTomogram(writer, { images, tilts, grid }, perSlab, threads, options);
  return { grid, tiltSource: source, header, estimatedBytes: estimate, tilts: header.nz };
}

/**
 * Reads the header of `options.input` and checks it is a tilt series (2 or more sections) of
 * images large enough for the binning. Needs --allow-read on the stack.
 */
async function readTiltSeriesHeader(options: ReconstructOptions): Promise<MrcHeader> {
  const header = await readMrcHeader(options.input);
  if (header.nz < 2) {
    throw inputError(
      `Cannot reconstruct "${options.input}": it has ${header.nz} section; a tilt series needs 2 or more`,
      { file: options.input },
    );
  }
  const bin = options.bin ?? 1;
  if (header.nx < bin * 2 || header.ny < bin * 2) {
    throw inputError(
      `Cannot reconstruct "${options.input}": ${header.nx}x${header.ny} images are too small for --bin ${bin}`,
    );
  }
  return header;
}

/**
 * Refuses a reconstruction whose `estimate` (bytes) exceeds `options.memoryLimitBytes`, or by
 * default 80 % of the available memory. Needs --allow-sys for the memory info (else no limit).
 */
function checkMemory(
  options: ReconstructOptions,
  header: MrcHeader,
  grid: VolumeGrid,
  estimate: number,
): void {
  const available = availableMemory();
  const limit = options.memoryLimitBytes ?? (available === undefined ? Infinity : available * 0.8);
  if (estimate > limit) {
    const gib = (b: number) => (b / 2 ** 30).toFixed(1);
    throw inputError(
      `Cannot reconstruct "${options.input}": a ${grid.nx}x${grid.ny}x${grid.nz} volume from ` +
        `${header.nz} tilts needs about ${gib(estimate)} GiB, ${gib(limit)} GiB allowed; ` +
        "use a larger --bin or a smaller --thickness",
      { file: options.input },
    );
  }
}

/**
 * The back-projection geometry of every tilt: its matrix, its shift in binned pixels of
 * `pixel` nm and its angular weight.
 */
function projectionTilts(source: TiltSource, pixel: number): ProjectionTilt[] {
  const weights = angularWeights(source.tilts.map((t) => t.angle));
  return source.tilts.map((t, i) => ({
    matrix: t.matrix,
    shiftX: t.shiftXNm / pixel,
    shiftY: t.shiftYNm / pixel,
    weight: weights[i]!,
  }));
}

/**
 * Opens the tomogram `options.output` for writing plane by plane (atomically): voxel size
 * `pixel` nm, the sample origin at 0 Å, labels naming the input, binning, geometry and filter.
 * Needs --allow-write on the output's folder.
 */
function createTomogramWriter(
  options: ReconstructOptions,
  grid: VolumeGrid,
  pixel: number,
  filter: RadialFilter,
): Promise<MrcSeriesWriter> {
  const origin = gridOriginAngst(grid);
  return MrcSeriesWriter.create(options.output, grid.nx, grid.ny, {
    voxelSize: pixel * 10,
    origin,
    imageStack: false,
    labels: [
      `ets reconstruct: WBP of ${options.input.slice(options.input.lastIndexOf("/") + 1)}`.slice(
        0,
        80,
      ),
      `bin ${options.bin ?? 1}, ${
        options.geometry ?? "simulated"
      } geometry, radial ${filter.cutoff},${filter.falloff}`,
    ],
  });
}

/**
 * Back-projects the volume slab by slab (`perSlab` planes, `threads` threads) and appends each
 * slab's planes to `writer` in z order, reporting progress to `options.onProgress`; closes the
 * writer at the end, aborts it (nothing written) on any error.
 */
async function writeTomogram(
  writer: MrcSeriesWriter,
  setup: BackprojectionSetup,
  perSlab: number,
  threads: number,
  options: ReconstructOptions,
): Promise<void> {
  const grid = setup.grid;
  try {
    await backprojectSlabs(
      setup,
      slabRanges(grid.nz, perSlab),
      threads,
      async (slab: Slab) => {
        const plane = grid.nx * grid.ny;
        for (let k = 0; k < slab.count; k++) {
          await writer.append(slab.data.subarray(k * plane, (k + 1) * plane));
        }
        options.onProgress?.(slab.first + slab.count, grid.nz);
      },
    );
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/**
 * A stack's outputs: the engine's tilt series rewritten as standard MRC2014 files with voxel size
 * apix·10 Å and the nominal tilt angles kept (ETSimulations' scale_mrc, which lost them), section
 * by section so large series never sit in memory whole; and the checks `--resume` uses to keep a
 * stack only when its files are complete.
 *
 * @module
 */
import {
  canReheader,
  MrcSeriesWriter,
  readMrcHeader,
  readMrcSections,
  readMrcTiltAngles,
  reheaderMrcSeries,
} from "../mrc/mod.ts";
import { tempPathFor } from "../platform/mod.ts";

/** The shape a tilt series must have. */
export interface SeriesShape {
  /** Detector width. */
  nx: number;
  /** Detector height. */
  ny: number;
  /** Number of tilts. */
  nz: number;
}

/** Options of {@linkcode rewriteTiltSeries}. */
export interface RewriteOptions {
  /** Pixel size in nm (written as apix·10 Å). */
  apix: number;
  /** The shape the engine had to write. */
  expected: SeriesShape;
  /** Nominal tilt angles to use when the file carries none. */
  tiltAngles: number[];
  /** The file's label. */
  label: string;
  /** The nominal tilt axis (deg from x), recorded as IMOD's "Tilt axis rotation angle". */
  tiltAxis?: number;
}

/** The labels of a rewritten series: its label and, when known, IMOD's tilt-axis label. */
function seriesLabels(options: RewriteOptions): string[] {
  if (options.tiltAxis === undefined || !Number.isFinite(options.tiltAxis)) return [options.label];
  return [options.label, `Tilt axis rotation angle = ${(options.tiltAxis - 90).toFixed(2)}`];
}

/**
 * Rewrites the engine's tilt series `source` as `dest` (atomic). Throws an Error naming the
 * problem when the source is not the expected shape. Returns the tilt angles written.
 * A source that is already standard MRC2014 with our extended header (the embedded engine's) is
 * moved and re-headed in place, the same bytes as a copy without reading its data; any other
 * (a real TEM-Simulator's) is copied section by section. `source` is consumed either way.
 * Needs --allow-read and --allow-write on `source` and on the folder of `dest`.
 */
export async function rewriteTiltSeries(
  source: string,
  dest: string,
  options: RewriteOptions,
): Promise<number[]> {
  const header = await readMrcHeader(source);
  const { nx, ny, nz } = options.expected;
  if (header.nx !== nx || header.ny !== ny || header.nz !== nz) {
    throw new Error(
      `the engine wrote a ${header.nx}x${header.ny}x${header.nz} series "${source}", expected ${nx}x${ny}x${nz}`,
    );
  }
  const stored = await readMrcTiltAngles(source);
  const angles = stored !== undefined && stored.length === nz ? stored : options.tiltAngles;
  if (canReheader(header, angles)) {
    const temp = tempPathFor(dest);
    try {
      await moveFile(source, temp);
      const reheaded = await reheaderMrcSeries(temp, {
        voxelSize: options.apix * 10,
        tiltAngles: angles,
        labels: seriesLabels(options),
      });
      if (!reheaded) throw new Error(`cannot re-head the engine's tilt series "${source}"`);
      await Deno.rename(temp, dest);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
    return angles;
  }
  const writer = await MrcSeriesWriter.create(dest, nx, ny, {
    voxelSize: options.apix * 10,
    tiltAngles: angles.length === nz ? angles : undefined,
    labels: seriesLabels(options),
  });
  try {
    const chunk = Math.max(1, Math.floor((32 << 20) / (nx * ny * 4)));
    for (let z = 0; z < nz; z += chunk) {
      const count = Math.min(chunk, nz - z);
      const data = await readMrcSections(source, z, count);
      for (let s = 0; s < count; s++) {
        await writer.append(data.subarray(s * nx * ny, (s + 1) * nx * ny));
      }
    }
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return angles;
}

/**
 * Why the tilt series at `path` is not complete (missing, unreadable, truncated, wrong shape or
 * voxel size), or undefined when it is. Needs --allow-read on `path`.
 */
export async function seriesProblem(
  path: string,
  expected: SeriesShape,
  apix: number,
): Promise<string | undefined> {
  try {
    const header = await readMrcHeader(path);
    if (header.nx !== expected.nx || header.ny !== expected.ny || header.nz !== expected.nz) {
      return `"${path}" is ${header.nx}x${header.ny}x${header.nz}, expected ${expected.nx}x${expected.ny}x${expected.nz}`;
    }
    if (Math.abs(header.voxelSize.x - apix * 10) > 1e-3 * apix * 10) {
      return `"${path}" has voxel size ${header.voxelSize.x} Å, expected ${apix * 10}`;
    }
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Moves a file, copying across file systems. Needs read/write on both places. */
export async function moveFile(from: string, to: string): Promise<void> {
  try {
    await Deno.rename(from, to);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw error;
    await Deno.copyFile(from, to);
    await Deno.remove(from);
  }
}

/** Removes a file or folder tree; nothing when it does not exist. Needs --allow-write on it. */
export async function removeTree(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Whether a path exists. Needs --allow-read on it. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

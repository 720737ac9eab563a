/**
 * Re-heading a tilt series in place: when a file is already what our writer produces (MRC2014,
 * little-endian float32, x/y/z axis order, an FEI1 extended header of one block per section), a
 * new voxel size, labels or tilt angles need only a new header, not a copy of the data.
 *
 * @module
 */
import { encodeMrcHeader, MrcStats, type MrcWriteOptions } from "./encode.ts";
import { FEI1_BLOCK_BYTES } from "./extended_header.ts";
import { HEADER_BYTES, type MrcHeader } from "./header.ts";
import { readMrcHeader } from "./read.ts";
import { refuseSymlink } from "../platform/mod.ts";

/** Whether `header` describes a file whose header {@linkcode reheaderMrcSeries} may replace. */
export function canReheader(header: MrcHeader, tiltAngles: number[]): boolean {
  return header.littleEndian && header.mode === 2 && header.nversion === 20140 &&
    header.mapc === 1 && header.mapr === 2 && header.maps === 3 &&
    header.exttyp === "FEI1" && tiltAngles.length === header.nz &&
    header.extendedHeaderBytes === header.nz * FEI1_BLOCK_BYTES && header.rms >= 0 &&
    header.dmax >= header.dmin;
}

/**
 * Rewrites the header and FEI1 extended header of the image stack at `path` in place with
 * `options` (voxel size, labels, tilt angles — one per section), keeping its data and statistics.
 * Returns false, changing nothing, when the file is not of the form {@linkcode canReheader}
 * accepts (then copy it with `MrcSeriesWriter`). The file should be a temporary one that is
 * renamed into place afterwards. Needs --allow-read and --allow-write on `path`.
 */
export async function reheaderMrcSeries(
  path: string,
  options: MrcWriteOptions & { tiltAngles: number[] },
): Promise<boolean> {
  const header = await readMrcHeader(path);
  if (!canReheader(header, options.tiltAngles)) return false;
  const stats = new MrcStats();
  stats.count = header.nx * header.ny * header.nz;
  stats.min = header.dmin;
  stats.max = header.dmax;
  stats.mean = header.dmean;
  stats.m2 = header.rms * header.rms * stats.count;
  const bytes = encodeMrcHeader(header.nx, header.ny, header.nz, stats, options, true);
  if (bytes.length !== HEADER_BYTES + header.extendedHeaderBytes) return false;
  refuseSymlink(path); // rewritten in place: never through a link planted at the name
  const file = await Deno.open(path, { write: true });
  try {
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
  } finally {
    file.close();
  }
  return true;
}

/**
 * Reading MRC files from disk: whole files, headers only, or a range of sections by seeking.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import {
  decodeValues,
  HOST_LITTLE,
  type MrcVolume,
  reorderToXyz,
  requireDecodableMode,
} from "./decode.ts";
import { HEADER_BYTES, type MrcHeader, parseMrcHeader, type RawMrcHeader } from "./header.ts";
import { readTiltAngles } from "./extended_header.ts";

/** Turns "no such file" and "permission denied" into input errors; rethrows the rest. */
function describeOpenError(path: string, error: unknown): unknown {
  if (error instanceof Deno.errors.NotFound) {
    return inputError(`Cannot read "${path}": no such file`, { file: path, cause: error });
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return inputError(`Cannot read "${path}": permission denied`, { file: path, cause: error });
  }
  if (error instanceof Deno.errors.IsADirectory) {
    return inputError(`Cannot read "${path}": is a directory`, { file: path, cause: error });
  }
  return error;
}

/** Reads into `buffer` until it is full or the file ends; returns the bytes read. */
async function readFully(file: Deno.FsFile, buffer: Uint8Array): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const n = await file.read(buffer.subarray(done));
    if (n === null) break;
    done += n;
  }
  return done;
}

async function withFile<T>(
  path: string,
  action: (file: Deno.FsFile, size: number) => Promise<T>,
): Promise<T> {
  let file: Deno.FsFile;
  let size: number;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw describeOpenError(path, error);
  }
  try {
    const info = await file.stat();
    if (info.isDirectory) throw inputError(`Cannot read "${path}": is a directory`, { file: path });
    size = info.size;
    return await action(file, size);
  } catch (error) {
    throw describeOpenError(path, error);
  } finally {
    file.close();
  }
}

async function readRawHeader(file: Deno.FsFile, size: number, path: string): Promise<RawMrcHeader> {
  const bytes = new Uint8Array(Math.min(HEADER_BYTES, size));
  const n = await readFully(file, bytes);
  return parseMrcHeader(bytes.subarray(0, n), path, size);
}

/**
 * Reads and decodes the header of an MRC file (checking it against the file size).
 * Throws EtsError kind "input" for missing, truncated or inconsistent files.
 * Needs --allow-read on `path`.
 */
export function readMrcHeader(path: string): Promise<MrcHeader> {
  return withFile(path, async (file, size) => (await readRawHeader(file, size, path)).header);
}

/**
 * Reads a whole MRC file: data as float32, x fastest. Float32 files in the host byte order are read
 * straight into the result (no second copy). Throws EtsError kind "input" for missing, truncated
 * or inconsistent files. Needs --allow-read on `path`.
 */
export function readMrc(path: string): Promise<MrcVolume> {
  return withFile(path, async (file, size) => {
    const parsed = await readRawHeader(file, size, path);
    const { header } = parsed;
    requireDecodableMode(parsed, path);
    const extendedHeader = new Uint8Array(parsed.dataOffset - HEADER_BYTES);
    await readFully(file, extendedHeader);
    const count = parsed.nc * parsed.nr * parsed.ns;
    const truncated = () =>
      inputError(`Cannot read "${path}": the file is truncated in its data`, { file: path });
    let raw: Float32Array;
    if (header.mode === 2 && header.littleEndian === HOST_LITTLE) {
      raw = new Float32Array(count);
      if (await readFully(file, new Uint8Array(raw.buffer)) < raw.byteLength) throw truncated();
    } else {
      const bytes = new Uint8Array(parsed.dataBytes);
      if (await readFully(file, bytes) < bytes.length) throw truncated();
      raw = decodeValues(bytes, count, header.mode, header.littleEndian, parsed.unsignedBytes);
    }
    return { header, data: reorderToXyz(raw, parsed), extendedHeader };
  });
}

/**
 * Reads `count` sections starting at section `first` (0-based) without loading the rest of the
 * file: float32, x fastest, length nx·ny·count. Sections run along z, so the file must have
 * MAPS = 3 (columns and rows may be x,y or y,x). Throws RangeError for a range outside 0..nz and
 * EtsError kind "input" for unreadable files. Needs --allow-read on `path`.
 */
export function readMrcSections(path: string, first: number, count: number): Promise<Float32Array> {
  return withFile(path, async (file, size) => {
    const parsed = await readRawHeader(file, size, path);
    const { header } = parsed;
    const bytesPerValue = requireDecodableMode(parsed, path);
    if (parsed.axes[2] !== 2) {
      throw inputError(
        `Cannot read sections of "${path}": its sections run along axis ${header.maps} ` +
          `(MAPS), not z; read the whole file instead`,
        { file: path },
      );
    }
    if (
      !Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 ||
      first + count > parsed.ns
    ) {
      throw new RangeError(
        `Cannot read sections ${first}..${first + count - 1} of "${path}": it has ${parsed.ns}`,
      );
    }
    const sectionValues = parsed.nc * parsed.nr;
    const bytes = new Uint8Array(sectionValues * count * bytesPerValue);
    await file.seek(parsed.dataOffset + first * sectionValues * bytesPerValue, Deno.SeekMode.Start);
    const n = await readFully(file, bytes);
    if (n < bytes.length) {
      throw inputError(`Cannot read "${path}": the file is truncated in section ${first}`, {
        file: path,
      });
    }
    const raw = decodeValues(
      bytes,
      sectionValues * count,
      header.mode,
      header.littleEndian,
      parsed.unsignedBytes,
    );
    if (parsed.axes[0] === 0) return raw;
    // Columns along y, rows along x: transpose each section.
    const out = new Float32Array(raw.length);
    const nx = header.nx;
    for (let s = 0; s < count; s++) {
      const base = s * sectionValues;
      for (let r = 0; r < parsed.nr; r++) {
        for (let c = 0; c < parsed.nc; c++) out[base + c * nx + r] = raw[base + r * parsed.nc + c]!;
      }
    }
    return out;
  });
}

/**
 * The per-section tilt angles (degrees) in an MRC file's extended header (see
 * {@linkcode readTiltAngles}), or undefined. Needs --allow-read on `path`.
 */
export function readMrcTiltAngles(path: string): Promise<number[] | undefined> {
  return withFile(path, async (file, size) => {
    const parsed = await readRawHeader(file, size, path);
    await file.seek(0, Deno.SeekMode.Start);
    const bytes = new Uint8Array(Math.min(size, HEADER_BYTES + parsed.storedExtendedHeaderBytes));
    const n = await readFully(file, bytes);
    return readTiltAngles(bytes.subarray(0, n), path);
  });
}

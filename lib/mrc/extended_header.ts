/**
 * Tilt angles in the MRC extended header.
 *
 * **What we write: EXTTYP "FEI1"** (FEI/Thermo Fisher MRC2014 metadata, version 0), one 768-byte
 * block per section, in the file's byte order (little-endian; the bitmasks are little-endian by
 * definition). This is the layout `mrcfile` decodes (`mrcfile.dtypes.fei1_dtype`, read with the
 * header's byte order), and IMOD reads its alpha tilt. Fields we set, by byte offset in a block:
 *
 * | offset | type  | field            | value                                              |
 * |-------:|-------|------------------|----------------------------------------------------|
 * | 0      | i4    | Metadata size    | 768                                                |
 * | 4      | i4    | Metadata version | 0                                                  |
 * | 8      | u4    | Bitmask 1        | bits 3, 4, 7, 14, 15 (the fields below are valid)   |
 * | 52     | S16   | Application      | "ets"                                              |
 * | 68     | S16   | App. version     | the ets version given, or ""                       |
 * | 100    | f8    | Alpha tilt       | the nominal tilt angle of the section (degrees)    |
 * | 156    | f8    | Pixel size X     | voxel size x in metres                             |
 * | 164    | f8    | Pixel size Y     | voxel size y in metres                             |
 *
 * Every other byte is 0. Bit i of Bitmask 1 marks the i-th field after it (bit 0 Timestamp, 3
 * Application, 4 Application version, 7 Alpha tilt, 14/15 Pixel size X/Y).
 *
 * **What we read** ({@linkcode readTiltAngles}): FEI1/FEI2 blocks (alpha tilt at offset 100 of each
 * block, block size from its "Metadata size"), and the SerialEM-style header TEM-Simulator writes
 * (no EXTTYP or "SERI"; int16 `nint` at byte 128 = bytes per section, int16 `nreal` at 130 = flags,
 * bit 0 = tilt angle × 100 as int16 at the start of each section's bytes).
 *
 * @module
 */
import { HEADER_BYTES, parseMrcHeader } from "./header.ts";

/** Bytes of one FEI1 metadata block. */
export const FEI1_BLOCK_BYTES = 768;

const OFFSET_BITMASK1 = 8;
const OFFSET_APPLICATION = 52;
const OFFSET_APPLICATION_VERSION = 68;
const OFFSET_ALPHA_TILT = 100;
const OFFSET_PIXEL_SIZE_X = 156;
const OFFSET_PIXEL_SIZE_Y = 164;
const BITMASK1 = (1 << 3) | (1 << 4) | (1 << 7) | (1 << 14) | (1 << 15);

function putAscii(bytes: Uint8Array, offset: number, text: string, length: number): void {
  for (let i = 0; i < Math.min(text.length, length); i++) {
    const code = text.charCodeAt(i);
    bytes[offset + i] = code >= 32 && code < 127 ? code : 0x3f;
  }
}

/**
 * The FEI1 extended header (little-endian) for sections with the given tilt angles (degrees) and
 * pixel size (Å). Needs no permissions.
 */
export function encodeFei1ExtendedHeader(
  tiltAngles: readonly number[],
  pixelSize: { x: number; y: number },
  version = "",
): Uint8Array {
  const bytes = new Uint8Array(FEI1_BLOCK_BYTES * tiltAngles.length);
  const view = new DataView(bytes.buffer);
  tiltAngles.forEach((angle, i) => {
    const at = i * FEI1_BLOCK_BYTES;
    view.setInt32(at, FEI1_BLOCK_BYTES, true);
    view.setInt32(at + 4, 0, true);
    view.setUint32(at + OFFSET_BITMASK1, BITMASK1, true);
    putAscii(bytes, at + OFFSET_APPLICATION, "ets", 16);
    putAscii(bytes, at + OFFSET_APPLICATION_VERSION, version, 16);
    view.setFloat64(at + OFFSET_ALPHA_TILT, angle, true);
    view.setFloat64(at + OFFSET_PIXEL_SIZE_X, pixelSize.x * 1e-10, true);
    view.setFloat64(at + OFFSET_PIXEL_SIZE_Y, pixelSize.y * 1e-10, true);
  });
  return bytes;
}

/**
 * The per-section tilt angles (degrees) stored in an MRC file's extended header, or undefined when
 * it holds none we know. `bytes` is the file from its start: at least the 1024-byte header and the
 * NSYMBT bytes after it (the whole file is fine). Reads FEI1/FEI2 alpha tilts and the
 * SerialEM/TEM-Simulator int16 tilt × 100. Throws EtsError kind "input" for an unreadable header.
 * Needs no permissions.
 */
export function readTiltAngles(bytes: Uint8Array, name?: string): number[] | undefined {
  const parsed = parseMrcHeader(bytes, name);
  const { header } = parsed;
  const nsymbt = Math.min(parsed.storedExtendedHeaderBytes, bytes.length - HEADER_BYTES);
  if (nsymbt <= 0) return undefined;
  const le = header.littleEndian;
  const ext = new DataView(bytes.buffer, bytes.byteOffset + HEADER_BYTES, nsymbt);
  const sections = parsed.ns;
  if (header.exttyp === "FEI1" || header.exttyp === "FEI2") {
    const blockBytes = ext.getInt32(0, le);
    if (blockBytes < OFFSET_ALPHA_TILT + 8 || blockBytes * sections > nsymbt) return undefined;
    const angles: number[] = [];
    for (let i = 0; i < sections; i++) {
      angles.push(ext.getFloat64(i * blockBytes + OFFSET_ALPHA_TILT, le));
    }
    return angles;
  }
  if (header.exttyp === "" || header.exttyp === "SERI") {
    const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
    const nint = view.getInt16(128, le);
    const nreal = view.getInt16(130, le);
    if ((nreal & 1) === 0 || nint < 2 || nint * sections > nsymbt) return undefined;
    const angles: number[] = [];
    for (let i = 0; i < sections; i++) angles.push(ext.getInt16(i * nint, le) / 100);
    return angles;
  }
  return undefined;
}

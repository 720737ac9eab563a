/**
 * Decoding MRC data: modes 0, 1, 2, 6, 12 in either byte order, reordered to x fastest.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import { bytesPerValue, type MrcHeader, parseMrcHeader, type RawMrcHeader } from "./header.ts";

/** A decoded MRC file. `data` is x fastest, then y, then z (after MAPC/MAPR/MAPS). */
export interface MrcVolume {
  /** The decoded header (sizes along x, y, z). */
  header: MrcHeader;
  /** nx·ny·nz values as float32, whatever the file mode. */
  data: Float32Array;
  /** The raw extended header (NSYMBT bytes after the main header); empty when there is none. */
  extendedHeader?: Uint8Array;
}

/** Whether this machine is little-endian. Internal to lib/mrc. */
export const HOST_LITTLE: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE 754 binary16 → number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

let halfTable: Float32Array | undefined;

/**
 * Converts `count` values of `mode` starting at `bytes[0]` to float32 (file order).
 * Internal to lib/mrc. Needs no permissions.
 */
export function decodeValues(
  bytes: Uint8Array,
  count: number,
  mode: number,
  littleEndian: boolean,
  unsignedBytes: boolean,
): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (mode) {
    case 0: {
      const values = unsignedBytes
        ? new Uint8Array(bytes.buffer, bytes.byteOffset, count)
        : new Int8Array(bytes.buffer, bytes.byteOffset, count);
      out.set(values);
      break;
    }
    case 1:
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, littleEndian);
      break;
    case 6:
      for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, littleEndian);
      break;
    case 12: {
      if (halfTable === undefined) {
        halfTable = new Float32Array(65536);
        for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
      }
      const table = halfTable;
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(2 * i, littleEndian)]!;
      break;
    }
    case 2:
      if (littleEndian === HOST_LITTLE) {
        new Uint8Array(out.buffer).set(bytes.subarray(0, 4 * count));
      } else {
        for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, littleEndian);
      }
      break;
    default:
      throw new RangeError(`mode ${mode} is not decodable`);
  }
  return out;
}

/**
 * Reorders file-order data (columns fastest) to x fastest. Returns `raw` itself when the axes
 * are already x, y, z. Internal to lib/mrc. Needs no permissions.
 */
export function reorderToXyz(raw: Float32Array, parsed: RawMrcHeader): Float32Array {
  const [ac, ar, as] = parsed.axes;
  if (ac === 0 && ar === 1 && as === 2) return raw;
  const { nx, ny } = parsed.header;
  const strides = [1, nx, nx * ny];
  const sc = strides[ac]!, sr = strides[ar]!, ss = strides[as]!;
  const out = new Float32Array(raw.length);
  let i = 0;
  for (let s = 0; s < parsed.ns; s++) {
    for (let r = 0; r < parsed.nr; r++) {
      const base = s * ss + r * sr;
      for (let c = 0; c < parsed.nc; c++) out[base + c * sc] = raw[i++]!;
    }
  }
  return out;
}

/**
 * Fails (EtsError kind "input") unless the mode of `parsed` can be decoded; returns its bytes per
 * value. Internal to lib/mrc. Needs no permissions.
 */
export function requireDecodableMode(parsed: RawMrcHeader, name: string): number {
  const size = bytesPerValue(parsed.header.mode);
  if (size === undefined) {
    throw inputError(
      `Cannot read "${name}": mode ${parsed.header.mode} is not supported ` +
        `(supported: 0 int8, 1 int16, 2 float32, 6 uint16, 12 float16)`,
      { file: name },
    );
  }
  return size;
}

/**
 * Decodes a whole MRC file held in memory. Data come back as float32, x fastest.
 * Throws EtsError kind "input" for truncated or inconsistent files. Needs no permissions.
 */
export function decodeMrc(bytes: Uint8Array, name = "MRC data"): MrcVolume {
  const parsed = parseMrcHeader(bytes, name, bytes.length);
  requireDecodableMode(parsed, name);
  const count = parsed.nc * parsed.nr * parsed.ns;
  const raw = decodeValues(
    bytes.subarray(parsed.dataOffset, parsed.dataOffset + parsed.dataBytes),
    count,
    parsed.header.mode,
    parsed.header.littleEndian,
    parsed.unsignedBytes,
  );
  return {
    header: parsed.header,
    data: reorderToXyz(raw, parsed),
    extendedHeader: bytes.slice(1024, parsed.dataOffset),
  };
}

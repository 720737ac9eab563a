/**
 * The MRC2014 main header (1024 bytes): types, byte-order detection and decoding.
 *
 * All sizes in {@linkcode MrcHeader} are along x, y, z after MAPC/MAPR/MAPS, so they index the
 * data this module returns (x fastest). For the usual files (MAPC/MAPR/MAPS = 1,2,3) they are the
 * file's NC/NR/NS.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";

/** A point or extent along x, y, z. */
export interface Vec3 {
  /** Along x. */
  x: number;
  /** Along y. */
  y: number;
  /** Along z. */
  z: number;
}

/** The decoded MRC main header. Sizes and starts are along x, y, z (after MAPC/MAPR/MAPS). */
export interface MrcHeader {
  /** Voxels along x. */
  nx: number;
  /** Voxels along y. */
  ny: number;
  /** Voxels along z. */
  nz: number;
  /** Data mode: 0 int8, 1 int16, 2 float32, 6 uint16, 12 float16. */
  mode: number;
  /** Unit-cell sampling along x (MX). */
  mx: number;
  /** Unit-cell sampling along y (MY). */
  my: number;
  /** Unit-cell sampling along z (MZ). */
  mz: number;
  /** Cell dimensions in Å (CELLA). */
  cella: Vec3;
  /** Voxel size in Å, CELLA / MX..MZ (1 Å where that is undefined, with a warning). */
  voxelSize: Vec3;
  /** The header ORIGIN in Å, as stored. See {@linkcode gridOrigin} for the effective origin. */
  origin: Vec3;
  /** First x index in the unit cell (the file's NXSTART permuted to x). */
  nxstart: number;
  /** First y index in the unit cell. */
  nystart: number;
  /** First z index in the unit cell. */
  nzstart: number;
  /** Axis (1 x, 2 y, 3 z) of the file's columns, as stored. */
  mapc: number;
  /** Axis of the file's rows, as stored. */
  mapr: number;
  /** Axis of the file's sections, as stored. */
  maps: number;
  /** Space group: 0 image stack, 1 volume, 401-630 volume stack. */
  ispg: number;
  /** Minimum value (DMIN), as stored. */
  dmin: number;
  /** Maximum value (DMAX), as stored. */
  dmax: number;
  /** Mean value (DMEAN), as stored. */
  dmean: number;
  /** Standard deviation (RMS), as stored. */
  rms: number;
  /** Size of the extended header in bytes (NSYMBT, 0 when it was ignored as bogus). */
  extendedHeaderBytes: number;
  /** Extended header type (EXTTYP), e.g. "FEI1"; "" when unset. */
  exttyp: string;
  /** Format version (NVERSION): 20140, 20141, or 0 for older files. */
  nversion: number;
  /** The labels in use, trailing blanks and NULs removed. */
  labels: string[];
  /** Whether the file is little-endian (decided from the values, not only the stamp). */
  littleEndian: boolean;
  /** Non-fatal oddities found while decoding (wrong stamp, no "MAP ", trailing bytes...). */
  warnings?: string[];
}

/** The modes whose data this module decodes. */
export const SUPPORTED_MODES: readonly number[] = [0, 1, 2, 6, 12];

/** Modes MRC2014 defines (some not decodable here); used to recognise the byte order. */
const KNOWN_MODES = new Set([0, 1, 2, 3, 4, 6, 12, 101]);

/** Bytes of the main header. */
export const HEADER_BYTES = 1024;

/** "IMOD" as the int32 IMOD writes at byte 152. */
const IMOD_STAMP = 1146047817;

/** Largest plausible size along one axis (the spec's 2^31/4). */
const MAX_AXIS = 2 ** 29;

/** Bytes per value for a decodable mode, or undefined. Needs no permissions. */
export function bytesPerValue(mode: number): number | undefined {
  switch (mode) {
    case 0:
      return 1;
    case 1:
    case 6:
    case 12:
      return 2;
    case 2:
      return 4;
    default:
      return undefined;
  }
}

/** Bytes per value for every mode MRC2014 knows (for the size check); mode 101 rounds up. */
function bytesForData(mode: number, nc: number, nr: number, ns: number): number {
  switch (mode) {
    case 3:
      return 4 * nc * nr * ns;
    case 4:
      return 8 * nc * nr * ns;
    case 101:
      return Math.ceil(nc / 2) * nr * ns;
    default:
      return (bytesPerValue(mode) ?? 0) * nc * nr * ns;
  }
}

/**
 * The header exactly as stored in the file (file order: columns, rows, sections), plus what the
 * reader needs to find and decode the data. Internal to lib/mrc.
 */
export interface RawMrcHeader {
  /** The public header (xyz order). */
  header: MrcHeader;
  /** Columns, rows, sections as stored. */
  nc: number;
  /** Rows. */
  nr: number;
  /** Sections. */
  ns: number;
  /** 0-based spatial axis of columns, rows, sections (a permutation of 0,1,2). */
  axes: [number, number, number];
  /** Byte offset of the first data value. */
  dataOffset: number;
  /** Bytes of data (nc·nr·ns·bytes per value). */
  dataBytes: number;
  /** Whether mode-0 data are unsigned (old-style or IMOD files without the signed flag). */
  unsignedBytes: boolean;
  /** NSYMBT as stored (the extended header bytes available in the file). */
  storedExtendedHeaderBytes: number;
}

interface Fields {
  nc: number;
  nr: number;
  ns: number;
  mode: number;
  nsymbt: number;
}

function readFields(view: DataView, little: boolean): Fields {
  return {
    nc: view.getInt32(0, little),
    nr: view.getInt32(4, little),
    ns: view.getInt32(8, little),
    mode: view.getInt32(12, little),
    nsymbt: view.getInt32(92, little),
  };
}

/** Why a byte order does not fit, or undefined when it does. */
function implausibility(f: Fields, fileSize: number | undefined): string | undefined {
  if (!KNOWN_MODES.has(f.mode)) return `unknown mode ${f.mode}`;
  for (const [name, n] of [["NX", f.nc], ["NY", f.nr], ["NZ", f.ns]] as const) {
    if (!(n > 0 && n < MAX_AXIS)) return `${name} must be positive, got ${n}`;
  }
  if (f.nsymbt < 0) return `NSYMBT must not be negative, got ${f.nsymbt}`;
  if (fileSize !== undefined) {
    const data = bytesForData(f.mode, f.nc, f.nr, f.ns);
    const needed = HEADER_BYTES + f.nsymbt + data;
    // A file that exactly fits the data without NSYMBT has a bogus NSYMBT (EMDB emd_1042).
    if (fileSize < needed && fileSize !== HEADER_BYTES + data) {
      return `the file is truncated: ${fileSize} bytes, but the header (${f.nc}x${f.nr}x${f.ns}, ` +
        `mode ${f.mode}, extended header ${f.nsymbt} bytes) needs ` +
        `${needed} bytes`;
    }
  }
  return undefined;
}

function stampOrder(stamp: Uint8Array): "little" | "big" | undefined {
  if (stamp[0] === 0x44 && (stamp[1] === 0x44 || stamp[1] === 0x41)) return "little";
  if (stamp[0] === 0x11 && stamp[1] === 0x11) return "big";
  return undefined;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

function ascii(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += b >= 32 && b < 127 ? String.fromCharCode(b) : b === 0 ? "\0" : "?";
  return text;
}

/** The main header read in its decided byte order, with the warnings found so far. */
interface HeaderView {
  /** The file's first bytes (at least the main header). */
  bytes: Uint8Array;
  /** NX/NY/NZ, MODE and NSYMBT in the decided byte order. */
  fields: Fields;
  /** Whether the values are little-endian. */
  littleEndian: boolean;
  /** Whether the "MAP " identifier is at byte 208 (else an old-style header). */
  hasMap: boolean;
  /** The int32 at a byte offset. */
  i32: (offset: number) => number;
  /** The float32 at a byte offset. */
  f32: (offset: number) => number;
  /** Non-fatal oddities, in the order found. */
  warnings: string[];
}

/**
 * The byte order whose NX..NZ, MODE and NSYMBT are plausible (the machine stamp decides when both
 * are), and those fields. Throws `fail` with the stamped order's reason when neither is.
 */
function chooseByteOrder(
  view: DataView,
  stamped: "little" | "big" | undefined,
  fileSize: number | undefined,
  fail: (reason: string) => Error,
): { littleEndian: boolean; fields: Fields } {
  const little = readFields(view, true);
  const big = readFields(view, false);
  const whyNotLittle = implausibility(little, fileSize);
  const whyNotBig = implausibility(big, fileSize);
  let littleEndian: boolean;
  if (whyNotLittle === undefined && whyNotBig === undefined) littleEndian = stamped !== "big";
  else if (whyNotLittle === undefined) littleEndian = true;
  else if (whyNotBig === undefined) littleEndian = false;
  else {
    throw fail(stamped === "big" ? whyNotBig : whyNotLittle);
  }
  return { littleEndian, fields: littleEndian ? little : big };
}

/** The warning for a machine stamp that is unknown or contradicts the values, if any. */
function stampWarning(
  stamp: Uint8Array,
  stamped: "little" | "big" | undefined,
  littleEndian: boolean,
): string | undefined {
  if (stamped === undefined) {
    return `unrecognised machine stamp "${hex(stamp)}"; read as ${
      littleEndian ? "little" : "big"
    }-endian`;
  }
  if ((stamped === "little") !== littleEndian) {
    return `machine stamp "${hex(stamp)}" says ${stamped}-endian, but the values are ` +
      `${littleEndian ? "little" : "big"}-endian`;
  }
  return undefined;
}

/**
 * The main header in its byte order (see {@linkcode chooseByteOrder}), warning about the machine
 * stamp and a missing "MAP " identifier.
 */
function headerView(
  bytes: Uint8Array,
  fileSize: number | undefined,
  fail: (reason: string) => Error,
): HeaderView {
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const warnings: string[] = [];
  const stamp = bytes.subarray(212, 216);
  const stamped = stampOrder(stamp);
  const hasMap = bytes[208] === 0x4d && bytes[209] === 0x41 && bytes[210] === 0x50; // "MAP"
  const { littleEndian, fields } = chooseByteOrder(view, stamped, fileSize, fail);
  const stampOddity = stampWarning(stamp, stamped, littleEndian);
  if (stampOddity !== undefined) warnings.push(stampOddity);
  if (!hasMap) warnings.push(`no "MAP " identifier at byte 208 (old-style header)`);
  return {
    bytes,
    fields,
    littleEndian,
    hasMap,
    i32: (offset: number) => view.getInt32(offset, littleEndian),
    f32: (offset: number) => view.getFloat32(offset, littleEndian),
    warnings,
  };
}

/** MAPC/MAPR/MAPS as stored, and the 0-based spatial axes of columns, rows, sections. */
interface AxisOrder {
  /** MAPC as stored. */
  mapc: number;
  /** MAPR as stored. */
  mapr: number;
  /** MAPS as stored. */
  maps: number;
  /** A permutation of 0,1,2. */
  axes: [number, number, number];
}

/** The axis order MAPC/MAPR/MAPS gives (1,2,3, warned, when it is not a permutation). */
function axisOrder(h: HeaderView): AxisOrder {
  const mapc = h.i32(64), mapr = h.i32(68), maps = h.i32(72);
  let axes: [number, number, number] = [mapc - 1, mapr - 1, maps - 1];
  if ([...axes].sort().join() !== "0,1,2") {
    h.warnings.push(
      `MAPC/MAPR/MAPS ${mapc},${mapr},${maps} is not a permutation of 1,2,3; used 1,2,3`,
    );
    axes = [0, 1, 2];
  }
  return { mapc, mapr, maps, axes };
}

/** Sizes and starts along x, y, z: the file's columns, rows, sections put on their axes. */
function dimensionsAlongXyz(
  h: HeaderView,
  axes: [number, number, number],
): { size: number[]; start: number[] } {
  const size = [0, 0, 0];
  const start = [0, 0, 0];
  const fileStart = [h.i32(16), h.i32(20), h.i32(24)];
  const fileSizeN = [h.fields.nc, h.fields.nr, h.fields.ns];
  for (let k = 0; k < 3; k++) {
    size[axes[k]!] = fileSizeN[k]!;
    start[axes[k]!] = fileStart[k]!;
  }
  return { size, start };
}

/** CELLA / M along one axis, or 1 Å (warned) where that is undefined. */
function voxelAlong(c: number, m: number, axis: string, warnings: string[]): number {
  if (c > 0 && m > 0 && Number.isFinite(c / m)) return c / m;
  warnings.push(`voxel size along ${axis} is undefined (CELLA ${c}, M ${m}); used 1 Å`);
  return 1;
}

/** The unit-cell sampling MX..MZ, the cell dimensions CELLA and the voxel size they give. */
function cellAndVoxelSize(
  h: HeaderView,
): { mx: number; my: number; mz: number; cella: Vec3; voxelSize: Vec3 } {
  const mx = h.i32(28), my = h.i32(32), mz = h.i32(36);
  const cella = { x: h.f32(40), y: h.f32(44), z: h.f32(48) };
  const voxelSize = {
    x: voxelAlong(cella.x, mx, "x", h.warnings),
    y: voxelAlong(cella.y, my, "y", h.warnings),
    z: voxelAlong(cella.z, mz, "z", h.warnings),
  };
  return { mx, my, mz, cella, voxelSize };
}

/**
 * The extended header bytes to skip: NSYMBT, or 0 (warned) when it does not fit the file size;
 * warns about bytes beyond the data. Without `fileSize`, NSYMBT as stored.
 */
function extendedHeaderSize(
  h: HeaderView,
  dataBytes: number,
  fileSize: number | undefined,
): number {
  const f = h.fields;
  let extendedHeaderBytes = f.nsymbt;
  if (fileSize !== undefined) {
    const expected = HEADER_BYTES + f.nsymbt + dataBytes;
    if (fileSize < expected) {
      // Data fit without the extended header (checked in implausibility): a bogus NSYMBT.
      h.warnings.push(
        `NSYMBT ${f.nsymbt} does not fit the file size ${fileSize}; extended header ignored`,
      );
      extendedHeaderBytes = 0;
    } else if (fileSize > expected) {
      h.warnings.push(`the file is ${fileSize - expected} bytes larger than expected`);
    }
  }
  return extendedHeaderBytes;
}

/** The NLABL labels in use (at most 10), trailing blanks and NULs removed. */
function labelsOf(bytes: Uint8Array, nlabl: number): string[] {
  const labels: string[] = [];
  const labelCount = Math.max(0, Math.min(10, nlabl));
  for (let i = 0; i < labelCount; i++) {
    labels.push(ascii(bytes.subarray(224 + 80 * i, 304 + 80 * i)).replace(/[\0 ]+$/, ""));
  }
  return labels;
}

/** EXTTYP without trailing blanks and NULs; "" when unset (or holding NULs within). */
function exttypOf(bytes: Uint8Array): string {
  const exttyp = ascii(bytes.subarray(104, 108)).replace(/[\0 ]+$/, "");
  return exttyp.includes("\0") ? "" : exttyp;
}

/**
 * The public header (xyz order): dimensions and mode, cell and voxel size, origin and starts,
 * axis order, statistics, extended header and labels, in {@linkcode MrcHeader}'s field order.
 */
function xyzHeader(
  h: HeaderView,
  order: AxisOrder,
  dataBytes: number,
  fileSize: number | undefined,
): MrcHeader {
  const { size, start } = dimensionsAlongXyz(h, order.axes);
  const { mx, my, mz, cella, voxelSize } = cellAndVoxelSize(h);
  const extendedHeaderBytes = extendedHeaderSize(h, dataBytes, fileSize);
  return {
    nx: size[0]!,
    ny: size[1]!,
    nz: size[2]!,
    mode: h.fields.mode,
    mx,
    my,
    mz,
    cella,
    voxelSize,
    origin: { x: h.f32(196), y: h.f32(200), z: h.f32(204) },
    nxstart: start[0]!,
    nystart: start[1]!,
    nzstart: start[2]!,
    mapc: order.mapc,
    mapr: order.mapr,
    maps: order.maps,
    ispg: h.i32(88),
    dmin: h.f32(76),
    dmax: h.f32(80),
    dmean: h.f32(84),
    rms: h.hasMap ? h.f32(216) : 0,
    extendedHeaderBytes,
    exttyp: exttypOf(h.bytes),
    nversion: h.i32(108),
    labels: labelsOf(h.bytes, h.i32(220)),
    littleEndian: h.littleEndian,
    warnings: h.warnings,
  };
}

/**
 * Decodes a main header. `fileSize`, when known, takes part in the byte-order decision and the
 * size checks (truncated files are refused; a bogus NSYMBT is ignored when the data fit without
 * it). Throws EtsError kind "input" naming `name`. Needs no permissions.
 */
export function parseMrcHeader(
  bytes: Uint8Array,
  name = "MRC data",
  fileSize?: number,
): RawMrcHeader {
  const fail = (reason: string) => inputError(`Cannot read "${name}": ${reason}`, { file: name });
  if (bytes.length < HEADER_BYTES) {
    throw fail(
      `not an MRC file: ${
        fileSize ?? bytes.length
      } bytes, shorter than the ${HEADER_BYTES}-byte header`,
    );
  }
  const h = headerView(bytes, fileSize, fail);
  const f = h.fields;
  const order = axisOrder(h);
  const dataBytes = bytesForData(f.mode, f.nc, f.nr, f.ns);
  const header = xyzHeader(h, order, dataBytes, fileSize);
  const imodStamp = h.i32(152);
  const imodFlags = h.i32(156);
  return {
    header,
    nc: f.nc,
    nr: f.nr,
    ns: f.ns,
    axes: order.axes,
    dataOffset: HEADER_BYTES + header.extendedHeaderBytes,
    dataBytes,
    unsignedBytes: !h.hasMap || (imodStamp === IMOD_STAMP && (imodFlags & 1) === 0),
    storedExtendedHeaderBytes: f.nsymbt,
  };
}

/**
 * Decodes the main header from the first 1024 bytes of an MRC file (more bytes are allowed and
 * ignored; the file size is not checked). Throws EtsError kind "input". Needs no permissions.
 */
export function decodeMrcHeader(bytes: Uint8Array, name?: string): MrcHeader {
  return parseMrcHeader(bytes, name).header;
}

/**
 * The effective origin (Å, the position of voxel 0,0,0) by Chimera's rule: the header ORIGIN when
 * it is set, finite and sane; otherwise NXSTART..NZSTART times the voxel size (0 when the starts
 * are absurd). Needs no permissions.
 */
export function gridOrigin(header: MrcHeader): Vec3 {
  const o = header.origin;
  const sane = (v: number) => Number.isFinite(v) && v + 1 !== v;
  const oldStyle = header.warnings?.some((w) => w.startsWith(`no "MAP "`)) ?? false;
  if (!oldStyle && (o.x !== 0 || o.y !== 0 || o.z !== 0) && sane(o.x) && sane(o.y) && sane(o.z)) {
    return { ...o };
  }
  const limit = 10 * Math.max(header.mx, header.my, header.mz, header.nx, header.ny, header.nz);
  const starts = [header.nxstart, header.nystart, header.nzstart];
  if (starts.some((s) => Math.abs(s) > limit)) return { x: 0, y: 0, z: 0 };
  return {
    x: header.nxstart * header.voxelSize.x,
    y: header.nystart * header.voxelSize.y,
    z: header.nzstart * header.voxelSize.z,
  };
}

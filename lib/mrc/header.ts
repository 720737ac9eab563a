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
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const warnings: string[] = [];
  const stamp = bytes.subarray(212, 216);
  const stamped = stampOrder(stamp);
  const hasMap = bytes[208] === 0x4d && bytes[209] === 0x41 && bytes[210] === 0x50; // "MAP"

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
  if (stamped === undefined) {
    warnings.push(
      `unrecognised machine stamp "${hex(stamp)}"; read as ${
        littleEndian ? "little" : "big"
      }-endian`,
    );
  } else if ((stamped === "little") !== littleEndian) {
    warnings.push(
      `machine stamp "${hex(stamp)}" says ${stamped}-endian, but the values are ` +
        `${littleEndian ? "little" : "big"}-endian`,
    );
  }
  if (!hasMap) warnings.push(`no "MAP " identifier at byte 208 (old-style header)`);

  const le = littleEndian;
  const f = le ? little : big;
  const i32 = (offset: number) => view.getInt32(offset, le);
  const f32 = (offset: number) => view.getFloat32(offset, le);

  const mapc = i32(64), mapr = i32(68), maps = i32(72);
  let axes: [number, number, number] = [mapc - 1, mapr - 1, maps - 1];
  if ([...axes].sort().join() !== "0,1,2") {
    warnings.push(
      `MAPC/MAPR/MAPS ${mapc},${mapr},${maps} is not a permutation of 1,2,3; used 1,2,3`,
    );
    axes = [0, 1, 2];
  }
  const size = [0, 0, 0];
  const start = [0, 0, 0];
  const fileStart = [i32(16), i32(20), i32(24)];
  const fileSizeN = [f.nc, f.nr, f.ns];
  for (let k = 0; k < 3; k++) {
    size[axes[k]!] = fileSizeN[k]!;
    start[axes[k]!] = fileStart[k]!;
  }
  const [nx, ny, nz] = size as [number, number, number];
  const mx = i32(28), my = i32(32), mz = i32(36);
  const cella = { x: f32(40), y: f32(44), z: f32(48) };
  const voxel = (c: number, m: number, axis: string): number => {
    if (c > 0 && m > 0 && Number.isFinite(c / m)) return c / m;
    warnings.push(`voxel size along ${axis} is undefined (CELLA ${c}, M ${m}); used 1 Å`);
    return 1;
  };
  const voxelSize = {
    x: voxel(cella.x, mx, "x"),
    y: voxel(cella.y, my, "y"),
    z: voxel(cella.z, mz, "z"),
  };

  const nlabl = i32(220);
  const labels: string[] = [];
  const labelCount = Math.max(0, Math.min(10, nlabl));
  for (let i = 0; i < labelCount; i++) {
    labels.push(ascii(bytes.subarray(224 + 80 * i, 304 + 80 * i)).replace(/[\0 ]+$/, ""));
  }

  const mode = f.mode;
  const dataBytes = bytesForData(mode, f.nc, f.nr, f.ns);
  let extendedHeaderBytes = f.nsymbt;
  if (fileSize !== undefined) {
    const expected = HEADER_BYTES + f.nsymbt + dataBytes;
    if (fileSize < expected) {
      // Data fit without the extended header (checked in implausibility): a bogus NSYMBT.
      warnings.push(
        `NSYMBT ${f.nsymbt} does not fit the file size ${fileSize}; extended header ignored`,
      );
      extendedHeaderBytes = 0;
    } else if (fileSize > expected) {
      warnings.push(`the file is ${fileSize - expected} bytes larger than expected`);
    }
  }

  const imodStamp = i32(152);
  const imodFlags = i32(156);
  const unsignedBytes = !hasMap || (imodStamp === IMOD_STAMP && (imodFlags & 1) === 0);

  const exttyp = ascii(bytes.subarray(104, 108)).replace(/[\0 ]+$/, "");
  const header: MrcHeader = {
    nx,
    ny,
    nz,
    mode,
    mx,
    my,
    mz,
    cella,
    voxelSize,
    origin: { x: f32(196), y: f32(200), z: f32(204) },
    nxstart: start[0]!,
    nystart: start[1]!,
    nzstart: start[2]!,
    mapc,
    mapr,
    maps,
    ispg: i32(88),
    dmin: f32(76),
    dmax: f32(80),
    dmean: f32(84),
    rms: hasMap ? f32(216) : 0,
    extendedHeaderBytes,
    exttyp: exttyp.includes("\0") ? "" : exttyp,
    nversion: i32(108),
    labels,
    littleEndian: le,
    warnings,
  };
  return {
    header,
    nc: f.nc,
    nr: f.nr,
    ns: f.ns,
    axes,
    dataOffset: HEADER_BYTES + extendedHeaderBytes,
    dataBytes,
    unsignedBytes,
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

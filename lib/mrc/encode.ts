/**
 * Encoding MRC2014 files (mode 2, little-endian) that pass `mrcfile.validate`.
 *
 * @module
 */
import denoJson from "../../deno.json" with { type: "json" };
import { HEADER_BYTES, type Vec3 } from "./header.ts";
import { encodeFei1ExtendedHeader } from "./extended_header.ts";
import { HOST_LITTLE } from "./decode.ts";

/** Options of the MRC writers. */
export interface MrcWriteOptions {
  /** Voxel size in Å (one number for cubic voxels). */
  voxelSize: Vec3 | number;
  /** The header ORIGIN in Å (default 0,0,0). */
  origin?: Vec3;
  /** Up to 10 labels of up to 80 ASCII characters (default: one "Created by ets <version>"). */
  labels?: string[];
  /**
   * Nominal tilt angles (degrees), one per section: written to an FEI1 extended header (see
   * extended_header.ts) and read back by `readTiltAngles`. Implies an image stack.
   */
  tiltAngles?: number[];
  /**
   * Write an image stack (ISPG 0, MZ 1, CELLA.z = voxel size z) instead of a volume (ISPG 1,
   * MZ = NZ). Default: true when `tiltAngles` are given or for `MrcSeriesWriter`, else false.
   */
  imageStack?: boolean;
}

/** The ets version written in the default label. */
const VERSION: string = denoJson.version;

/**
 * Running statistics of float32 data, mergeable section by section (exact min/max, f64 mean,
 * population standard deviation). Needs no permissions.
 */
export class MrcStats {
  /** Values seen. */
  count = 0;
  /** Mean of the values seen. */
  mean = 0;
  /** Sum of squared deviations from the mean. */
  m2 = 0;
  /** Minimum seen. */
  min = Infinity;
  /** Maximum seen. */
  max = -Infinity;

  /** Adds `values` (two passes over them, then Chan's merge). Needs no permissions. */
  add(values: Float32Array): void {
    const n = values.length;
    if (n === 0) return;
    let sum = 0, min = Infinity, max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / n;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const d = values[i]! - mean;
      m2 += d * d;
    }
    const total = this.count + n;
    const delta = mean - this.mean;
    this.mean += delta * n / total;
    this.m2 += m2 + delta * delta * this.count * n / total;
    this.count = total;
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
  }

  /** The population standard deviation (the MRC RMS field). */
  get rms(): number {
    return this.count === 0 ? 0 : Math.sqrt(this.m2 / this.count);
  }
}

function toVec3(v: Vec3 | number): Vec3 {
  return typeof v === "number" ? { x: v, y: v, z: v } : v;
}

function checkSize(name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0 || n >= 2 ** 29) {
    throw new RangeError(`MRC size ${name} must be a positive integer, got ${n}`);
  }
}

/**
 * Checks sizes and options (RangeError when wrong); returns the voxel size. Internal to lib/mrc.
 * Needs no permissions.
 */
export function checkWriteOptions(
  nx: number,
  ny: number,
  nz: number | undefined,
  options: MrcWriteOptions,
): Vec3 {
  checkSize("nx", nx);
  checkSize("ny", ny);
  if (nz !== undefined) checkSize("nz", nz);
  const voxel = toVec3(options.voxelSize);
  for (const [axis, v] of Object.entries(voxel)) {
    if (!(v > 0 && Number.isFinite(v))) {
      throw new RangeError(`MRC voxel size ${axis} must be a positive number, got ${v}`);
    }
  }
  if (options.labels !== undefined && options.labels.length > 10) {
    throw new RangeError(`MRC files hold at most 10 labels, got ${options.labels.length}`);
  }
  if (options.tiltAngles !== undefined) {
    if (nz !== undefined && options.tiltAngles.length !== nz) {
      throw new RangeError(
        `MRC tilt angles must number one per section (${nz}), got ${options.tiltAngles.length}`,
      );
    }
    if (options.tiltAngles.some((a) => !Number.isFinite(a))) {
      throw new RangeError(`MRC tilt angles must be finite numbers`);
    }
  }
  return voxel;
}

/**
 * The 1024-byte MRC2014 header plus the extended header for data of the given size and
 * statistics. Internal to lib/mrc. Needs no permissions.
 */
export function encodeMrcHeader(
  nx: number,
  ny: number,
  nz: number,
  stats: MrcStats,
  options: MrcWriteOptions,
  imageStackDefault: boolean,
): Uint8Array {
  const voxel = checkWriteOptions(nx, ny, nz, options);
  const stack = options.imageStack ?? (imageStackDefault || options.tiltAngles !== undefined);
  const ext = options.tiltAngles === undefined
    ? new Uint8Array(0)
    : encodeFei1ExtendedHeader(options.tiltAngles, voxel, VERSION);
  const bytes = new Uint8Array(HEADER_BYTES + ext.length);
  const view = new DataView(bytes.buffer);
  const i32 = (offset: number, v: number) => view.setInt32(offset, v, true);
  const f32 = (offset: number, v: number) => view.setFloat32(offset, v, true);
  const mz = stack ? 1 : nz;
  i32(0, nx);
  i32(4, ny);
  i32(8, nz);
  i32(12, 2);
  // NXSTART..NZSTART stay 0.
  i32(28, nx);
  i32(32, ny);
  i32(36, mz);
  f32(40, voxel.x * nx);
  f32(44, voxel.y * ny);
  f32(48, voxel.z * mz);
  f32(52, 90);
  f32(56, 90);
  f32(60, 90);
  i32(64, 1);
  i32(68, 2);
  i32(72, 3);
  if (stats.count > 0) {
    f32(76, stats.min);
    f32(80, stats.max);
    f32(84, stats.mean);
    f32(216, stats.rms);
  } else {
    // Undetermined, as MRC2014 defines it.
    f32(76, 0);
    f32(80, -1);
    f32(84, -2);
    f32(216, -1);
  }
  i32(88, stack ? 0 : 1);
  i32(92, ext.length);
  if (ext.length > 0) bytes.set([0x46, 0x45, 0x49, 0x31], 104); // "FEI1"
  i32(108, 20140);
  const origin = options.origin ?? { x: 0, y: 0, z: 0 };
  f32(196, origin.x);
  f32(200, origin.y);
  f32(204, origin.z);
  bytes.set([0x4d, 0x41, 0x50, 0x20], 208); // "MAP "
  bytes.set([0x44, 0x44, 0x00, 0x00], 212);
  const labels = (options.labels ?? [`Created by ets ${VERSION}`])
    .map((label) => label.replace(/[^\x20-\x7e]/g, "?").slice(0, 80))
    .filter((label) => label.trim() !== "");
  i32(220, labels.length);
  labels.forEach((label, i) => {
    for (let k = 0; k < label.length; k++) bytes[224 + 80 * i + k] = label.charCodeAt(k);
  });
  bytes.set(ext, HEADER_BYTES);
  return bytes;
}

/**
 * Encodes a float32 volume or image stack (x fastest, length nx·ny·nz) as a complete MRC2014 file:
 * mode 2, little-endian, exact statistics, ISPG 1 (0 for image stacks), NVERSION 20140, an FEI1
 * extended header when `tiltAngles` are given. Throws RangeError for inconsistent arguments.
 * Needs no permissions.
 */
export function encodeMrc(
  nx: number,
  ny: number,
  nz: number,
  data: Float32Array,
  options: MrcWriteOptions,
): Uint8Array {
  checkWriteOptions(nx, ny, nz, options);
  if (data.length !== nx * ny * nz) {
    throw new RangeError(`MRC data must hold ${nx}x${ny}x${nz} values, got ${data.length}`);
  }
  const stats = new MrcStats();
  stats.add(data);
  const header = encodeMrcHeader(nx, ny, nz, stats, options, false);
  const bytes = new Uint8Array(header.length + 4 * data.length);
  bytes.set(header);
  bytes.set(float32LeBytes(data), header.length);
  return bytes;
}

/**
 * `values` as little-endian float32 bytes (a view when the host is little-endian). Internal to
 * lib/mrc. Needs no permissions.
 */
export function float32LeBytes(values: Float32Array): Uint8Array {
  if (HOST_LITTLE) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.byteLength);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i]!, true);
  return bytes;
}

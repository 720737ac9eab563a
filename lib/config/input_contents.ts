/**
 * Reading what a run will use, not only checking that it exists: maps (MRC header consistent
 * with the file size, every voxel finite), atomic models (PDB/mmCIF parse with at least one atom
 * and finite coordinates), text files read with a size cap (so `-i /dev/zero` ends in one line).
 * Each check returns the size facts the estimates need (voxel counts, extents).
 *
 * @module
 */
import { EtsError } from "../errors/mod.ts";
import { readMrcHeader, readMrcSections } from "../mrc/mod.ts";
import { parseAtomicModel } from "../pdb/mod.ts";

/** Largest config or coordinate template read, bytes. */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/** Largest atomic model read, bytes. */
export const MAX_MODEL_BYTES = 1024 * 1024 * 1024;

/** Sections of a map scanned at once (bounded memory whatever the map's size). */
const SCAN_VALUES = 1 << 22;

/** A problem with a file's contents (the caller adds the key and the file). */
export class ContentProblem extends Error {}

/**
 * Reads at most `maxBytes` of `path` (a regular file, a FIFO or a device alike) and decodes it as
 * UTF-8. Throws a ContentProblem when it is longer, NotFound etc. as Deno does.
 * Needs --allow-read on `path`.
 */
export async function readTextCapped(path: string, maxBytes = MAX_TEXT_BYTES): Promise<string> {
  const file = await Deno.open(path, { read: true });
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const buffer = new Uint8Array(1 << 16);
    while (true) {
      const n = await file.read(buffer);
      if (n === null) break;
      total += n;
      if (total > maxBytes) {
        throw new ContentProblem(
          `is larger than ${maxBytes / (1024 * 1024)} MiB, more than a text input can be`,
        );
      }
      chunks.push(buffer.slice(0, n));
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    if (bytes.includes(0)) throw new ContentProblem("is not a text file (it holds NUL bytes)");
    return new TextDecoder().decode(bytes);
  } finally {
    file.close();
  }
}

/** The reason of an EtsError from a reader, without its "Cannot read "path": " prefix. */
function reasonOf(error: unknown, path: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const prefix = `Cannot read "${path}": `;
  return `cannot be read: ${message.startsWith(prefix) ? message.slice(prefix.length) : message}`;
}

/** What a map check found. */
export interface MapFacts {
  /** Voxels along x, y, z. */
  nx: number;
  ny: number;
  nz: number;
  /** Voxel size along x, Å. */
  voxelSizeA: number;
}

/**
 * Checks an MRC map: the header is consistent with the file size, the sizes are positive, and no
 * voxel is NaN or ±Inf (scanned a few million voxels at a time). Throws ContentProblem.
 * Needs --allow-read on `path`.
 */
export async function checkMapFile(path: string): Promise<MapFacts> {
  let header;
  try {
    header = await readMrcHeader(path);
  } catch (error) {
    if (error instanceof EtsError) throw new ContentProblem(reasonOf(error, path));
    throw error;
  }
  const { nx, ny, nz } = header;
  if (!(nx >= 1 && ny >= 1 && nz >= 1)) {
    throw new ContentProblem(`has an empty grid (${nx}x${ny}x${nz} voxels)`);
  }
  const section = nx * ny;
  const step = Math.max(1, Math.floor(SCAN_VALUES / section));
  const bad = { nan: 0, inf: 0, first: -1 };
  for (let z = 0; z < nz; z += step) {
    const count = Math.min(step, nz - z);
    let values: Float32Array;
    try {
      values = await readMrcSections(path, z, count);
    } catch (error) {
      if (error instanceof EtsError) {
        if (/not z/.test(error.message)) return facts(header);
        throw new ContentProblem(reasonOf(error, path));
      }
      throw error;
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v - v !== 0) {
        if (Number.isNaN(v)) bad.nan += 1;
        else bad.inf += 1;
        if (bad.first < 0) bad.first = z * section + i;
      }
    }
  }
  if (bad.first >= 0) {
    const total = nx * ny * nz;
    const x = bad.first % nx,
      y = Math.floor(bad.first / nx) % ny,
      z = Math.floor(bad.first / section);
    throw new ContentProblem(
      `has ${bad.nan} NaN and ${bad.inf} infinite voxel(s) of ${total} (first at x=${x} y=${y} z=${z}); a map must be finite everywhere`,
    );
  }
  return facts(header);
}

function facts(header: { nx: number; ny: number; nz: number; voxelSize: { x: number } }) {
  return { nx: header.nx, ny: header.ny, nz: header.nz, voxelSizeA: header.voxelSize.x };
}

/** Whether this machine stores floats little-endian (`map_file_byte_order = native`). */
const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Checks a raw map (TEM-Simulator `map_file_format = raw`: float32 values without a header):
 * the file holds at least nx·ny·nz values and none of them is NaN or ±Inf, read in the given
 * byte order (`native` when undefined) a few million values at a time. Throws ContentProblem.
 * Needs --allow-read on `path`.
 */
export async function checkRawMapFile(
  path: string,
  size: { nx: number; ny: number; nz: number },
  byteOrder?: "le" | "be" | "native",
): Promise<void> {
  const values = size.nx * size.ny * size.nz;
  const needed = values * 4;
  const bytes = (await Deno.stat(path)).size;
  if (bytes < needed) {
    throw new ContentProblem(
      `has ${bytes} bytes, a raw ${size.nx}x${size.ny}x${size.nz} map needs ${needed} ` +
        `(nx·ny·nz float32 values)`,
    );
  }
  const littleEndian = byteOrder === "le" || (byteOrder !== "be" && NATIVE_LITTLE_ENDIAN);
  const file = await Deno.open(path, { read: true });
  const bad = { nan: 0, inf: 0, first: -1 };
  try {
    const buffer = new Uint8Array(Math.min(needed, 4 * SCAN_VALUES));
    let index = 0;
    while (index < values) {
      const want = Math.min(buffer.length, (values - index) * 4);
      let filled = 0;
      while (filled < want) {
        const n = await file.read(buffer.subarray(filled, want));
        if (n === null) throw new ContentProblem("ended while it was being read");
        filled += n;
      }
      const view = new DataView(buffer.buffer, 0, want);
      for (let at = 0; at < want; at += 4, index++) {
        const v = view.getFloat32(at, littleEndian);
        if (v - v !== 0) {
          if (Number.isNaN(v)) bad.nan += 1;
          else bad.inf += 1;
          if (bad.first < 0) bad.first = index;
        }
      }
    }
  } finally {
    file.close();
  }
  if (bad.first >= 0) {
    throw new ContentProblem(
      `has ${bad.nan} NaN and ${bad.inf} infinite value(s) of ${values} (first at value ` +
        `${bad.first}); a map must be finite everywhere`,
    );
  }
}

/** What an atomic-model check found. */
export interface ModelFacts {
  /** Atoms of the first model. */
  atoms: number;
  /** Extent of the atoms along x, y, z, Å. */
  extentA: [number, number, number];
}

/**
 * Checks an atomic model (PDB or mmCIF, by extension or content): it parses, has at least one
 * atom, and every coordinate is finite. Throws ContentProblem. Needs --allow-read on `path`.
 */
export async function checkAtomicModelFile(path: string): Promise<ModelFacts> {
  const size = (await Deno.stat(path)).size;
  if (size > MAX_MODEL_BYTES) {
    throw new ContentProblem(`is ${size} bytes, above the ${MAX_MODEL_BYTES} bytes of a model`);
  }
  let bytes = await Deno.readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
        .pipeThrough(new DecompressionStream("gzip"));
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    } catch {
      throw new ContentProblem("is broken gzip data");
    }
  }
  if (bytes.includes(0)) throw new ContentProblem("is not a PDB or mmCIF text file");
  let model;
  try {
    model = parseAtomicModel(new TextDecoder().decode(bytes), path);
  } catch (error) {
    if (error instanceof EtsError) throw new ContentProblem(reasonOf(error, path));
    throw error;
  }
  if (model.atoms.length === 0) {
    throw new ContentProblem("has no ATOM/HETATM records (0 atoms): not a PDB or mmCIF model");
  }
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (const atom of model.atoms) {
    const c = [atom.x, atom.y, atom.z];
    for (let d = 0; d < 3; d++) {
      const v = c[d]!;
      if (!Number.isFinite(v)) {
        throw new ContentProblem(`atom ${atom.serial} has a non-finite coordinate`);
      }
      if (v < lo[d]!) lo[d] = v;
      if (v > hi[d]!) hi[d] = v;
    }
  }
  return {
    atoms: model.atoms.length,
    extentA: [hi[0]! - lo[0]!, hi[1]! - lo[1]!, hi[2]! - lo[2]!],
  };
}

/**
 * Voxels of the potential map the engine computes from a model of extent `extentA` (Å) at
 * `voxelSizeNm`: TEM-Simulator's box, (extent + 10 Å) / voxel size per axis, rounded up.
 * Needs no permissions.
 */
export function modelMapVoxels(extentA: readonly number[], voxelSizeNm: number): number {
  const v = voxelSizeNm * 10;
  return extentA.reduce((product, e) => product * Math.max(1, Math.ceil((e + 10) / v)), 1);
}

/** `map` or `pdb` by file name as generate tells them apart; undefined when neither. */
export function modelKind(path: string): "map" | "pdb" | undefined {
  const lower = path.toLowerCase();
  if (/\.(pdb|ent)$/.test(lower)) return "pdb";
  if (/\.(mrc|map|ccp4|mrcs|rec|st)$/.test(lower)) return "map";
  return undefined;
}

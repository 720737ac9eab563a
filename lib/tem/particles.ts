/**
 * Particle potentials (spec §3.2, §3.3): from PDB files, from MRC or raw maps (axis order, byte
 * order, int16 maps in mV, famp or an imaginary map), and the boundary-mean subtraction that makes
 * every potential relative to the embedding ice.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import { decodeMrcHeader } from "../mrc/mod.ts";
import type { MapAxisOrder, ParticleParameters, PdbTransform } from "./input/mod.ts";
import { readPdbTransformFile } from "./input/mod.ts";
import type { Beam } from "./beam.ts";
import {
  type PdbPotential,
  pdbPotential,
  type PotentialMap,
  readPdbAtoms,
} from "./pdb_potential.ts";
import type { ParticleMap } from "./projection.ts";
import { randomPotential } from "./random_particle.ts";
import type { RandomStream } from "./random.ts";

/** Mean over the voxels on the six faces of a box (each voxel once). Needs no permissions. */
export function boundaryMean(data: ArrayLike<number>, nx: number, ny: number, nz: number): number {
  let sum = 0, count = 0;
  for (let z = 0; z < nz; z++) {
    const zEdge = z === 0 || z === nz - 1;
    for (let y = 0; y < ny; y++) {
      const yEdge = zEdge || y === 0 || y === ny - 1;
      const row = (z * ny + y) * nx;
      if (yEdge) {
        for (let x = 0; x < nx; x++) sum += data[row + x]!;
        count += nx;
      } else {
        sum += data[row]!;
        count++;
        if (nx > 1) {
          sum += data[row + nx - 1]!;
          count++;
        }
      }
    }
  }
  return count === 0 ? 0 : sum / count;
}

/** A copy of `data` minus its boundary mean, in a buffer that workers may share. */
function relativeToIce(
  data: Float32Array,
  nx: number,
  ny: number,
  nz: number,
  shared: boolean,
): Float32Array {
  const mean = boundaryMean(data, nx, ny, nz);
  const buffer = shared ? new SharedArrayBuffer(data.length * 4) : new ArrayBuffer(data.length * 4);
  const out = new Float32Array(buffer);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! - mean;
  return out;
}

/** A loaded particle: the map used for imaging and, for pdb/random sources, the absolute maps. */
export interface LoadedParticle {
  /** The particle component's name. */
  name: string;
  map: ParticleMap;
  /** Absolute potential (pdb/random sources), written by generate_particle_maps. */
  absolute?: PotentialMap;
  /** Lines for the log. */
  log: string[];
}

/** Raw (header-less or MRC) float data read with TEM-Simulator's layout rules. */
interface RawMap {
  nx: number;
  ny: number;
  nz: number;
  data: Float32Array;
  /** Voxel size from the MRC header, nm (undefined for raw files). */
  headerVoxelSize?: number;
}

/** Reorders file-order data (first letter of `order` fastest) to x fastest. */
function toXyz(data: Float32Array, dims: [number, number, number], order: MapAxisOrder): RawMap {
  const axis = { x: 0, y: 1, z: 2 } as const;
  const fileAxes = [...order].map((c) => axis[c as "x" | "y" | "z"]);
  const n: [number, number, number] = [0, 0, 0];
  fileAxes.forEach((a, i) => n[a] = dims[i]!);
  if (order === "xyz") return { nx: n[0], ny: n[1], nz: n[2], data };
  const out = new Float32Array(data.length);
  const strides = [1, n[0], n[0] * n[1]];
  const s0 = strides[fileAxes[0]!]!, s1 = strides[fileAxes[1]!]!, s2 = strides[fileAxes[2]!]!;
  let i = 0;
  for (let c = 0; c < dims[2]; c++) {
    for (let b = 0; b < dims[1]; b++) {
      for (let a = 0; a < dims[0]; a++) out[a * s0 + b * s1 + c * s2] = data[i++]!;
    }
  }
  return { nx: n[0], ny: n[1], nz: n[2], data: out };
}

/**
 * Decodes a particle map file (spec §3.3): MRC (mode 2 float32 V, mode 1 int16 mV; byte order from
 * the header; MAPC/MAPR/MAPS ignored) or raw float32. Needs no permissions.
 */
export function decodeParticleMap(
  bytes: Uint8Array,
  name: string,
  particle: ParticleParameters,
): RawMap {
  const order = particle.map_axis_order;
  if (particle.map_file_format === "raw") return decodeRawMap(bytes, name, particle, order);
  return decodeMrcMap(bytes, name, order);
}

/** Decodes a header-less float32 map of the particle's nx × ny × nz, in its byte and axis order. */
function decodeRawMap(
  bytes: Uint8Array,
  name: string,
  particle: ParticleParameters,
  order: MapAxisOrder,
): RawMap {
  const { nx, ny, nz } = particle;
  if (nx === undefined || ny === undefined || nz === undefined) {
    throw inputError(`Cannot read "${name}": raw maps need nx, ny and nz`, { file: name });
  }
  const count = nx * ny * nz;
  if (bytes.length < count * 4) {
    throw inputError(
      `Cannot read "${name}": ${bytes.length} bytes, a ${nx}×${ny}×${nz} float32 map needs ${
        count * 4
      }`,
      {
        file: name,
      },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = particle.map_file_byte_order !== "be";
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, little);
  const dims = [nx, ny, nz];
  const axis = { x: 0, y: 1, z: 2 } as const;
  const fileDims = [...order].map((c) => dims[axis[c as "x" | "y" | "z"]]!) as [
    number,
    number,
    number,
  ];
  return toXyz(data, fileDims, order);
}

/**
 * Decodes an MRC particle map (mode 2 float32 V or mode 1 int16 mV, in the header's byte order),
 * with the voxel size its cell gives.
 */
function decodeMrcMap(bytes: Uint8Array, name: string, order: MapAxisOrder): RawMap {
  const header = decodeMrcHeader(bytes, name);
  if (header.mode !== 1 && header.mode !== 2) {
    throw inputError(
      `Cannot read "${name}": MRC mode ${header.mode} is not supported for particle maps (use 1 or 2)`,
      {
        file: name,
      },
    );
  }
  const count = header.nx * header.ny * header.nz;
  const size = header.mode === 2 ? 4 : 2;
  const offset = 1024 + header.extendedHeaderBytes;
  if (bytes.length < offset + count * size) {
    throw inputError(`Cannot read "${name}": the file is truncated (${bytes.length} bytes)`, {
      file: name,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * size);
  const data = new Float32Array(count);
  const little = header.littleEndian;
  if (header.mode === 2) {
    for (let i = 0; i < count; i++) {
      data[i] = view.getFloat32(4 * i, little);
    }
  } else for (let i = 0; i < count; i++) data[i] = view.getInt16(2 * i, little) * 1e-3;
  const map = toXyz(data, [header.nx, header.ny, header.nz], order);
  const cell = header.cella.x + header.cella.y + header.cella.z;
  const n = header.nx + header.ny + header.nz;
  return { ...map, headerVoxelSize: n > 0 && cell > 0 ? cell / n / 10 : undefined };
}

/** Everything {@linkcode loadParticle} needs from the run. */
export interface ParticleContext {
  beam?: Beam;
  /** Allocate maps in SharedArrayBuffers (for workers). */
  shared: boolean;
  /** Random stream for random-source particles. */
  random: RandomStream;
  /** Reads a file (seam for tests). */
  readFile(path: string): Promise<Uint8Array>;
  /** File name as the log shows it. */
  displayName(path: string): string;
}

/** Loads or computes one particle (spec §3.2, §3.3). Needs --allow-read on its input files. */
export async function loadParticle(
  particle: ParticleParameters,
  context: ParticleContext,
): Promise<LoadedParticle> {
  const log: string[] = [];
  if (particle.use_defocus_corr) {
    log.push(
      `Warning: particle "${particle.name}": use_defocus_corr is not supported (its Laplacian is broken in ` +
        "TEM-Simulator 1.3); the particle is projected without it.",
    );
  }
  const famp = particle.use_imag_pot ? 0 : particle.famp ?? 0;
  if (particle.source === "map") return await loadMapParticle(particle, context, famp, log);
  let absolute: PotentialMap;
  if (particle.source === "pdb") {
    absolute = await pdbParticlePotential(particle, context, log);
  } else {
    absolute = randomPotential(particle, context.random);
    log.push("Particle map generated from random coefficients.");
  }
  return {
    name: particle.name,
    map: iceRelativeMap(absolute, absolute.voxelSize, famp, context.shared),
    absolute,
    log,
  };
}

/** The imaging map of a potential: its maps relative to the ice, its voxel size and famp. */
function iceRelativeMap(
  potential: Omit<PotentialMap, "voxelSize">,
  voxelSize: number,
  famp: number,
  shared: boolean,
): ParticleMap {
  const { nx, ny, nz } = potential;
  return {
    nx,
    ny,
    nz,
    voxelSize,
    re: relativeToIce(potential.re, nx, ny, nz, shared),
    im: potential.im === undefined ? undefined : relativeToIce(potential.im, nx, ny, nz, shared),
    famp,
  };
}

/**
 * Reads a map-source particle: its real map, its imaginary map with use_imag_pot, and its voxel
 * size (voxel_size, else the MRC header's).
 */
async function loadMapParticle(
  particle: ParticleParameters,
  context: ParticleContext,
  famp: number,
  log: string[],
): Promise<LoadedParticle> {
  const rePath = particle.map_file_re_in!;
  const re = decodeParticleMap(await context.readFile(rePath), rePath, particle);
  log.push(`Particle map read from file ${context.displayName(rePath)}.`);
  const im = particle.use_imag_pot ? await readImaginaryMap(particle, context, re, log) : undefined;
  const voxelSize = mapVoxelSize(particle, re, log);
  return {
    name: particle.name,
    map: iceRelativeMap(
      { nx: re.nx, ny: re.ny, nz: re.nz, re: re.data, im: im?.data },
      voxelSize,
      famp,
      context.shared,
    ),
    log,
  };
}

/** Reads the imaginary map (map_file_im_in) of a particle whose real map is `re`. */
async function readImaginaryMap(
  particle: ParticleParameters,
  context: ParticleContext,
  re: RawMap,
  log: string[],
): Promise<RawMap> {
  const imPath = particle.map_file_im_in;
  if (imPath === undefined) {
    throw inputError(
      `Cannot use particle "${particle.name}": use_imag_pot = yes needs map_file_im_in`,
      {
        key: "map_file_im_in",
      },
    );
  }
  const im = decodeParticleMap(await context.readFile(imPath), imPath, particle);
  checkImaginaryMapSize(particle, re, im, imPath);
  log.push(`Particle map read from file ${context.displayName(imPath)}.`);
  return im;
}

/** Checks that the imaginary map `im` (read from `imPath`) has the real map's size. */
function checkImaginaryMapSize(
  particle: ParticleParameters,
  re: RawMap,
  im: RawMap,
  imPath: string,
): void {
  if (im.nx !== re.nx || im.ny !== re.ny || im.nz !== re.nz) {
    throw inputError(
      `Cannot use particle "${particle.name}": map_file_im_in is ${im.nx}×${im.ny}×${im.nz}, map_file_re_in ${re.nx}×${re.ny}×${re.nz}`,
      { file: imPath },
    );
  }
}

/**
 * The voxel size of a map particle: voxel_size if given (with a warning if the map header says
 * otherwise), else the MRC header's; a raw map needs voxel_size.
 */
function mapVoxelSize(particle: ParticleParameters, re: RawMap, log: string[]): number {
  const voxelSize = particle.voxel_size ?? re.headerVoxelSize;
  if (voxelSize === undefined) {
    throw inputError(
      `Cannot use particle "${particle.name}": voxel_size is needed for a raw map`,
      {
        key: "voxel_size",
      },
    );
  }
  if (
    particle.voxel_size !== undefined && re.headerVoxelSize !== undefined &&
    Math.abs(particle.voxel_size - re.headerVoxelSize) > 0.01 * re.headerVoxelSize
  ) {
    log.push(
      `Warning: voxel_size ${particle.voxel_size} nm differs from the map header (${re.headerVoxelSize} nm); using voxel_size.`,
    );
  }
  return voxelSize;
}

/** Builds a particle's potential from its PDB file (and transform file), logging what it used. */
async function pdbParticlePotential(
  particle: ParticleParameters,
  context: ParticleContext,
  log: string[],
): Promise<PdbPotential> {
  const path = particle.pdb_file_in!;
  log.push(`Generating potential from pdb file ${context.displayName(path)}.`);
  const text = new TextDecoder().decode(await context.readFile(path));
  const transforms: PdbTransform[] = particle.pdb_transf_file_in === undefined
    ? []
    : await readPdbTransformFile(particle.pdb_transf_file_in);
  const potential: PdbPotential = pdbPotential(readPdbAtoms(text), {
    voxelSize: particle.voxel_size!,
    nx: particle.nx,
    ny: particle.ny,
    nz: particle.nz,
    addHydrogen: particle.add_hydrogen,
    imaginary: particle.use_imag_pot,
    beam: context.beam,
    transforms,
  });
  logPdbPotential(potential, log);
  return potential;
}

/** The log lines of a potential built from a PDB file: size, centre, atoms and copies. */
function logPdbPotential(potential: PdbPotential, log: string[]): void {
  log.push(`Size of particle map: ${potential.nx} x ${potential.ny} x ${potential.nz}`);
  const [cx, cy, cz] = potential.centre;
  log.push(
    `PDB coordinates of map center: (${cx.toFixed(6)}, ${cy.toFixed(6)}, ${cz.toFixed(6)})`,
  );
  log.push("Number of atoms used to compute potential:");
  for (const [element, count] of potential.atomCounts) {
    log.push(`${element.padStart(2)} : ${count}`);
  }
  log.push(`Number of transformed copies of PDB model: ${potential.copies}`);
  log.push("Particle map generated from pbd file.");
}

/**
 * The checks `ets tem-simulator FILE` makes after parsing its input and before allocating: every
 * particle map is read (header consistent with the file, no NaN or Inf voxel), every PDB parses
 * with at least one atom, and the run's memory and disk estimate (docs/sizes.md) fits the
 * machine. Each refusal is one line, exit 2.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import { availableMemory, freeDiskBytes } from "../platform/mod.ts";
import { MAX_TILTS, requireRunFits, type RunEstimate } from "./estimate.ts";
import {
  checkAtomicModelFile,
  checkMapFile,
  ContentProblem,
  modelMapVoxels,
  readTextCapped,
} from "./input_contents.ts";
import { dirnameOf } from "./paths.ts";
import { parseTableOf } from "../tem/input/mod.ts";

/** What the checks read of a parsed engine input (lib/tem SimulationInput). */
export interface EngineInputFacts {
  /** Detectors. */
  detectors: { det_pix_x: number; det_pix_y: number; padding: number; image_file_out?: string }[];
  /** Geometry. */
  geometry?: { gen_tilt_data: boolean; ntilts?: number; geom_file_in?: string };
  /** Particles. */
  particles: {
    name: string;
    source: "pdb" | "map" | "random";
    voxel_size?: number;
    nx?: number;
    ny?: number;
    nz?: number;
    pdb_file_in?: string;
    map_file_re_in?: string;
    map_file_im_in?: string;
    map_file_format: string;
  }[];
  /** Volumes. */
  volumes?: { nx: number; ny: number; nz: number }[];
  /** The input file as named. */
  fileName: string;
  /** Absolute path of the input file. */
  sourceFile: string;
}

/**
 * Tilts of the series: `ntilts`, else the rows of geom_file_in (size-capped, through the engine's
 * table reader).
 */
async function tiltCount(input: EngineInputFacts): Promise<number> {
  const geometry = input.geometry;
  if (geometry === undefined) return 1;
  if (geometry.ntilts !== undefined) return geometry.ntilts;
  if (geometry.geom_file_in === undefined) return 1;
  const text = await readTextCapped(geometry.geom_file_in);
  return parseTableOf("tilt-angle", text, { fileName: geometry.geom_file_in }).rows.length;
}

/** Voxels of a particle's potential, reading its map or model. */
async function particleVoxels(
  particle: EngineInputFacts["particles"][number],
  fail: (reason: string) => never,
): Promise<number> {
  const box = particle.nx !== undefined && particle.ny !== undefined && particle.nz !== undefined
    ? particle.nx * particle.ny * particle.nz
    : undefined;
  const label = `particle "${particle.name}"`;
  try {
    if (particle.source === "random") return box ?? 0;
    if (particle.source === "pdb") {
      if (particle.pdb_file_in === undefined) return box ?? 0;
      const facts = await checkAtomicModelFile(particle.pdb_file_in);
      return box ?? modelMapVoxels(facts.extentA, particle.voxel_size ?? 0.1);
    }
    let voxels = 0;
    for (const path of [particle.map_file_re_in, particle.map_file_im_in]) {
      if (path === undefined) continue;
      if (particle.map_file_format === "raw") {
        voxels += box ?? 0;
        continue;
      }
      const facts = await checkMapFile(path);
      voxels += facts.nx * facts.ny * facts.nz;
    }
    return voxels;
  } catch (error) {
    if (error instanceof ContentProblem) {
      const file = particle.source === "pdb"
        ? particle.pdb_file_in
        : particle.map_file_re_in ?? particle.map_file_im_in;
      return fail(`${label}: "${file}" ${error.message}`);
    }
    throw error;
  }
}

/**
 * Checks an engine input's files and sizes (see the module doc). `threads` is the number of tilt
 * threads the run will use. Throws an input error (exit 2). Needs --allow-read on the input's
 * files and output folders, --allow-sys for the memory figure (skipped without it).
 */
export async function requireEngineInputFits(
  input: EngineInputFacts,
  threads: number,
): Promise<RunEstimate | undefined> {
  const fail = (reason: string): never => {
    throw inputError(`Cannot run "${input.fileName}": ${reason}`);
  };
  const tilts = await tiltCount(input);
  if (tilts > MAX_TILTS) fail(`${tilts} tilts; at most ${MAX_TILTS} per series are supported`);
  const mapVoxels: number[] = [];
  for (const particle of input.particles) mapVoxels.push(await particleVoxels(particle, fail));
  for (const volume of input.volumes ?? []) mapVoxels.push(volume.nx * volume.ny * volume.nz);
  const largest = input.detectors.reduce(
    (best, d) => d.det_pix_x * d.det_pix_y > best.det_pix_x * best.det_pix_y ? d : best,
    input.detectors[0] ?? { det_pix_x: 0, det_pix_y: 0, padding: 0 },
  );
  if (input.detectors.length === 0 && mapVoxels.length === 0) return undefined;
  const output = input.detectors.find((d) => d.image_file_out !== undefined)?.image_file_out;
  const disk = await freeDiskBytes(dirnameOf(output ?? input.sourceFile));
  const detectors = Math.max(1, input.detectors.length);
  return requireRunFits(
    {
      stack: {
        nx: largest.det_pix_x,
        ny: largest.det_pix_y,
        padding: largest.padding,
        tilts,
        mapVoxels,
        threads,
        embedded: true,
      },
      totalStacks: 0,
      // one "stack" is two series; a run writes one per detector
      stacksToDo: detectors / 2,
      particles: 0,
      workers: 1,
      assemblyMemory: 0,
      assemblyDisk: 0,
      servers: 0,
      unit: "this simulation",
    },
    { memory: availableMemory(), disk },
  );
}

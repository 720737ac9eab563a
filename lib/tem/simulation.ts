/**
 * `runTemSimulation`: a whole TEM-Simulator 1.3 run (spec §3.1 order): particle maps, volumes,
 * then micrographs — components set up in the reference order, tilts simulated in parallel, images
 * appended in tilt order, text outputs and the log written.
 *
 * @module
 */
import { EtsError, runtimeError } from "../errors/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";
import { writeMrc } from "../mrc/mod.ts";
import {
  type MapFileFormat,
  parseSimulationFile,
  type ParticleCoordinate,
  type ParticleParameters,
  type ParticleSetParameters,
  readCoordinateFile,
  redirectOutputs,
  type SimulationInput,
} from "./input/mod.ts";
import { chooseLogPath, SimulationLog, writeCoordinateFile } from "./text_output/mod.ts";
import { type Beam, beamFor } from "./beam.ts";
import { type GridSizing, imagingGrids } from "./imaging_setup.ts";
import { generateMicrographs, type PlacedSet } from "./micrographs.ts";
import { type LoadedParticle, loadParticle } from "./particles.ts";
import { gridPlacement, randomPlacement } from "./placement.ts";
import type { PotentialMap } from "./pdb_potential.ts";
import { RandomStream } from "./random.ts";
import { particleRotation } from "../geometry/mod.ts";
import { computeVolume, writeVolumeMap } from "./volume.ts";

/** Options of {@linkcode runTemSimulation}. */
export interface TemSimulationOptions {
  /**
   * Threads for the tilts (1 runs in this thread; default: 1 for grids up to
   * {@linkcode SINGLE_THREAD_GRID} pixels, else the number of CPUs).
   */
  threads?: number;
  /** Aborts the run (outputs are removed). */
  signal?: AbortSignal;
  /** Called with every progress line of the log (e.g. to echo to stdout). */
  echo?: (line: string) => void;
  /** Padded grid sizes (default `auto`). */
  gridSizing?: GridSizing;
  /** Multislice layout (default `auto`: small tiles around particles when they pay). */
  multislice?: "auto" | "global" | "tiles";
  /** Write every output (and the log) into this folder instead, keeping the file names. */
  outputFolder?: string;
}

/** Everything shared by the stages of a run. */
interface RunContext {
  input: SimulationInput;
  log: SimulationLog;
  seed: number;
  random: RandomStream;
  beam?: Beam;
  particles: Map<string, LoadedParticle>;
  shared: boolean;
  signal?: AbortSignal;
  /** Particle sets, placed once and shared by volumes and micrographs. */
  placed?: { sets: PlacedSet[]; types: LoadedParticle[] };
}

async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new EtsError(`Cannot read "${path}": ${error instanceof Error ? error.message : error}`, {
      kind: "input",
      file: path,
      cause: error,
    });
  }
}

async function particleNamed(context: RunContext, name: string): Promise<LoadedParticle> {
  let loaded = context.particles.get(name);
  if (loaded !== undefined) return loaded;
  const particle = context.input.particles.find((p) => p.name === name) ??
    (name === "" && context.input.particles.length === 1 ? context.input.particles[0] : undefined);
  if (particle === undefined) {
    throw new EtsError(`Cannot find particle "${name}"`, { kind: "input", key: "particle_type" });
  }
  loaded = await loadParticle(particle, {
    beam: context.beam,
    shared: context.shared,
    random: context.random,
    readFile: readFileBytes,
    displayName: (path) => context.log.fileName(path),
  });
  for (const line of loaded.log) {
    if (line.startsWith("Warning: ")) context.log.warning(line.slice(9));
    else context.log.note(line);
  }
  context.log.note("Particle component initialized.");
  context.log.blank();
  context.particles.set(name, loaded);
  return loaded;
}

/** Writes a potential map (generate_particle_maps) in the particle's map format. */
async function writePotentialMap(
  path: string,
  data: Float32Array,
  map: PotentialMap,
  format: MapFileFormat,
  littleEndian: boolean,
): Promise<void> {
  if (format === "raw") {
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, littleEndian);
    await writeFileAtomic(path, bytes);
    return;
  }
  await writeMrc(path, map.nx, map.ny, map.nz, data, { voxelSize: map.voxelSize * 10 });
}

async function generateParticleMaps(context: RunContext): Promise<void> {
  const { input, log } = context;
  log.note(`Generating particle maps.`);
  for (const particle of input.particles) {
    if (particle.source === "map") continue;
    const loaded = await particleNamed(context, particle.name);
    const absolute = loaded.absolute!;
    const little = particle.map_file_byte_order !== "be";
    if (particle.map_file_re_out !== undefined) {
      await writePotentialMap(
        particle.map_file_re_out,
        absolute.re,
        absolute,
        particle.map_file_format,
        little,
      );
      log.note(`Particle map written to file ${log.fileName(particle.map_file_re_out)}.`);
    }
    if (particle.map_file_im_out !== undefined && absolute.im !== undefined) {
      await writePotentialMap(
        particle.map_file_im_out,
        absolute.im,
        absolute,
        particle.map_file_format,
        little,
      );
      log.note(`Particle map written to file ${log.fileName(particle.map_file_im_out)}.`);
    }
  }
}

/**
 * Sets up and places every particle set once (spec §2, §3.1 step 6). Random and grid sets
 * initialise their particle first; a file set's particle is initialised at its first projection
 * in TEM-Simulator, i.e. after every set: a random-source particle of a file set draws its
 * coefficients from the run's stream then (spec §3.9).
 */
async function placeParticleSets(
  context: RunContext,
): Promise<{ sets: PlacedSet[]; types: LoadedParticle[] }> {
  if (context.placed !== undefined) return context.placed;
  const typeIndex = new Map<string, number>();
  const maps: LoadedParticle[] = [];
  const { input, log } = context;
  const placed: PlacedSet[] = [];
  const typeOf = (loaded: LoadedParticle) => {
    let type = typeIndex.get(loaded.name);
    if (type === undefined) {
      type = maps.length;
      maps.push(loaded);
      typeIndex.set(loaded.name, type);
    }
    return type;
  };
  /** File sets whose random-source particle is initialised after every set. */
  const deferred: { set: ParticleSetParameters; placed: PlacedSet }[] = [];
  for (const set of input.particlesets) {
    const particle = particleByName(input, set.particle_type);
    const later = set.particle_coords === "file" && particle?.source === "random" &&
      !context.particles.has(particle.name);
    const loaded = later ? undefined : await particleNamed(context, set.particle_type);
    const type = loaded === undefined ? -1 : typeOf(loaded);
    let coordinates: ParticleCoordinate[];
    if (set.particle_coords === "file") {
      const rows = await readCoordinateFile(set.coord_file_in!);
      coordinates = rows.slice(0, set.num_particles ?? rows.length);
    } else {
      const placement = set.particle_coords === "grid"
        ? gridPlacement(set, context.random)
        : randomPlacement(set, input.sample!, loaded!.map, context.random);
      for (const warning of placement.warnings) log.warning(warning);
      coordinates = placement.coordinates;
      log.note(`Generated ${coordinates.length} particle coordinates.`);
      if (set.coord_file_out !== undefined) {
        await writeCoordinateFile(set.coord_file_out, coordinates);
      }
    }
    const entry = {
      type,
      coordinates,
      rotations: coordinates.map((c) => particleRotation(c.phi, c.theta, c.psi)),
    };
    placed.push(entry);
    if (later) deferred.push({ set, placed: entry });
    log.note("Particleset component initialized.");
    log.blank();
  }
  for (const { set, placed: entry } of deferred) {
    entry.type = typeOf(await particleNamed(context, set.particle_type));
  }
  context.placed = { sets: placed, types: maps };
  return context.placed;
}

async function generateVolumeMaps(context: RunContext): Promise<void> {
  const { input, log } = context;
  const { sets, types } = await placeParticleSets(context);
  log.note("Generating volumes.");
  const particles = sets.flatMap((set) =>
    set.coordinates.map((coordinate, k) => ({
      map: types[set.type]!.map,
      coordinate,
      rotation: set.rotations[k]!,
    }))
  );
  for (const volume of input.volumes) {
    const maps = computeVolume(
      volume,
      input.sample!,
      particles,
      volume.map_file_im_out !== undefined,
      context.beam,
    );
    await writeVolumeMap(volume.map_file_re_out, maps.re, volume);
    log.note(`Volume map written to file ${log.fileName(volume.map_file_re_out)}.`);
    if (volume.map_file_im_out !== undefined && maps.im !== undefined) {
      await writeVolumeMap(volume.map_file_im_out, maps.im, volume);
      log.note(`Volume map written to file ${log.fileName(volume.map_file_im_out)}.`);
    }
  }
  log.note("Volume component initialized.");
  log.blank();
}

/**
 * Wave grids up to this many pixels (≈ 724²) run in this thread by default: a worker costs ≈ 16 MB
 * for its isolate plus its own FFT memory, and its speed-up is small next to that (a 576² tilt
 * takes ≈ 60 ms). Larger grids use every CPU.
 */
export const SINGLE_THREAD_GRID = 1 << 19;

/**
 * Runs a TEM-Simulator 1.3 input file (spec §1–§4): writes the outputs it names and its log.
 * Throws EtsError (kind input for bad input, runtime otherwise). Needs --allow-read on the input
 * file and the files it names, --allow-write on the output folders, and the worker/WebAssembly
 * module reads.
 */
export async function runTemSimulation(
  path: string,
  options: TemSimulationOptions = {},
): Promise<void> {
  const input = await parseSimulationFile(path);
  if (options.outputFolder !== undefined) redirectOutputs(input, options.outputFolder);
  const log = new SimulationLog(input, { path: chooseLogPath(input), echo: options.echo });
  let seed = input.simulation.rand_seed;
  if (seed === undefined) {
    seed = Math.floor(Date.now() / 1000) % 2147483647;
  }
  const threads = Math.max(1, Math.floor(options.threads ?? defaultThreads(input)));
  const context: RunContext = {
    input,
    log,
    seed,
    random: new RandomStream(seed),
    beam: input.electronbeam === undefined ? undefined : beamFor(input.electronbeam.acc_voltage),
    particles: new Map(),
    shared: threads > 1,
    signal: options.signal,
  };
  try {
    if (input.simulation.rand_seed === undefined) {
      log.note(`Random seed taken from clock: ${seed}.`);
    }
    log.note("Simulation parameters object initialized.");
    log.blank();
    if (input.simulation.generate_particle_maps) await generateParticleMaps(context);
    if (input.simulation.generate_volumes) await generateVolumeMaps(context);
    if (input.simulation.generate_micrographs) {
      await generateMicrographs({
        input,
        log,
        seed,
        random: context.random,
        beam: context.beam!,
        signal: context.signal,
        placeParticleSets: () => placeParticleSets(context),
      }, {
        threads,
        gridSizing: options.gridSizing,
        multislice: options.multislice,
      });
    }
    log.note("Simulation complete.");
  } catch (error) {
    log.note(`Error: ${error instanceof Error ? error.message : String(error)}`);
    await log.flush().catch(() => {});
    throw error instanceof EtsError ? error : runtimeError(
      `Cannot run the TEM simulation: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  await log.flush();
}

/**
 * The default number of threads for a run: 1 for small wave grids (memory before a small speed-up),
 * else the number of CPUs. Needs no permissions.
 */
export function defaultThreads(input: SimulationInput): number {
  const cpus = Math.max(1, navigator.hardwareConcurrency ?? 1);
  if (!input.simulation.generate_micrographs || input.optics === undefined) return cpus;
  if (input.detectors.length === 0) return cpus;
  const { wave } = imagingGrids(input);
  return wave.nx * wave.ny <= SINGLE_THREAD_GRID ? 1 : cpus;
}

/** Particle parameters by name (for the orchestrator). Needs no permissions. */
export function particleByName(
  input: SimulationInput,
  name: string,
): ParticleParameters | undefined {
  return input.particles.find((p) => p.name === name);
}

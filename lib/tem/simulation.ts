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
  readDefocusFile,
  readDoseFile,
  readGeometryErrorFile,
  readTiltAngleFile,
  redirectOutputs,
  type SimulationInput,
} from "./input/mod.ts";
import {
  chooseLogPath,
  SimulationLog,
  writeCoordinateFile,
  writeDefocusFile,
  writeDoseFile,
  writeGeometryErrorFile,
  writeTiltAngleFile,
} from "./text_output/mod.ts";
import { type Beam, beamFor, CARBON_DENSITY, ICE_DENSITY } from "./beam.ts";
import { crossSection } from "./cross_sections.ts";
import { fastFftSize, isFastFftSize } from "./fft.ts";
import { geometryErrors, nominalTilts, tiltDefocus, tiltDoses } from "./geometry.ts";
import { type ImageSeriesWriter, openImageSeries } from "./image_output.ts";
import { scatteringKernels } from "./kernels.ts";
import { type LoadedParticle, loadParticle } from "./particles.ts";
import { DetectorStage, type NoiseStreams } from "./detector.ts";
import { gridPlacement, randomPlacement } from "./placement.ts";
import type { PotentialMap } from "./pdb_potential.ts";
import { RandomStream } from "./random.ts";
import { apply3, multiply3, particleRotation, tiltGeometryRotation } from "../geometry/mod.ts";
import type { PixelGrid } from "./sample_path.ts";
import { type TiltExecutor, workerExecutor } from "./tilt_executor.ts";
import {
  type DetectorSetup,
  type ImagingSetup,
  INSTANCE_STRIDE,
  type TiltJob,
  type TiltResult,
  TiltSimulator,
} from "./tilt_simulation.ts";
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

/** A particle set ready for imaging: type index and placements. */
interface PlacedSet {
  type: number;
  coordinates: ParticleCoordinate[];
  rotations: number[][];
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
 * How padded grids are sized: `exact` keeps TEM-Simulator's det + 2·padding (bit-for-bit the same
 * periodic boundaries; Bluestein FFTs when that size is not 2·3·5-smooth), `fast` grows it to the
 * next 2^a·3^b·5^c size (more padding, never less), `auto` is exact up to
 * {@linkcode EXACT_GRID_LIMIT} pixels and fast above.
 */
export type GridSizing = "auto" | "exact" | "fast";

/**
 * Wave grids up to this many pixels (≈ 724²) run in this thread by default: a worker costs ≈ 16 MB
 * for its isolate plus its own FFT memory, and its speed-up is small next to that (a 576² tilt
 * takes ≈ 60 ms). Larger grids use every CPU.
 */
export const SINGLE_THREAD_GRID = 1 << 19;

/** Grids above this many pixels run with this thread computing too (memory before speed). */
const LARGE_GRID = 1 << 21;

/** Largest padded size kept exact by `auto` grid sizing. */
export const EXACT_GRID_LIMIT = 512;

/** The FFT size for a padded logical size. Needs no permissions. */
export function gridSize(logical: number, sizing: GridSizing = "auto"): number {
  const even = logical + (logical % 2);
  if (isFastFftSize(logical)) return logical;
  if (sizing === "exact" || (sizing === "auto" && logical <= EXACT_GRID_LIMIT)) return even;
  return fastFftSize(logical);
}

/** The wave-function and detector grids (spec §3.6), sized by `sizing`. Needs no permissions. */
export function imagingGrids(
  input: SimulationInput,
  sizing: GridSizing = "auto",
): { wave: PixelGrid; detectors: DetectorSetup[] } {
  const magnification = input.optics!.magnification;
  const pixels = input.detectors.map((d) => d.pixel_size * 1000 / magnification);
  const waveP = Math.min(...pixels);
  const layout = (logical: number) => {
    const n = gridSize(logical, sizing);
    const extra = Math.floor((n - logical) / 2);
    return { n, extra, centre: extra + (logical - 1) / 2 };
  };
  let lx = 0, ly = 0;
  const detectors: DetectorSetup[] = input.detectors.map((d, i) => {
    const p = pixels[i]!;
    const logicalX = d.det_pix_x + 2 * d.padding, logicalY = d.det_pix_y + 2 * d.padding;
    lx = Math.max(lx, Math.ceil(logicalX * p / waveP - 1e-9));
    ly = Math.max(ly, Math.ceil(logicalY * p / waveP - 1e-9));
    const x = layout(logicalX), y = layout(logicalY);
    return {
      grid: { nx: x.n, ny: y.n, pixel: p, cx: x.centre, cy: y.centre },
      cropX: x.extra + d.padding,
      cropY: y.extra + d.padding,
      padding: d.padding,
      width: d.det_pix_x,
      height: d.det_pix_y,
      gain: d.gain,
      dqe: d.dqe,
      quantization: d.use_quantization,
      mtf: {
        a: d.mtf_a,
        b: d.mtf_b,
        c: d.mtf_c,
        alpha: d.mtf_alpha,
        beta: d.mtf_beta,
        p: d.mtf_p,
        q: d.mtf_q,
      },
    };
  });
  const wx = layout(lx), wy = layout(ly);
  return { wave: { nx: wx.n, ny: wy.n, pixel: waveP, cx: wx.centre, cy: wy.centre }, detectors };
}

async function generateMicrographs(
  context: RunContext,
  threads: number,
  options: TemSimulationOptions,
): Promise<void> {
  const sizing = options.gridSizing ?? "auto";
  const { input, log, random } = context;
  const geometry = input.geometry!, electronbeam = input.electronbeam!, optics = input.optics!;
  const sample = input.sample!;
  const beam = context.beam!;
  // Geometry, dose and defocus draw from the main stream in this order (spec §3.9).
  const tiltRows = geometry.gen_tilt_data
    ? undefined
    : await readTiltAngleFile(geometry.geom_file_in!);
  const tilts = nominalTilts(geometry, tiltRows);
  const ntilts = tilts.length;
  const errorRows = geometry.geom_errors === "file"
    ? await readGeometryErrorFile(geometry.error_file_in!)
    : undefined;
  const errors = geometryErrors(geometry, ntilts, random, errorRows);
  log.note("Geometry component initialized.");
  log.blank();
  const doses = tiltDoses(
    electronbeam,
    ntilts,
    random,
    electronbeam.gen_dose ? undefined : await readDoseFile(electronbeam.dose_file_in!),
  );
  log.note("Electronbeam component initialized.");
  log.blank();
  const defocus = tiltDefocus(
    optics,
    ntilts,
    random,
    optics.gen_defocus ? undefined : await readDefocusFile(optics.defocus_file_in!),
  );
  log.note("Optics component initialized.");
  log.blank();
  log.note("Sample component initialized.");
  log.blank();
  if (geometry.geom_file_out !== undefined) await writeTiltAngleFile(geometry.geom_file_out, tilts);
  if (geometry.error_file_out !== undefined) {
    await writeGeometryErrorFile(geometry.error_file_out, errors);
  }
  if (electronbeam.dose_file_out !== undefined) {
    await writeDoseFile(electronbeam.dose_file_out, doses);
  }
  if (optics.defocus_file_out !== undefined) {
    await writeDefocusFile(optics.defocus_file_out, defocus);
  }

  const { sets, types } = await placeParticleSets(context);

  const { wave, detectors } = imagingGrids(input, sizing);
  const rotations = tilts.map((angles, i) => tiltGeometryRotation(angles, errors[i]!));
  const maxDefocus = Math.max(...defocus.map((d) => Math.abs(d * 1000)), 0);
  const carbon = crossSection(6, beam),
    oxygen = crossSection(8, beam),
    hydrogen = crossSection(1, beam);
  const setup: ImagingSetup = {
    wave,
    beam,
    sliceThickness: wave.pixel * wave.pixel * beam.waveNumber / (4 * Math.PI),
    lens: {
      cs: optics.cs * 1e6,
      cc: optics.cc * 1e6,
      apertureAngle: optics.aperture * 1e3 / (2 * optics.focal_length * 1e6),
      illuminationAngle: optics.cond_ap_angle * 1e-3,
      energySpread: electronbeam.energy_spread,
    },
    kernels: scatteringKernels(
      beam,
      optics.aperture * 1e3 / (2 * optics.focal_length * 1e6),
      wave.pixel,
      maxDefocus,
    ),
    sample: {
      diameter: sample.diameter,
      thicknessCenter: sample.thickness_center,
      thicknessEdge: sample.thickness_edge,
      offsetX: sample.offset_x,
      offsetY: sample.offset_y,
    },
    supportRatio: CARBON_DENSITY * carbon.total /
      (ICE_DENSITY * (oxygen.total + 2 * hydrogen.total)),
    singleParticle: geometry.tilt_mode === "single_particle",
    detectors,
    maps: types.map((t) => t.map),
    multislice: options.multislice ?? "auto",
  };

  const writers: ImageSeriesWriter[] = [];
  let executor: TiltExecutor | undefined;
  try {
    for (const [i, detector] of input.detectors.entries()) {
      const { writer, warnings } = await openImageSeries(
        detector.image_file_out,
        detector.det_pix_x,
        detector.det_pix_y,
        {
          format: detector.image_file_format,
          axisOrder: detector.image_axis_order,
          byteOrder: detector.image_file_byte_order,
          pixelSize: detectors[i]!.grid.pixel * 10,
          tiltAngles: tilts.map((t) => t.theta),
          labels: [
            "Created by ets tem-simulator (TEM-simulator 1.3 compatible)",
            `Tilt axis rotation angle = ${(-90 + (tilts[0]?.phi ?? 0)).toFixed(2)}`,
          ],
        },
      );
      writers.push(writer);
      for (const warning of warnings) log.warning(warning);
      log.note("Detector component initialized.");
      log.blank();
    }
    log.note("Wavefunction object initialized.");
    log.blank();
    log.blank();
    log.note("Generating micrographs.");
    log.blank();
    await log.flush();

    let count = 0;
    for (const set of sets) count += set.coordinates.length;
    /** Particle buffers of finished jobs, reused (a worker receives a copy). */
    const particlePool: Float64Array[] = [];
    const jobFor = (i: number): TiltJob => {
      const p = rotations[i]!;
      const err = errors[i]!;
      const particles = particlePool.pop() ?? new Float64Array(count * INSTANCE_STRIDE);
      let o = 0;
      for (const set of sets) {
        for (const [k, c] of set.coordinates.entries()) {
          const position = setup.singleParticle ? [c.x, c.y, c.z] : apply3(p, [c.x, c.y, c.z]);
          const m = multiply3(p, set.rotations[k]!);
          particles[o] = set.type;
          particles[o + 1] = position[0]! + err.x;
          particles[o + 2] = position[1]! + err.y;
          particles[o + 3] = position[2]!;
          particles.set(m, o + 4);
          o += INSTANCE_STRIDE;
        }
      }
      const outputs = imagePools.map((pool) => pool.pop());
      return {
        outputs: outputs.every((o) => o !== undefined) ? outputs : undefined,
        index: i,
        rotation: p,
        shiftX: err.x,
        shiftY: err.y,
        defocus: defocus[i]! * 1000,
        dose: doses[i]!,
        particles,
      };
    };
    /**
     * Per detector, image (or pre-noise count) buffers written and free for reuse (bounds memory
     * on large grids).
     */
    const imagePools: ArrayBuffer[][] = input.detectors.map(() => []);
    /** The detector noise: the run's stream, in tilt and detector order (spec §3.9). */
    const noise: NoiseStreams = {
      main: random,
      extra: new RandomStream(context.seed ^ 0x2545f491),
    };
    const logTilt = (i: number, projected: number, warnings: string[]) => {
      log.note(`Computing projection number ${i + 1}.`);
      for (const warning of warnings) log.warning(warning);
      log.note(`Projected ${projected} particles.`);
    };
    const logImage = (i: number, d: number) =>
      log.note(
        `Detector image number ${i + 1} written to file ${
          log.fileName(input.detectors[d]!.image_file_out)
        }.`,
      );

    if (threads <= 1) {
      // This thread only: each detector image is written straight from the FFT memory before
      // the next one is computed (no image buffers at all).
      const simulator = await TiltSimulator.create(setup);
      for (let i = 0; i < ntilts; i++) {
        if (context.signal?.aborted) throw interruption(context.signal);
        const job = jobFor(i);
        const { projected, warnings } = simulator.simulate(job);
        particlePool.push(job.particles);
        logTilt(i, projected, warnings);
        for (let d = 0; d < writers.length; d++) {
          await untilAborted(
            writers[d]!.append(simulator.detectorImage(job, d, noise)),
            context.signal,
          );
          logImage(i, d);
        }
        log.blank();
      }
    } else {
      // Small grids: every thread in a worker (fastest). Large grids: this thread simulates tilts
      // too, with threads − 1 workers (one isolate and its buffers less in memory).
      const large = wave.nx * wave.ny > LARGE_GRID;
      const local = large ? await TiltSimulator.create(setup) : undefined;
      executor = local !== undefined
        ? await workerExecutor(setup, threads - 1, local, false)
        : await workerExecutor(setup, threads);
      // Noise, MTF and crop of detectors with quantization, here in tilt order (the noise draws
      // come from the run's one stream): in the local simulator's memory (idle between its
      // tilts), else in a stage of its own.
      const stage = !detectors.some((d) => d.quantization)
        ? undefined
        : local?.detectorStage ?? await DetectorStage.create(detectors);
      const pending = new Map<number, { job: TiltJob; result: Promise<TiltResult> }>();
      let next = 0;
      // Jobs in flight: one per thread.
      for (let i = 0; i < ntilts; i++) {
        while (next < ntilts && next < i + threads) {
          const job = jobFor(next);
          const result = executor.run(job);
          result.catch(() => {}); // awaited in order below; a failure after an earlier one is moot
          pending.set(next, { job, result });
          next++;
        }
        const { job, result: running } = pending.get(i)!;
        const result = await untilAborted(running, context.signal);
        pending.delete(i);
        particlePool.push(job.particles);
        logTilt(i, result.projected, result.warnings);
        for (const [d, image] of result.images.entries()) {
          const finished = detectors[d]!.quantization ? stage!.finish(d, noise, image) : image;
          await writers[d]!.append(finished);
          logImage(i, d);
          imagePools[d]!.push(image.buffer as ArrayBuffer);
        }
        log.blank();
      }
    }
    for (const writer of writers) await writer.close();
  } catch (error) {
    for (const writer of writers) await writer.abort();
    throw error;
  } finally {
    executor?.close();
  }
}

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
    if (input.simulation.generate_micrographs) await generateMicrographs(context, threads, options);
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

/** `promise`, or a rejection as soon as `signal` aborts. Needs no permissions. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(interruption(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interruption(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The EtsError of an aborted run (kind interrupted, with the signal if the reason names one). */
function interruption(signal: AbortSignal): EtsError {
  const reason = signal.reason as { signal?: unknown } | undefined;
  const name = reason?.signal === "SIGINT" || reason?.signal === "SIGTERM"
    ? reason.signal
    : undefined;
  return new EtsError("Cannot finish the TEM simulation: interrupted", {
    kind: "interrupted",
    signal: name,
  });
}

/** Particle parameters by name (for the orchestrator). Needs no permissions. */
export function particleByName(
  input: SimulationInput,
  name: string,
): ParticleParameters | undefined {
  return input.particles.find((p) => p.name === name);
}

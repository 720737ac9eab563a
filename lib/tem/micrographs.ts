/**
 * The micrographs of a run (spec §3.1 steps 7–8): the tilt tables (geometry, dose, defocus) drawn
 * from the run's stream and written, the particle sets placed, the imaging setup built, then the
 * tilt loop — tilts simulated in this thread or in workers, each detector image finished and
 * appended in tilt order.
 *
 * @module
 */
import { EtsError } from "../errors/mod.ts";
import { apply3, multiply3, tiltGeometryRotation } from "../geometry/mod.ts";
import {
  type ParticleCoordinate,
  readDefocusFile,
  readDoseFile,
  readGeometryErrorFile,
  readTiltAngleFile,
  type SimulationInput,
} from "./input/mod.ts";
import {
  type SimulationLog,
  writeDefocusFile,
  writeDoseFile,
  writeGeometryErrorFile,
  writeTiltAngleFile,
} from "./text_output/mod.ts";
import type { Beam } from "./beam.ts";
import type { NoiseStreams } from "./detector.ts";
import { geometryErrors, nominalTilts, tiltDefocus, tiltDoses } from "./geometry.ts";
import { type ImageSeriesWriter, openImageSeries } from "./image_output.ts";
import { type GridSizing, imagingSetup } from "./imaging_setup.ts";
import { NoiseRelay } from "./noise_relay.ts";
import type { LoadedParticle } from "./particles.ts";
import { RandomStream } from "./random.ts";
import { type TiltExecutor, workerExecutor } from "./tilt_executor.ts";
import { type ImagingSetup, INSTANCE_STRIDE, type TiltJob, type TiltResult } from "./tilt_job.ts";
import { TiltImageSlot } from "./tilt_image_slot.ts";
import { TiltSimulator } from "./tilt_simulation.ts";

/** A particle set ready for imaging: type index and placements. */
export interface PlacedSet {
  type: number;
  coordinates: ParticleCoordinate[];
  rotations: number[][];
}

/** What the micrographs take from their run. */
export interface MicrographRun {
  input: SimulationInput;
  log: SimulationLog;
  seed: number;
  /** The run's random stream. */
  random: RandomStream;
  beam: Beam;
  signal?: AbortSignal;
  /** Places the particle sets (drawing from the run's stream, after the tilt tables). */
  placeParticleSets: () => Promise<{ sets: PlacedSet[]; types: LoadedParticle[] }>;
}

/** Options of {@linkcode generateMicrographs}. */
export interface MicrographOptions {
  /** Threads for the tilts (1 runs in this thread). */
  threads: number;
  gridSizing?: GridSizing;
  multislice?: "auto" | "global" | "tiles";
}

/** The tilt tables of a run (spec §3.7): one row per tilt. */
interface TiltTables {
  tilts: ReturnType<typeof nominalTilts>;
  errors: ReturnType<typeof geometryErrors>;
  doses: number[];
  /** Defocus, µm. */
  defocus: number[];
}

/** Everything the tilt loop needs. */
interface TiltLoop {
  run: MicrographRun;
  setup: ImagingSetup;
  tables: TiltTables;
  writers: ImageSeriesWriter[];
  jobs: TiltJobs;
  /** The detector noise: the run's stream, in tilt and detector order (spec §3.9). */
  noise: NoiseStreams;
}

/**
 * Simulates the micrographs of a run and writes its tilt series and tilt tables. Throws EtsError
 * (kind interrupted when `run.signal` aborts). Needs --allow-read of the input tables,
 * --allow-write of the outputs, and the worker/WebAssembly module reads.
 */
export async function generateMicrographs(
  run: MicrographRun,
  options: MicrographOptions,
): Promise<void> {
  const { input, log } = run;
  const tables = await tiltTables(run);
  await writeTiltTables(input, tables);
  const { sets, types } = await run.placeParticleSets();
  const setup = imagingSetup(input, run.beam, {
    defocus: tables.defocus,
    maps: types.map((t) => t.map),
    gridSizing: options.gridSizing ?? "auto",
    multislice: options.multislice ?? "auto",
  });
  const writers: ImageSeriesWriter[] = [];
  let executor: TiltExecutor | undefined;
  try {
    await openDetectorSeries(input, log, setup, tables, writers);
    log.note("Wavefunction object initialized.");
    log.blank();
    log.blank();
    log.note("Generating micrographs.");
    log.blank();
    await log.flush();
    const loop: TiltLoop = {
      run,
      setup,
      tables,
      writers,
      jobs: new TiltJobs(setup, tables, sets),
      noise: { main: run.random, extra: new RandomStream(run.seed ^ 0x2545f491) },
    };
    if (options.threads <= 1) await simulateHere(loop);
    else {
      executor = await simulateInWorkers(loop, options.threads, (e) => executor = e);
    }
    for (const writer of writers) await writer.close();
  } catch (error) {
    for (const writer of writers) await writer.abort();
    throw error;
  } finally {
    executor?.close();
  }
}

/** Geometry, dose and defocus of every tilt, drawn from the main stream in this order (§3.9). */
async function tiltTables(run: MicrographRun): Promise<TiltTables> {
  const { input, log, random } = run;
  const geometry = input.geometry!, electronbeam = input.electronbeam!, optics = input.optics!;
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
  return { tilts, errors, doses, defocus };
}

/** Writes the tilt tables the input file names. */
async function writeTiltTables(input: SimulationInput, tables: TiltTables): Promise<void> {
  const geometry = input.geometry!, electronbeam = input.electronbeam!, optics = input.optics!;
  if (geometry.geom_file_out !== undefined) {
    await writeTiltAngleFile(geometry.geom_file_out, tables.tilts);
  }
  if (geometry.error_file_out !== undefined) {
    await writeGeometryErrorFile(geometry.error_file_out, tables.errors);
  }
  if (electronbeam.dose_file_out !== undefined) {
    await writeDoseFile(electronbeam.dose_file_out, tables.doses);
  }
  if (optics.defocus_file_out !== undefined) {
    await writeDefocusFile(optics.defocus_file_out, tables.defocus);
  }
}

/** Opens each detector's image series into `writers` (which the caller aborts on failure). */
async function openDetectorSeries(
  input: SimulationInput,
  log: SimulationLog,
  setup: ImagingSetup,
  tables: TiltTables,
  writers: ImageSeriesWriter[],
): Promise<void> {
  const { tilts } = tables;
  for (const [i, detector] of input.detectors.entries()) {
    const { writer, warnings } = await openImageSeries(
      detector.image_file_out,
      detector.det_pix_x,
      detector.det_pix_y,
      {
        format: detector.image_file_format,
        axisOrder: detector.image_axis_order,
        byteOrder: detector.image_file_byte_order,
        pixelSize: setup.detectors[i]!.grid.pixel * 10,
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
}

/**
 * The jobs of the tilts: every particle instance in microscope coordinates, in buffers reused
 * once a tilt is done (a worker receives a copy).
 */
class TiltJobs {
  readonly #setup: ImagingSetup;
  readonly #tables: TiltTables;
  readonly #sets: PlacedSet[];
  readonly #rotations: number[][];
  readonly #count: number;
  /** Particle buffers of finished jobs, reused. */
  readonly #particlePool: Float64Array[] = [];

  constructor(setup: ImagingSetup, tables: TiltTables, sets: PlacedSet[]) {
    this.#setup = setup;
    this.#tables = tables;
    this.#sets = sets;
    this.#rotations = tables.tilts.map((angles, i) =>
      tiltGeometryRotation(angles, tables.errors[i]!)
    );
    let count = 0;
    for (const set of sets) count += set.coordinates.length;
    this.#count = count;
  }

  /** The job of tilt `i`. */
  job(i: number): TiltJob {
    const p = this.#rotations[i]!;
    const err = this.#tables.errors[i]!;
    const particles = this.#particlePool.pop() ?? new Float64Array(this.#count * INSTANCE_STRIDE);
    let o = 0;
    for (const set of this.#sets) {
      for (const [k, c] of set.coordinates.entries()) {
        const position = this.#setup.singleParticle ? [c.x, c.y, c.z] : apply3(p, [c.x, c.y, c.z]);
        const m = multiply3(p, set.rotations[k]!);
        particles[o] = set.type;
        particles[o + 1] = position[0]! + err.x;
        particles[o + 2] = position[1]! + err.y;
        particles[o + 3] = position[2]!;
        particles.set(m, o + 4);
        o += INSTANCE_STRIDE;
      }
    }
    return {
      index: i,
      rotation: p,
      shiftX: err.x,
      shiftY: err.y,
      defocus: this.#tables.defocus[i]! * 1000,
      dose: this.#tables.doses[i]!,
      particles,
    };
  }

  /** Takes back the particle buffer of a finished job. */
  done(job: TiltJob): void {
    this.#particlePool.push(job.particles);
  }
}

function logTilt(log: SimulationLog, i: number, projected: number, warnings: string[]): void {
  log.note(`Computing projection number ${i + 1}.`);
  for (const warning of warnings) log.warning(warning);
  log.note(`Projected ${projected} particles.`);
}

function logImage(run: MicrographRun, i: number, d: number): void {
  const { log, input } = run;
  log.note(
    `Detector image number ${i + 1} written to file ${
      log.fileName(input.detectors[d]!.image_file_out)
    }.`,
  );
}

/**
 * This thread only: each detector image is written straight from the FFT memory before the next
 * one is computed (no image buffers at all).
 */
async function simulateHere(loop: TiltLoop): Promise<void> {
  const { run, writers, jobs, noise } = loop;
  const simulator = await TiltSimulator.create(loop.setup);
  for (let i = 0; i < loop.tables.tilts.length; i++) {
    if (run.signal?.aborted) throw interruption(run.signal);
    const job = jobs.job(i);
    const { projected, warnings } = simulator.simulate(job);
    jobs.done(job);
    logTilt(run.log, i, projected, warnings);
    for (let d = 0; d < writers.length; d++) {
      await untilAborted(writers[d]!.append(simulator.detectorImage(job, d, noise)), run.signal);
      logImage(run, i, d);
    }
    run.log.blank();
  }
}

/**
 * Every tilt in a worker: each draws the noise of its tilts in their turns (a noise relay hands
 * the run's stream on) and hands their images over in one shared slot, in tilt order; this
 * thread writes them. `started` receives the executor as soon as it exists (the caller closes it
 * on every exit path).
 */
async function simulateInWorkers(
  loop: TiltLoop,
  threads: number,
  started: (executor: TiltExecutor) => void,
): Promise<TiltExecutor> {
  const { run, setup, writers, jobs, noise } = loop;
  const ntilts = loop.tables.tilts.length;
  const images = TiltImageSlot.create(setup.detectors.map((d) => d.width * d.height), 0);
  const relay = setup.detectors.some((d) => d.quantization)
    ? NoiseRelay.start(noise, 0)
    : undefined;
  const executor = await workerExecutor(setup, threads, { images, relay });
  started(executor);
  const pending = new Map<number, { job: TiltJob; result: Promise<TiltResult> }>();
  let next = 0;
  for (let i = 0; i < ntilts; i++) {
    while (next < ntilts && next < i + threads) {
      const job = jobs.job(next);
      const result = executor.run(job);
      result.catch(() => {}); // awaited in order below; a failure after an earlier one is moot
      pending.set(next, { job, result });
      next++;
    }
    const { job, result: running } = pending.get(i)!;
    const result = await untilAborted(running, run.signal);
    pending.delete(i);
    jobs.done(job);
    logTilt(run.log, i, result.projected, result.warnings);
    for (let d = 0; d < writers.length; d++) {
      await untilAborted(writers[d]!.append(images.image(d)), run.signal);
      logImage(run, i, d);
    }
    images.release(i);
    run.log.blank();
  }
  relay?.finish(noise);
  return executor;
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

/**
 * One stack from start to finish (what an ETSimulations child process does per stack): the
 * assembler builds the particles, the stack's engine input and coordinate files are written,
 * the engine runs, its tilt series are rewritten into `raw_data/NAME_i/` and its text outputs
 * kept in `raw_data/NAME_i/sim/`, and the stack's metadata record is built. Runs inside a
 * generate worker; written against plain inputs so it also runs in tests without one.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { Assembler } from "../assemblers/mod.ts";
import { type GenerateConfig, SimTemplate } from "../config/mod.ts";
import { type EngineCommand, runEngine } from "./engine_runner.ts";
import type { EngineRecord, ParticleSetRecord, StackRecord } from "./metadata.ts";
import { moveFile, removeTree, rewriteTiltSeries } from "./outputs.ts";
import { tiltProgressReader } from "./progress.ts";
import type { Shard, StackPlan } from "./plan.ts";
import {
  type StackInput,
  StackSimulation,
  type StackWorkFiles,
  TEM_SIMULATOR_LINE_LIMIT,
} from "./simulation.ts";
import { writeFileAtomic } from "../platform/mod.ts";

/** What a stack needs from its worker. */
export interface StackContext {
  /** The validated config. */
  config: GenerateConfig;
  /** The worker's assembler. */
  assembler: Assembler;
  /** The worker's temp dir. */
  tempDir: string;
  /** How to start the engine. */
  engine: EngineCommand;
  /** The run seed. */
  runSeed: number;
  /** The shard, when sharded. */
  shard?: Shard;
  /** Aborts the stack (kills the engine). */
  signal: AbortSignal;
  /** Where to log. */
  logger: Logger;
  /** Engine pid reports (so the main thread can stop it too). */
  onEngineStart?: (pid: number) => void;
  /** Engine exit reports. */
  onEngineExit?: (pid: number) => void;
  /** Tilts the engine has finished (read from its stdout), of the stack's tilts. */
  onEngineProgress?: (tiltsDone: number, tilts: number) => void;
  /** Runs after the outputs are in place (ground truth, preview); may add to the record. */
  afterStack?: (record: StackRecord) => Promise<void>;
  /**
   * Runs the engine step (default: at once). A worker passes a one-at-a-time gate, so it can
   * assemble its next stack while the engine images this one.
   */
  engineGate?: <T>(run: () => Promise<T>) => Promise<T>;
}

/** The folder, inside a stack's work dir, of the assembled maps given to the engine. */
export const STACK_MAPS_DIR = "maps";

/**
 * Gives every particle set whose source lies in the worker's temp dir (a map the assembler made,
 * removed after the stack) a stable name in the work dir, `maps/<set name><ext>` (a hard link,
 * or a copy where links fail), and points the set at it. Returns, by set name, what the metadata
 * records for those sets: the name relative to the stack folder where the kept engine input
 * lives (`sim/maps/…`), marked temporary. Needs read and write on both folders.
 */
export async function stableSources(
  sim: StackSimulation,
  tempDir: string,
  workDir: string,
): Promise<Map<string, Pick<ParticleSetRecord, "source" | "temporary">>> {
  const recorded = new Map<string, Pick<ParticleSetRecord, "source" | "temporary">>();
  const base = tempDir.replace(/\/+$/, "");
  for (const set of sim.particleSets) {
    if (!set.source.startsWith(`${base}/`) || set.source.startsWith(`${workDir}/`)) continue;
    const extension = /\.[^./]+$/.exec(set.source)?.[0] ?? "";
    const name = `${STACK_MAPS_DIR}/${set.name}${extension}`;
    const stable = `${workDir}/${name}`;
    await Deno.mkdir(`${workDir}/${STACK_MAPS_DIR}`, { recursive: true });
    try {
      await Deno.link(set.source, stable);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`the assembler's map "${set.source}" of "${set.name}" is missing`);
      }
      await Deno.copyFile(set.source, stable);
    }
    set.source = stable;
    recorded.set(set.name, { source: `sim/${name}`, temporary: true });
  }
  return recorded;
}

/**
 * Moves the assembler's maps of a stack (`maps/` in its work dir) to `sim/maps/` beside the
 * stack, where the records already name them, and marks them kept (for label maps).
 * Needs read and write on both folders.
 */
async function keepAssembledMaps(
  workDir: string,
  simDir: string,
  sets: ParticleSetRecord[],
): Promise<void> {
  const kept = sets.filter((set) => set.temporary);
  if (kept.length === 0) return;
  await Deno.mkdir(`${simDir}/${STACK_MAPS_DIR}`, { recursive: true });
  for (const set of kept) {
    const name = set.source.replace(/^sim\//, "");
    await moveFile(`${workDir}/${name}`, `${simDir}/${name}`);
    delete set.temporary;
  }
}

/** Thrown when a stack is stopped by its signal. */
export class StackAborted extends Error {
  override name = "StackAborted";
}

/** The error that reports stack `plan` stopped by its signal. */
function stackStopped(plan: StackPlan): StackAborted {
  return new StackAborted(`stack ${plan.id} stopped`);
}

/** Throws `StackAborted` when the stack's signal has fired. Needs no permissions. */
function checkAbort(signal: AbortSignal, plan: StackPlan): void {
  if (signal.aborted) throw stackStopped(plan);
}

/**
 * Produces stack `plan` and returns its record (status "done"). Throws an Error with a one-line
 * reason on failure (the stack's folder is removed then), `StackAborted` when stopped.
 * Needs read on the inputs, write on the root, run on the engine.
 */
export async function runStack(
  context: StackContext,
  plan: StackPlan,
  attempt: number,
): Promise<StackRecord> {
  const started = performance.now();
  const workDir = `${context.tempDir}/stack_${plan.id}`;
  try {
    return await produceStack(context, plan, attempt, workDir, started);
  } catch (error) {
    await discardStack(context, plan, workDir);
    if (context.signal.aborted && !(error instanceof StackAborted)) throw stackStopped(plan);
    throw error;
  }
}

/**
 * The steps of a stack, in order: the particles assembled, the engine input written, the engine
 * run, the outputs put in the stack's folder, the record built, the work dir cleared, then the
 * `afterStack` step. Needs what `runStack` needs.
 */
async function produceStack(
  context: StackContext,
  plan: StackPlan,
  attempt: number,
  workDir: string,
  started: number,
): Promise<StackRecord> {
  const { config, logger, signal } = context;
  await removeTree(workDir);
  await Deno.mkdir(workDir, { recursive: true });
  logger.info(
    `Stack ${plan.id} (${plan.name}): attempt ${attempt}, defocus ${plan.defocus} µm, seed ${plan.seed}`,
  );

  const sim = new StackSimulation(config, plan);
  await context.assembler.setUpTiltSeries(sim);
  checkAbort(signal, plan);
  // Maps the assembler made in the worker's temp dir are given to the engine under stable
  // names in the stack's work dir, so the engine input names no worker or shard temp path.
  const recordedSources = await stableSources(sim, context.tempDir, workDir);
  const input = await writeEngineInput(context, sim, workDir);
  checkAbort(signal, plan);
  const engineSeconds = await imageStack(context, plan, input.files);
  checkAbort(signal, plan);

  // Outputs: fresh stack folder, rewritten tilt series, engine files kept in sim/.
  await removeTree(plan.stackDir);
  const simDir = `${plan.stackDir}/sim`;
  await Deno.mkdir(simDir, { recursive: true });
  const tiltAngles = await rewriteEngineTiltSeries(config, plan, input.files);
  const kept = await keepEngineFiles(sim, input.files, simDir, recordedSources);
  const record = stackRecord(context, plan, attempt, sim, tiltAngles, kept);
  if (config.reconstruct?.labels) await keepAssembledMaps(workDir, simDir, kept.particleSets);
  await context.assembler.resetTempDir();
  await removeTree(workDir);
  if (context.afterStack !== undefined) await context.afterStack(record);
  // Wall times go to the log, not the record: records are the same wherever a stack ran.
  logger.info(
    `Stack ${plan.id} done in ${((performance.now() - started) / 1000).toFixed(2)} s ` +
      `(engine ${engineSeconds.toFixed(2)} s)`,
  );
  return record;
}

/**
 * Removes what a failed or stopped stack left: the assembler's temp files, the work dir and the
 * stack's folder (failures to remove are ignored). Needs write on the temp dir and the root.
 */
async function discardStack(
  context: StackContext,
  plan: StackPlan,
  workDir: string,
): Promise<void> {
  await context.assembler.resetTempDir().catch(() => {});
  await removeTree(workDir).catch(() => {});
  await removeTree(plan.stackDir).catch(() => {});
}

/**
 * Writes the stack's engine input and the coordinate files it reads into `workDir` and returns
 * it. Needs write on the work dir.
 */
async function writeEngineInput(
  context: StackContext,
  sim: StackSimulation,
  workDir: string,
): Promise<StackInput> {
  const input = sim.buildInput(
    workDir,
    context.engine.embedded ? undefined : TEM_SIMULATOR_LINE_LIMIT,
  );
  // atomic (temp + rename): never written through a symbolic link planted at the name
  for (const [path, text] of input.coordFiles) await writeFileAtomic(path, text);
  await writeFileAtomic(input.files.input, input.text);
  return input;
}

/**
 * Runs the engine on the stack's input once the engine gate lets it, reporting its pid, exit and
 * progress, and returns its wall time (seconds). Throws `StackAborted` when stopped, an Error with
 * the engine's reason when it fails. Needs run on the engine, read and write on the work dir.
 */
async function imageStack(
  context: StackContext,
  plan: StackPlan,
  files: StackWorkFiles,
): Promise<number> {
  const { config, logger, signal } = context;
  const gate = context.engineGate ?? ((run) => run());
  const result = await gate(() => {
    checkAbort(signal, plan);
    logger.info(`Stack ${plan.id}: running the engine`);
    context.onEngineProgress?.(0, config.simFacts.tiltAngles.length);
    return runEngine(context.engine, files.input, files.log, {
      signal,
      onStart: context.onEngineStart,
      onExit: context.onEngineExit,
      onStdoutLine: context.onEngineProgress === undefined ? undefined : tiltProgressReader(
        config.simFacts.tiltAngles.length,
        config.simFacts.detectorCount,
        context.onEngineProgress,
      ),
    });
  });
  if (result.aborted) throw stackStopped(plan);
  if (!result.ok) throw new Error(result.reason ?? "the engine failed");
  logger.info(`Stack ${plan.id}: engine finished in ${result.seconds.toFixed(2)} s`);
  return result.seconds;
}

/**
 * Rewrites the engine's noisy and noise-free tilt series into the stack's outputs (pixel size,
 * tilt angles and axis, a label) and returns the tilt angles written. Needs read on the work dir,
 * write on the stack's folder.
 */
async function rewriteEngineTiltSeries(
  config: GenerateConfig,
  plan: StackPlan,
  files: StackWorkFiles,
): Promise<number[]> {
  const facts = config.simFacts;
  const expected = { nx: facts.detector.nx, ny: facts.detector.ny, nz: facts.tiltAngles.length };
  const tiltAxis = Number(
    new SimTemplate(config.simTemplateText).get("geometry", "tilt_axis") ?? 0,
  );
  const options = (label: string) => ({
    apix: config.apix,
    expected,
    tiltAngles: facts.tiltAngles,
    label,
    tiltAxis,
  });
  const tiltAngles = await rewriteTiltSeries(
    files.noisy,
    plan.output,
    options(`ets generate: ${plan.name} noisy, seed ${plan.seed}`),
  );
  await rewriteTiltSeries(
    files.nonoise,
    plan.nonoiseOutput,
    options(`ets generate: ${plan.name} noise-free, seed ${plan.seed}`),
  );
  return tiltAngles;
}

/** What a stack keeps of its engine files in `sim/`, as its record names them. */
interface KeptEngineFiles {
  /** The engine's input, log and text outputs. */
  engine: EngineRecord;
  /** The particle sets with their kept coordinate files. */
  particleSets: ParticleSetRecord[];
  /** The kept fiducial coordinate file, when the engine wrote one. */
  fiducialCoords: string | undefined;
}

/**
 * Moves the engine file `path` into `simDir` and returns its new path; undefined when there is
 * no such file (or none was asked for). Needs read and write on both folders.
 */
async function keepFile(path: string | undefined, simDir: string): Promise<string | undefined> {
  if (path === undefined) return undefined;
  const dest = `${simDir}/${path.slice(path.lastIndexOf("/") + 1)}`;
  try {
    await moveFile(path, dest);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return dest;
}

/**
 * Keeps the engine's input, log, text outputs and coordinate files in `simDir` (in that order)
 * and returns what the record says of them. Needs read and write on the work dir and `simDir`.
 */
async function keepEngineFiles(
  sim: StackSimulation,
  files: StackWorkFiles,
  simDir: string,
  recordedSources: Map<string, Pick<ParticleSetRecord, "source" | "temporary">>,
): Promise<KeptEngineFiles> {
  const engine: EngineRecord = {
    input: (await keepFile(files.input, simDir)) ?? files.input,
    log: (await keepFile(files.log, simDir)) ?? files.log,
    geom_file: await keepFile(files.geom, simDir),
    error_file: await keepFile(files.error, simDir),
    dose_file: await keepFile(files.dose, simDir),
    defocus_file: await keepFile(files.defocus, simDir),
  };
  const particleSets: ParticleSetRecord[] = [];
  for (const set of sim.particleSets) {
    const coordFile = (await keepFile(files.coordFiles[set.name], simDir)) ?? "";
    const source = recordedSources.get(set.name) ?? { source: set.source };
    particleSets.push({
      class_name: set.name,
      key: set.key,
      ...source,
      coord_file: coordFile,
      coordinates: set.coordinates,
      orientations: set.orientations,
    });
  }
  const fiducialCoords = await keepFile(files.fiducialCoords, simDir);
  return { engine, particleSets, fiducialCoords };
}

/** The metadata record of a finished stack (status "done"). Needs no permissions. */
function stackRecord(
  context: StackContext,
  plan: StackPlan,
  attempt: number,
  sim: StackSimulation,
  tiltAngles: number[],
  kept: KeptEngineFiles,
): StackRecord {
  const { config } = context;
  const detector = config.simFacts.detector;
  return {
    output: plan.output,
    nonoise_output: plan.nonoiseOutput,
    global_stack_no: plan.id,
    apix: config.apix,
    defocus: plan.defocus,
    sim_configs: config.simTemplate,
    particle_coords: config.coordTemplate ?? "",
    orientations: sim.recordedOrientations(),
    positions: sim.recordedPositions(),
    custom_data: sim.customData,
    name: plan.name,
    seed: plan.seed,
    run_seed: context.runSeed,
    tilt_angles: tiltAngles,
    status: "done",
    attempts: attempt,
    ...(context.shard === undefined ? {} : { shard: context.shard }),
    detector: { nx: detector.nx, ny: detector.ny },
    particle_sets: kept.particleSets,
    ...(config.beadMap !== undefined && config.beadOccupancy !== undefined
      ? {
        fiducials: {
          map: config.beadMap,
          occupancy: config.beadOccupancy,
          coord_file: kept.fiducialCoords ?? "",
        },
      }
      : {}),
    engine: kept.engine,
  };
}

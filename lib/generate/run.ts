/**
 * `runGenerate`: the main job (ETSimulations' ets_generate_data.py). Plans the stacks of the run
 * or shard, refuses an existing raw_data unless resuming (keeping complete stacks, checked),
 * starts the Chimera pool and the workers, hands out stacks from a shared queue, retries failures,
 * keeps sim_metadata.json and the log up to date, and stops everything on SIGINT/SIGTERM.
 *
 * @module
 */
import type { LogLevel, LogRecord, Sink } from "@logtape/logtape";
import { findAssembler, randomRunSeed } from "../assemblers/mod.ts";
import { ChimeraPool } from "../chimera/mod.ts";
import {
  dirnameOf,
  type GenerateConfig,
  humanBytes,
  requireRunFits,
  type RunEstimate,
  runNeedsOf,
} from "../config/mod.ts";
import { EtsError, inputError } from "../errors/mod.ts";
import { formatLogLine, getLogger, setupLogging } from "../log/mod.ts";
import {
  availableMemory,
  freeDiskBytes,
  onCleanup,
  type ShutdownReason,
  shutdownSignal,
} from "../platform/mod.ts";
import { writeContactSheet } from "./contact_sheet.ts";
import { engineCommand, engineTimeoutSeconds } from "./engine_runner.ts";
import {
  type DatasetFingerprint,
  datasetFingerprint,
  fingerprintDifference,
  fingerprintPath,
  readFingerprint,
  shortFingerprint,
  writeFingerprint,
} from "./fingerprint.ts";
import { acquireRunLock, type RunLock } from "./lock.ts";
import { MetadataStore, readMetadata, type StackRecord } from "./metadata.ts";
import { pathExists, removeTree, seriesProblem } from "./outputs.ts";
import {
  logPath as logPathOf,
  metadataPath as metadataPathOf,
  planStacksWithSeed,
  type Shard,
  type StackPlan,
  workerTempDir,
} from "./plan.ts";
import { assemblyBytes, estimateDisk, formatPlan } from "./plan_text.ts";
import { chimeraFlags, engineFlags, permissionPlan } from "./permissions.ts";
import { Progress, type ProgressMode } from "./progress.ts";
import { type ChimeraForwarder, runScheduler, type WorkerHandle } from "./scheduler.ts";

/** What runGenerate needs of a Chimera pool (lib/chimera's ChimeraPool). */
export interface ChimeraPoolHandle extends ChimeraForwarder {
  /** Stops every server; idempotent. */
  close(): Promise<void>;
}

/** The options a Chimera pool is started with (lib/chimera's ChimeraPoolOptions). */
export interface ChimeraPoolStartOptions {
  /** Servers to start. */
  servers: number;
  /** Clients (worker slots). */
  shards: number;
  /** External Chimera; undefined → the embedded server. */
  execPath?: string;
  /** Folders the servers may read and write. */
  allowDirs: string[];
  /** Permission flags of embedded servers run from source. */
  permissionFlags?: string[];
  /** Milliseconds a server may take to answer before it is restarted (config chimera_timeout). */
  timeoutMs?: number;
  /** Stops the pool. */
  signal?: AbortSignal;
}

/** Starts a Chimera pool. */
export type ChimeraPoolStarter = (options: ChimeraPoolStartOptions) => Promise<ChimeraPoolHandle>;

/** Options of {@linkcode runGenerate}. */
export interface RunGenerateOptions {
  /** The validated config (lib/config loadConfig). */
  config: GenerateConfig;
  /** Run only this shard's stacks (same ids, seeds and defocus as a whole run). */
  shard?: Shard;
  /** Keep complete stacks of an earlier run and redo the rest. */
  resume?: boolean;
  /** Print the plan and stop. */
  dryRun?: boolean;
  /** Write per-stack previews and index.html (default true). */
  preview?: boolean;
  /** Number of workers (overrides the config's `workers` / `num_cores`). */
  workers?: number;
  /** Progress display (default auto: a bar on a TTY, lines otherwise). */
  progress?: ProgressMode | "auto";
  /** Stops the run (default: the process shutdown signal, SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Where the plan and the summary go (default console.log). */
  print?: (line: string) => void;
  /** Starts the Chimera pool (default: lib/chimera's ChimeraPool). */
  startChimeraPool?: ChimeraPoolStarter;
  /** Engine threads per stack (embedded engine; default cores / workers). */
  engineThreads?: number;
  /** Lowest level written to the log file (default debug). */
  logLevel?: LogLevel;
  /** The worker module (default workers/generate_worker.ts). */
  workerUrl?: URL;
  /** Permission flags for children run from source (default: derived from the config). */
  childPermissionFlags?: { engine: string[]; chimera: string[] };
}

/** What a run did. */
export interface GenerateResult {
  /** The project folder. */
  root: string;
  /** The metadata file of this run or shard. */
  metadataPath: string;
  /** The log file of this run or shard. */
  logPath: string;
  /** The run seed. */
  runSeed: number;
  /** Planned stacks (of this shard). */
  planned: number;
  /** Stacks kept from an earlier run (resume). */
  kept: number[];
  /** Stacks produced now. */
  done: number[];
  /** Stacks that failed. */
  failed: number[];
  /** Workers used. */
  workers: number;
  /** Wall time, seconds. */
  seconds: number;
  /** Whether it was a dry run. */
  dryRun: boolean;
  /** Every record of this run's metadata. */
  records: StackRecord[];
}

/** The default Chimera pool: lib/chimera's ChimeraPool. Needs what the pool needs. */
export const defaultChimeraPool: ChimeraPoolStarter = (options) => ChimeraPool.start(options);

/** A skeleton record of a stack that is not (yet) done. */
export function pendingRecord(
  config: GenerateConfig,
  stack: StackPlan,
  runSeed: number,
  shard?: Shard,
): StackRecord {
  return {
    output: stack.output,
    nonoise_output: stack.nonoiseOutput,
    global_stack_no: stack.id,
    apix: config.apix,
    defocus: stack.defocus,
    sim_configs: config.simTemplate,
    particle_coords: config.coordTemplate ?? "",
    orientations: [],
    positions: [],
    custom_data: null,
    name: stack.name,
    seed: stack.seed,
    run_seed: runSeed,
    tilt_angles: config.simFacts.tiltAngles,
    status: "pending",
    attempts: 0,
    ...(shard === undefined ? {} : { shard }),
    detector: { ...config.simFacts.detector },
    particle_sets: [],
  };
}

/**
 * Why an earlier record of `stack` cannot be kept (or undefined when the stack is complete):
 * the record says done, matches the plan, and both tilt series are complete MRC files.
 * Needs --allow-read on the stack's files.
 */
export async function incompleteReason(
  config: GenerateConfig,
  stack: StackPlan,
  record: StackRecord | undefined,
): Promise<string | undefined> {
  if (record === undefined) return "no metadata record";
  if (record.status !== "done") return `metadata status is "${record.status}"`;
  if (record.seed !== stack.seed) {
    return `seed ${record.seed} differs from the plan's ${stack.seed}`;
  }
  if (record.defocus !== stack.defocus) return "defocus differs from the plan";
  if (record.output !== stack.output || record.nonoise_output !== stack.nonoiseOutput) {
    return "output paths differ from the plan";
  }
  const shape = {
    nx: config.simFacts.detector.nx,
    ny: config.simFacts.detector.ny,
    nz: config.simFacts.tiltAngles.length,
  };
  for (const path of [stack.output, stack.nonoiseOutput]) {
    const problem = await seriesProblem(path, shape, config.apix);
    if (problem !== undefined) return problem;
  }
  for (const path of Object.values(record.ground_truth ?? {})) {
    if (!(await pathExists(path))) return `ground-truth file "${path}" is missing`;
  }
  return undefined;
}

/** The folders Chimera servers may touch: the root and the folders of the assembler's inputs. */
function chimeraDirs(config: GenerateConfig): string[] {
  const definition = findAssembler(config.assembler);
  const inputs = [
    ...(config.model === undefined ? [] : [config.model]),
    ...(definition === undefined
      ? []
      : Object.values(definition.inputFiles(config.assemblerOptions))),
  ];
  return [...new Set([config.root, ...inputs.map((file) => dirnameOf(file))])];
}

function workerCountFor(
  config: GenerateConfig,
  options: Pick<RunGenerateOptions, "workers">,
  stacks: number,
) {
  const wanted = options.workers ?? config.workers ?? config.numCores ??
    (navigator.hardwareConcurrency || 1);
  return Math.max(0, Math.min(wanted, stacks));
}

function progressMode(mode: ProgressMode | "auto" | undefined): ProgressMode {
  if (mode !== undefined && mode !== "auto") return mode;
  try {
    return Deno.stderr.isTerminal() ? "tty" : "plain";
  } catch {
    return "plain";
  }
}

/**
 * Runs `ets generate` (see the module doc). Returns what was done; failed stacks are in
 * `failed` (the CLI exits 1). Throws an input error (exit 2) for a refused start, an
 * `interrupted` EtsError (exit 130/143) when stopped by the signal.
 * Needs: read on the inputs and root, write on root, run on the engine / Chimera / our binary,
 * net on 127.0.0.1 (Chimera), env as listed in PERMISSIONS.md.
 */
export async function runGenerate(options: RunGenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const startTime = Date.now();
  const { config, shard } = options;
  const print = options.print ?? ((line: string) => console.log(line));
  const definition = findAssembler(config.assembler);
  if (definition === undefined) {
    throw inputError(`Cannot run: unknown assembler "${config.assembler}"`);
  }
  if (shard !== undefined && config.seed === undefined) {
    // each shard would draw its own run seed: the stacks would not be one run's
    throw inputError(
      `Cannot run shard ${shard.index}/${shard.count}: the config has no "seed", and every shard must use the same one (add e.g. "seed: 1234")`,
      { file: config.configFile, key: "seed" },
    );
  }
  const metadataFile = metadataPathOf(config.root, shard);
  const logFile = logPathOf(config.root, config.name, shard);

  // Sizes first: nothing per stack is materialised before the run is known to fit.
  const planned = shardSize(config.numStacks, shard);
  const fits = (stacksToDo: number, disk?: number) => runFits(options, stacksToDo, disk);
  fits(planned);

  // The run seed: configured, else the earlier run's (resume), else drawn now.
  const earlier = options.resume ? await earlierRecords(config.root, metadataFile, shard) : [];
  const earlierSeed = earlier.find((record) => typeof record.run_seed === "number")?.run_seed;
  const runSeed = config.seed ?? earlierSeed ?? randomRunSeed();
  const seedDrawn = config.seed === undefined && earlierSeed === undefined;
  const stacks = planStacksWithSeed(config, runSeed, shard);

  // Which stacks are complete already (checked, not assumed).
  const byId = new Map(earlier.map((record) => [record.global_stack_no, record]));
  const kept = new Set<number>();
  const redoReasons = new Map<number, string>();
  const fingerprint = options.dryRun && !options.resume
    ? undefined
    : await datasetFingerprint(config);
  if (fingerprint !== undefined) {
    await requireSameFingerprint(config.root, shard, fingerprint, earlier, options.resume === true);
  }
  if (options.resume) {
    for (const stack of stacks) {
      const record = byId.get(stack.id);
      const reason = record !== undefined && record.fingerprint === undefined
        ? "its record has no dataset fingerprint (made by an older ets)"
        : await incompleteReason(config, stack, record);
      if (reason === undefined) kept.add(stack.id);
      else if (byId.has(stack.id)) redoReasons.set(stack.id, reason);
    }
  }
  const todo = stacks.filter((stack) => !kept.has(stack.id));
  const workers = workerCountFor(config, options, todo.length);
  const usesChimera = definition.usesChimera(config.assemblerOptions) && todo.length > 0;
  const servers = usesChimera ? Math.max(1, Math.min(config.numChimeraWindows, workers)) : 0;
  const engineThreads = engineThreadsFor(config, options, workers);
  const estimate = fits(todo.length, await freeDiskBytes(config.root));

  if (options.dryRun) {
    const disk = estimateDisk(config, todo.length, workers, await assemblyBytes(config));
    const planLines = formatPlan({
      config,
      runSeed,
      seedDrawn,
      stacks,
      kept,
      shard,
      workers,
      servers,
      engineThreads,
      disk,
    });
    // the memory estimate (docs/sizes.md) after the disk line, before the stack table
    const blank = planLines.indexOf("");
    planLines.splice(blank < 0 ? planLines.length : blank, 0, memoryLine(estimate));
    for (const line of planLines) print(line);
    if (!options.resume && (await pathExists(`${config.root}/raw_data`))) {
      print(`  note: "${config.root}/raw_data" exists; the run would be refused without --resume`);
    }
    return {
      root: config.root,
      metadataPath: metadataFile,
      logPath: logFile,
      runSeed,
      planned: stacks.length,
      kept: [...kept],
      done: [],
      failed: [],
      workers,
      seconds: (performance.now() - started) / 1000,
      dryRun: true,
      records: [],
    };
  }

  // One run per root (per shard): a second one would delete the first one's temp folders.
  await Deno.mkdir(config.root, { recursive: true });
  const lockWarnings: string[] = [];
  const lock: RunLock = await acquireRunLock(config.root, shard, {
    warn: (message) => lockWarnings.push(message),
  });
  const unregisterLock = onCleanup(() => lock.release());
  try {
    return await runLocked(lock);
  } finally {
    unregisterLock();
    await lock.release();
  }

  async function runLocked(lock: RunLock): Promise<GenerateResult> {
    // Refuse to overwrite an earlier run unless resuming.
    if (!options.resume) {
      if (shard === undefined) {
        if (await pathExists(`${config.root}/raw_data`)) {
          throw inputError(
            `Cannot start: "${config.root}/raw_data" already exists; remove or rename it, or pass --resume`,
            { file: `${config.root}/raw_data` },
          );
        }
      } else {
        for (const stack of stacks) {
          if (await pathExists(stack.stackDir)) {
            throw inputError(
              `Cannot start shard ${shard.index}/${shard.count}: "${stack.stackDir}" already exists; pass --resume`,
              { file: stack.stackDir },
            );
          }
        }
        if (await pathExists(metadataFile)) {
          throw inputError(
            `Cannot start shard ${shard.index}/${shard.count}: "${metadataFile}" already exists; pass --resume`,
            { file: metadataFile },
          );
        }
      }
    }
    await Deno.mkdir(`${config.root}/raw_data`, { recursive: true });
    await writeFingerprint(fingerprintPath(config.root, shard), fingerprint as DatasetFingerprint);
    const stamp = shortFingerprint((fingerprint as DatasetFingerprint).fingerprint);
    const fingerprinted = (record: StackRecord): StackRecord => ({
      ...record,
      fingerprint: (fingerprint as DatasetFingerprint).fingerprint,
    });

    // Logging: the file gets everything; the terminal gets warnings (above the progress bar).
    const mode = progressMode(options.progress);
    const progress = new Progress({ total: stacks.length, alreadyDone: kept.size, mode, workers });
    const consoleSink: Sink = (record: LogRecord) => {
      if (record.level === "warning" || record.level === "error" || record.level === "fatal") {
        if (mode !== "none") progress.printLine(formatLogLine(record, startTime, "main").trimEnd());
      }
    };
    const closeLogging = await setupLogging({
      file: logFile,
      console: false,
      level: options.logLevel ?? "debug",
      source: "main",
      startTime,
      sinks: [consoleSink],
    });
    const logger = getLogger(["generate"]);
    const controller = new AbortController();
    const external = options.signal ?? shutdownSignal();
    const forward = () => controller.abort(external.reason);
    if (external.aborted) forward();
    else external.addEventListener("abort", forward, { once: true });
    const unregisterAbort = onCleanup(() => controller.abort(external.reason));

    let pool: ChimeraPoolHandle | undefined;
    const unregisterPool = onCleanup(async () => await pool?.close());
    const planned = new Set(stacks.map((stack) => stack.id));
    const store = new MetadataStore(
      metadataFile,
      earlier.filter((record) => !planned.has(record.global_stack_no)),
    );
    const done: number[] = [];
    const failed: number[] = [];
    try {
      for (const warning of [...lockWarnings, ...config.warnings]) logger.warn(warning);
      logger.info(
        `Lock "${lock.path}" (pid ${lock.holder.pid}); dataset fingerprint ${stamp}`,
      );
      logger.info(
        `Generating "${config.name}": ${stacks.length} stack(s)${
          shard === undefined ? "" : ` (shard ${shard.index}/${shard.count})`
        }, ${kept.size} kept, ${todo.length} to do; run seed ${runSeed}; ${workers} worker(s)`,
      );
      logger.info(`Config: ${config.configFile}; root: ${config.root}`);
      for (const [id, reason] of redoReasons) logger.info(`Stack ${id} is redone: ${reason}`);
      for (const stack of stacks) {
        const previous = byId.get(stack.id);
        if (kept.has(stack.id) && previous !== undefined) store.set(previous);
        else {
          if (options.resume) await removeTree(stack.stackDir);
          store.set(fingerprinted(pendingRecord(config, stack, runSeed, shard)));
        }
      }
      await store.write();

      const plan = permissionPlan(config, { execPath: Deno.execPath() });
      const flags = options.childPermissionFlags ?? {
        engine: engineFlags(plan),
        chimera: chimeraFlags({
          ...plan,
          read: [...new Set([...chimeraDirs(config), ...plan.read])],
        }),
      };
      // The pool starts while the workers load; a batch waits for it. If it cannot start, the run
      // stops with its error.
      let poolError: unknown;
      let forwarder: ChimeraForwarder | undefined;
      if (usesChimera) {
        logger.info(`Starting ${servers} Chimera server(s)`);
        const start = options.startChimeraPool ?? defaultChimeraPool;
        const starting = start({
          servers,
          shards: workers,
          execPath: config.chimeraExecPath,
          allowDirs: chimeraDirs(config),
          permissionFlags: flags.chimera,
          timeoutMs: config.chimeraTimeoutSeconds * 1000,
          signal: controller.signal,
        }).then((started) => {
          pool = started;
          return started;
        });
        starting.catch((error) => {
          poolError = error;
          controller.abort({ poolFailed: true });
        });
        forwarder = {
          runBatch: async (shard, commands) => (await starting).runBatch(shard, commands),
          endShard: async (shard) => (await starting).endShard(shard),
        };
      }
      const engine = {
        ...engineCommand(config.temSimulatorExecutable, {
          permissionFlags: flags.engine,
          threads: engineThreads,
        }),
        timeoutMs: 1000 * (config.engineTimeoutSeconds ?? engineTimeoutSeconds(config)),
      };
      logger.info(`Engine timeout per stack: ${engine.timeoutMs / 1000} s`);
      const workerUrl = options.workerUrl ??
        new URL("../../workers/generate_worker.ts", import.meta.url);

      const result = await runScheduler({
        stacks: todo,
        slots: workers,
        retries: config.retries,
        signal: controller.signal,
        logger,
        chimera: forwarder,
        createWorker: (slot) =>
          new Worker(workerUrl.href, {
            type: "module",
            name: `worker-${slot + 1}`,
          }) as unknown as WorkerHandle,
        initMessage: (slot) => ({
          type: "init",
          slot,
          source: `worker-${slot + 1}`,
          tempDir: workerTempDir(config.root, slot, shard),
          config,
          runSeed,
          shard,
          engine,
          preview: options.preview ?? true,
          startTime,
        }),
        killPid: (pid) => {
          try {
            Deno.kill(-pid, "SIGKILL");
          } catch {
            try {
              Deno.kill(pid, "SIGKILL");
            } catch {
              // gone, or not permitted (the worker kills its own engine)
            }
          }
        },
        events: {
          started: (stack, slot, attempt) => {
            progress.started(stack.id);
            logger.debug(`Stack ${stack.id} → worker-${slot + 1} (attempt ${attempt})`);
          },
          done: async (record) => {
            store.set(fingerprinted(record));
            await store.write();
            done.push(record.global_stack_no);
            progress.done(record.global_stack_no);
            logger.info(
              `Stack ${record.global_stack_no} recorded (attempt ${record.attempts}); ` +
                `${kept.size + done.length}/${stacks.length} complete`,
            );
          },
          failed: async (stack, error, attempts) => {
            store.set({
              ...fingerprinted(pendingRecord(config, stack, runSeed, shard)),
              status: "failed",
              attempts,
              error,
            });
            await store.write();
            failed.push(stack.id);
            progress.failed(stack.id);
          },
          retrying: (stack, error, attempt) => {
            const record = store.get(stack.id);
            if (record !== undefined) store.set({ ...record, attempts: attempt, error });
            progress.retrying(stack.id);
          },
          engineProgress: (stackId, tiltsDone, tilts) => progress.tilts(stackId, tiltsDone, tilts),
        },
      });
      progress.stop();
      await pool?.close();
      pool = undefined;
      await store.flush();
      if (poolError !== undefined) throw poolError;
      if (result.aborted) {
        const reason = controller.signal.reason as ShutdownReason | undefined;
        const signal = reason?.signal ?? "SIGINT";
        logger.warn(
          `Interrupted by ${signal}: ${done.length} stack(s) done in this run; resume with --resume`,
        );
        throw new EtsError(`Interrupted by ${signal}; run again with --resume to finish`, {
          kind: "interrupted",
          signal,
        });
      }
      if (shard === undefined) {
        // a shard's contact sheet would show only its stacks: `ets merge` writes the run's
        logger.info(`Contact sheet: ${await writeContactSheet(config.root, store.records())}`);
      }
      const seconds = (performance.now() - started) / 1000;
      logger.info(
        `Finished: ${
          kept.size + done.length
        }/${stacks.length} stack(s) complete, ${failed.length} failed, ${seconds.toFixed(1)} s`,
      );
      return {
        root: config.root,
        metadataPath: metadataFile,
        logPath: logFile,
        runSeed,
        planned: stacks.length,
        kept: [...kept],
        done: done.sort((a, b) => a - b),
        failed: failed.sort((a, b) => a - b),
        workers,
        seconds,
        dryRun: false,
        records: store.records(),
      };
    } finally {
      progress.stop();
      external.removeEventListener("abort", forward);
      unregisterAbort();
      await pool?.close().catch(() => {});
      unregisterPool();
      await store.flush().catch(() => {});
      await closeLogging();
    }
  }
}

/**
 * Refuses (input error, exit 2, one line with the numbers) a run of `stacksToDo` stacks that
 * cannot fit the machine (docs/sizes.md); returns the estimate. Memory and disk are compared
 * where the permissions let them be read (`disk`: free bytes under the root, when known).
 * Needs --allow-sys=systemMemoryInfo for the memory figure (skipped without it).
 */
function runFits(
  options: Pick<RunGenerateOptions, "config" | "workers" | "engineThreads">,
  stacksToDo: number,
  disk?: number,
): RunEstimate {
  const { config } = options;
  const workers = workerCountFor(config, options, stacksToDo);
  const uses = findAssembler(config.assembler)?.usesChimera(config.assemblerOptions) ?? false;
  return requireRunFits(
    runNeedsOf(config, {
      stacksToDo,
      workers,
      threads: engineThreadsFor(config, options, workers) ?? 1,
      embedded: config.temSimulatorExecutable === undefined,
      servers: uses ? Math.max(1, Math.min(config.numChimeraWindows, workers)) : 0,
    }),
    { memory: availableMemory(), disk },
  );
}

/**
 * The size checks of {@linkcode runGenerate}, for a process about to re-run itself under scoped
 * grants that will not let the run read the machine's memory: refuses what cannot fit, with
 * every stack of the run or shard counted (kept stacks of a resume included), before the re-run.
 * Needs --allow-sys=systemMemoryInfo and read on the root's file system (each skipped without).
 */
export async function preflightGenerate(
  options: Pick<RunGenerateOptions, "config" | "workers" | "engineThreads" | "shard">,
): Promise<RunEstimate> {
  const stacks = shardSize(options.config.numStacks, options.shard);
  return runFits(options, stacks, await freeDiskBytes(options.config.root));
}

/** The plan's memory line. Pure. */
function memoryLine(estimate: RunEstimate): string {
  return `  memory needed:   ${humanBytes(estimate.memory)} (${
    humanBytes(estimate.perWorkerMemory)
  } per worker's engine run; see docs/sizes.md)`;
}

/** Stacks of a shard (or of the whole run), counted without listing them. Pure. */
function shardSize(numStacks: number, shard?: Shard): number {
  if (shard === undefined) return numStacks;
  return Math.floor(numStacks / shard.count) + (shard.index < numStacks % shard.count ? 1 : 0);
}

function engineThreadsFor(
  config: GenerateConfig,
  options: Pick<RunGenerateOptions, "engineThreads">,
  workers: number,
): number | undefined {
  const cores = navigator.hardwareConcurrency || 1;
  return config.temSimulatorExecutable === undefined
    ? options.engineThreads ?? Math.max(1, Math.floor(cores / Math.max(1, workers)))
    : undefined;
}

const SHARD_METADATA = /^sim_metadata\.shard-\d+\.json$/;

/**
 * The records an earlier run left for this run: its own metadata file; for a whole run on a
 * sharded root (no sim_metadata.json yet), the shards' records, without their shard field.
 * Needs --allow-read on the root.
 */
async function earlierRecords(
  root: string,
  metadataFile: string,
  shard: Shard | undefined,
): Promise<StackRecord[]> {
  const own = await readMetadata(metadataFile);
  if (own.length > 0 || shard !== undefined) return own;
  const records = new Map<number, StackRecord>();
  try {
    for await (const entry of Deno.readDir(root)) {
      if (!entry.isFile || !SHARD_METADATA.test(entry.name)) continue;
      for (const record of await readMetadata(`${root}/${entry.name}`)) {
        const { shard: _shard, ...whole } = record;
        const known = records.get(whole.global_stack_no);
        if (known === undefined || (known.status !== "done" && whole.status === "done")) {
          records.set(whole.global_stack_no, whole);
        }
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return [...records.values()];
}

const FINGERPRINT_FILE = /^dataset_fingerprint(\.shard-\d+)?\.json$/;

/**
 * Refuses (one line, exit 2) a resume whose earlier stacks, or a shard whose sibling shards, were
 * made from another dataset fingerprint, naming what differs. Needs --allow-read on the root.
 */
async function requireSameFingerprint(
  root: string,
  shard: Shard | undefined,
  now: DatasetFingerprint,
  earlier: StackRecord[],
  resume: boolean,
): Promise<void> {
  const files = new Map<string, DatasetFingerprint>();
  try {
    for await (const entry of Deno.readDir(root)) {
      if (!entry.isFile || !FINGERPRINT_FILE.test(entry.name)) continue;
      const found = await readFingerprint(`${root}/${entry.name}`);
      if (found !== undefined) files.set(entry.name, found);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const what = (other: DatasetFingerprint | undefined) => {
    const difference = fingerprintDifference(other, now);
    return difference === "" ? "" : ` (${difference})`;
  };
  const advice = shard === undefined
    ? "restore the inputs, or generate into a new root"
    : "every shard of a dataset must use the same config and inputs; restore them, or use a new root";
  if (resume) {
    const stale = earlier.find((record) =>
      record.status === "done" && record.fingerprint !== undefined &&
      record.fingerprint !== now.fingerprint
    );
    if (stale !== undefined) {
      const other = [...files.values()].find((file) => file.fingerprint === stale.fingerprint);
      throw inputError(
        `Cannot resume: stack ${stale.global_stack_no} in "${root}" was made from dataset fingerprint ${
          shortFingerprint(stale.fingerprint as string)
        }, the config now gives ${shortFingerprint(now.fingerprint)}${what(other)}; ${advice}`,
      );
    }
  }
  if (shard === undefined && !resume) return;
  for (const [name, other] of files) {
    if (other.fingerprint === now.fingerprint) continue;
    if (
      shard !== undefined && name === `dataset_fingerprint.shard-${shard.index}.json` && !resume
    ) {
      continue;
    }
    throw inputError(
      `Cannot ${resume ? "resume" : "start"}${
        shard === undefined ? "" : ` shard ${shard.index}/${shard.count}`
      }: "${root}/${name}" records dataset fingerprint ${
        shortFingerprint(other.fingerprint)
      }, the config now gives ${shortFingerprint(now.fingerprint)}${what(other)}; ${advice}`,
    );
  }
}

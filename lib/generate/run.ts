/**
 * `runGenerate`: the main job (ETSimulations' ets_generate_data.py). Plans the stacks of the run
 * or shard, refuses an existing raw_data unless resuming (keeping complete stacks, checked),
 * starts the Chimera pool and the workers, hands out stacks from a shared queue, retries failures,
 * keeps sim_metadata.json and the log up to date, and stops everything on SIGINT/SIGTERM.
 *
 * @module
 */
import type { LogLevel, LogRecord, Sink } from "@logtape/logtape";
import type { GenerateConfig } from "../config/mod.ts";
import { EtsError } from "../errors/mod.ts";
import { formatLogLine, getLogger, setupLogging } from "../log/mod.ts";
import { onCleanup, type ShutdownReason, shutdownSignal } from "../platform/mod.ts";
import { type ChimeraPoolStarter, type PoolState, startRunPool } from "./chimera_start.ts";
import { writeContactSheet } from "./contact_sheet.ts";
import { printDryRun } from "./dry_run.ts";
import { refuseOverwrite } from "./earlier_run.ts";
import {
  type DatasetFingerprint,
  fingerprintPath,
  shortFingerprint,
  writeFingerprint,
} from "./fingerprint.ts";
import { acquireRunLock, type RunLock } from "./lock.ts";
import type { StackRecord } from "./metadata.ts";
import type { Shard } from "./plan.ts";
import { Progress, type ProgressMode } from "./progress.ts";
import { openStore, recordPlannedStacks, type RunRecords } from "./run_records.ts";
import { planRun, type RunPlan } from "./run_plan.ts";
import { childFlags, engineOf, schedulerOptions } from "./run_workers.ts";
import { runScheduler, type SchedulerResult } from "./scheduler.ts";

export {
  type ChimeraPoolHandle,
  type ChimeraPoolStarter,
  type ChimeraPoolStartOptions,
  defaultChimeraPool,
} from "./chimera_start.ts";
export { incompleteReason } from "./earlier_run.ts";
export { pendingRecord } from "./run_records.ts";
export { preflightGenerate } from "./run_plan.ts";

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
  const plan = await planRun(options, started, startTime);
  if (options.dryRun) {
    await printDryRun(plan);
    const seconds = (performance.now() - started) / 1000;
    return generateResult(plan, { done: [], failed: [], seconds, dryRun: true, records: [] });
  }
  return await runUnderLock(plan);
}

/** What a run did, from its plan and `outcome`. Pure. */
function generateResult(
  plan: RunPlan,
  outcome: Pick<GenerateResult, "done" | "failed" | "seconds" | "dryRun" | "records">,
): GenerateResult {
  return {
    root: plan.config.root,
    metadataPath: plan.metadataFile,
    logPath: plan.logFile,
    runSeed: plan.runSeed,
    planned: plan.stacks.length,
    kept: [...plan.kept],
    done: outcome.done,
    failed: outcome.failed,
    workers: plan.workers,
    seconds: outcome.seconds,
    dryRun: outcome.dryRun,
    records: outcome.records,
  };
}

/**
 * Runs the plan holding the run lock of the root (per shard): a second run would delete the first
 * one's temp folders. The lock is released however the run ends. Needs what runGenerate needs.
 */
async function runUnderLock(plan: RunPlan): Promise<GenerateResult> {
  const { config, shard } = plan;
  await Deno.mkdir(config.root, { recursive: true });
  const lockWarnings: string[] = [];
  const lock: RunLock = await acquireRunLock(config.root, shard, {
    warn: (message) => lockWarnings.push(message),
  });
  const unregisterLock = onCleanup(() => lock.release());
  try {
    return await runLocked({ plan, lock, lockWarnings });
  } finally {
    unregisterLock();
    await lock.release();
  }
}

/** The run lock, held, and the warnings its acquisition gave (logged once the log is open). */
interface HeldLock {
  /** The plan of the run. */
  plan: RunPlan;
  /** The lock. */
  lock: RunLock;
  /** Warnings of the acquisition (e.g. a stale lock taken over). */
  lockWarnings: string[];
}

/** A locked run in progress: its records, its stop, its Chimera pool. */
interface LockedRun extends HeldLock, RunRecords {
  /** Stops the run (the external signal, a process cleanup, or a pool that cannot start). */
  controller: AbortController;
  /** The Chimera pool, once started. */
  chimera: PoolState;
}

/**
 * The run under the lock: refuses to overwrite an earlier run (unless resuming), writes the
 * dataset fingerprint, opens the log, runs the stacks, and on every exit stops the progress
 * display, unlinks the stop signal, closes the Chimera pool, flushes the metadata and closes the
 * log. Needs what runGenerate needs.
 */
async function runLocked(held: HeldLock): Promise<GenerateResult> {
  const { plan } = held;
  const { config, shard, options } = plan;
  if (!options.resume) await refuseOverwrite(config.root, shard, plan.stacks, plan.metadataFile);
  await Deno.mkdir(`${config.root}/raw_data`, { recursive: true });
  const fingerprint = plan.fingerprint as DatasetFingerprint;
  await writeFingerprint(fingerprintPath(config.root, shard), fingerprint);
  const { progress, closeLogging } = await startLogging(plan);
  const logger = getLogger(["generate"]);
  const abort = forwardAbort(options.signal ?? shutdownSignal());
  const run: LockedRun = {
    ...held,
    fingerprint: fingerprint.fingerprint,
    progress,
    logger,
    controller: abort.controller,
    chimera: {},
    store: openStore(plan),
    done: [],
    failed: [],
  };
  const unregisterPool = onCleanup(async () => await run.chimera.pool?.close());
  try {
    return await runStacks(run);
  } finally {
    progress.stop();
    abort.release();
    await run.chimera.pool?.close().catch(() => {});
    unregisterPool();
    await run.store.flush().catch(() => {});
    await closeLogging();
  }
}

/**
 * Opens the run's log and progress display: the log file gets everything from the configured
 * level; the terminal gets warnings and errors, printed above the progress bar.
 * Needs read and write on the log file.
 */
async function startLogging(
  plan: RunPlan,
): Promise<{ progress: Progress; closeLogging: () => Promise<void> }> {
  const { options, startTime } = plan;
  const mode = progressMode(options.progress);
  const progress = new Progress({
    total: plan.stacks.length,
    alreadyDone: plan.kept.size,
    mode,
    workers: plan.workers,
  });
  const consoleSink: Sink = (record: LogRecord) => {
    if (record.level === "warning" || record.level === "error" || record.level === "fatal") {
      if (mode !== "none") progress.printLine(formatLogLine(record, startTime, "main").trimEnd());
    }
  };
  const closeLogging = await setupLogging({
    file: plan.logFile,
    console: false,
    level: options.logLevel ?? "debug",
    source: "main",
    startTime,
    sinks: [consoleSink],
  });
  return { progress, closeLogging };
}

/** The progress display asked for; "auto": a bar on a TTY, lines otherwise. */
function progressMode(mode: ProgressMode | "auto" | undefined): ProgressMode {
  if (mode !== undefined && mode !== "auto") return mode;
  try {
    return Deno.stderr.isTerminal() ? "tty" : "plain";
  } catch {
    return "plain";
  }
}

/**
 * A controller that aborts when `external` does (at once if it has already) or when the process
 * cleans up; `release` unlinks both. Needs no permissions.
 */
function forwardAbort(external: AbortSignal): { controller: AbortController; release(): void } {
  const controller = new AbortController();
  const forward = () => controller.abort(external.reason);
  if (external.aborted) forward();
  else external.addEventListener("abort", forward, { once: true });
  const unregisterAbort = onCleanup(() => controller.abort(external.reason));
  return {
    controller,
    release: () => {
      external.removeEventListener("abort", forward);
      unregisterAbort();
    },
  };
}

/**
 * The stacks of the locked run: logs the start, writes the first metadata, starts the Chimera
 * pool (when needed) and runs the stacks on the workers, then finishes the run.
 * Needs what runGenerate needs.
 */
async function runStacks(run: LockedRun): Promise<GenerateResult> {
  const { plan, logger } = run;
  logRunStart(run);
  await recordPlannedStacks(run);
  const flags = childFlags(plan);
  const chimera = plan.usesChimera ? startRunPool(run, flags.chimera) : undefined;
  const engine = engineOf(plan.config, plan.engineThreads, flags.engine);
  logger.info(`Engine timeout per stack: ${engine.timeoutMs / 1000} s`);
  const result = await runScheduler(schedulerOptions(run, chimera, engine));
  return await finishRun(run, result);
}

/** Logs the warnings so far, the lock, what the run will do, and why stacks are redone. */
function logRunStart(run: LockedRun): void {
  const { plan, lock, logger } = run;
  const { config, shard } = plan;
  for (const warning of [...run.lockWarnings, ...config.warnings]) logger.warn(warning);
  logger.info(
    `Lock "${lock.path}" (pid ${lock.holder.pid}); dataset fingerprint ${
      shortFingerprint(run.fingerprint)
    }`,
  );
  logger.info(
    `Generating "${config.name}": ${plan.stacks.length} stack(s)${
      shard === undefined ? "" : ` (shard ${shard.index}/${shard.count})`
    }, ${plan.kept.size} kept, ${plan.todo.length} to do; run seed ${plan.runSeed}; ${plan.workers} worker(s)`,
  );
  logger.info(`Config: ${config.configFile}; root: ${config.root}`);
  for (const [id, reason] of plan.redoReasons) logger.info(`Stack ${id} is redone: ${reason}`);
}

/**
 * Ends a run whose scheduler returned: closes the pool, flushes the metadata, throws the pool's
 * error or the interruption; else writes the contact sheet (whole runs only: `ets merge` writes a
 * sharded run's) and logs the summary. Needs write on the root.
 */
async function finishRun(run: LockedRun, result: SchedulerResult): Promise<GenerateResult> {
  const { plan, logger, done, failed } = run;
  run.progress.stop();
  await run.chimera.pool?.close();
  run.chimera.pool = undefined;
  await run.store.flush();
  if (run.chimera.error !== undefined) throw run.chimera.error;
  if (result.aborted) throw interruption(run);
  if (plan.shard === undefined) {
    // a shard's contact sheet would show only its stacks: `ets merge` writes the run's
    logger.info(`Contact sheet: ${await writeContactSheet(plan.config.root, run.store.records())}`);
  }
  const seconds = (performance.now() - plan.started) / 1000;
  logger.info(
    `Finished: ${
      plan.kept.size + done.length
    }/${plan.stacks.length} stack(s) complete, ${failed.length} failed, ${seconds.toFixed(1)} s`,
  );
  return generateResult(plan, {
    done: done.sort((a, b) => a - b),
    failed: failed.sort((a, b) => a - b),
    seconds,
    dryRun: false,
    records: run.store.records(),
  });
}

/** Logs the stop and returns the `interrupted` error (exit 130/143) that asks for --resume. */
function interruption(run: LockedRun): EtsError {
  const reason = run.controller.signal.reason as ShutdownReason | undefined;
  const signal = reason?.signal ?? "SIGINT";
  run.logger.warn(
    `Interrupted by ${signal}: ${run.done.length} stack(s) done in this run; resume with --resume`,
  );
  return new EtsError(`Interrupted by ${signal}; run again with --resume to finish`, {
    kind: "interrupted",
    signal,
  });
}

/**
 * The workers of a run as the main thread starts them: the permission flags of their engine and
 * Chimera children, the engine command of a stack, and what the scheduler is given (the stacks to
 * do, how a worker is made and set up, the events that keep the records).
 *
 * @module
 */
import type { GenerateConfig } from "../config/mod.ts";
import { type EngineCommand, engineCommand, engineTimeoutSeconds } from "./engine_runner.ts";
import { chimeraFlags, chimeraServedDirs, engineFlags, permissionPlan } from "./permissions.ts";
import { workerTempDir } from "./plan.ts";
import { type RunRecords, stackEvents } from "./run_records.ts";
import type { RunPlan } from "./run_plan.ts";
import type { ChimeraForwarder, SchedulerOptions, WorkerHandle } from "./scheduler.ts";

/** What the workers of a locked run need of it: its records (for the events) and its stop. */
export interface WorkersContext extends RunRecords {
  /** Stops the run. */
  controller: AbortController;
}

/**
 * The permission flags of the engine and Chimera children: as given in the options, else derived
 * from the config. Needs --allow-read for `Deno.execPath()`.
 */
export function childFlags(plan: RunPlan): { engine: string[]; chimera: string[] } {
  const { config } = plan;
  const permissions = permissionPlan(config, { execPath: Deno.execPath() });
  return plan.options.childPermissionFlags ?? {
    engine: engineFlags(permissions),
    chimera: chimeraFlags({
      ...permissions,
      read: [...new Set([...chimeraServedDirs(config), ...permissions.read])],
    }),
  };
}

/** The engine command of each stack, with its timeout. Needs --allow-read (embedded engine). */
export function engineOf(
  config: GenerateConfig,
  threads: number | undefined,
  permissionFlags: string[],
): EngineCommand & { timeoutMs: number } {
  return {
    ...engineCommand(config.temSimulatorExecutable, { permissionFlags, threads }),
    timeoutMs: 1000 * (config.engineTimeoutSeconds ?? engineTimeoutSeconds(config)),
  };
}

/**
 * What the scheduler is given for the locked run: the stacks to do, how a worker is made and set
 * up, the Chimera forwarder, and the events that keep the records. Needs no permissions (the
 * workers it makes need what runGenerate needs).
 */
export function schedulerOptions(
  run: WorkersContext,
  chimera: ChimeraForwarder | undefined,
  engine: EngineCommand,
): SchedulerOptions {
  const { plan } = run;
  const { config, options, shard } = plan;
  const workerUrl = options.workerUrl ??
    new URL("../../workers/generate_worker.ts", import.meta.url);
  return {
    stacks: plan.todo,
    slots: plan.workers,
    retries: config.retries,
    signal: run.controller.signal,
    logger: run.logger,
    chimera,
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
      runSeed: plan.runSeed,
      shard,
      engine,
      preview: options.preview ?? true,
      startTime: plan.startTime,
    }),
    killPid: killEngineGroup,
    events: stackEvents(run),
  };
}

/** Kills an engine's process group (else the process), as a last resort on abort. */
function killEngineGroup(pid: number): void {
  try {
    Deno.kill(-pid, "SIGKILL");
  } catch {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone, or not permitted (the worker kills its own engine)
    }
  }
}

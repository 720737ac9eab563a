/**
 * The Chimera pool of a run as `runGenerate` sees it: what it needs of a pool, how one is started,
 * and the start in the background (the pool comes up while the workers load; a batch waits for
 * it; a pool that cannot start stops the run with its error).
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { ChimeraPool } from "../chimera/mod.ts";
import { chimeraServedDirs } from "./permissions.ts";
import type { RunPlan } from "./run_plan.ts";
import type { ChimeraForwarder } from "./scheduler.ts";

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

/** The default Chimera pool: lib/chimera's ChimeraPool. Needs what the pool needs. */
export const defaultChimeraPool: ChimeraPoolStarter = (options) => ChimeraPool.start(options);

/** A run's Chimera pool while it starts: the pool once up, or why it could not start. */
export interface PoolState {
  /** The pool, once started (and until closed). */
  pool?: ChimeraPoolHandle;
  /** Why the pool could not start. */
  error?: unknown;
}

/** What starting the pool of a run needs of it. */
export interface PoolStart {
  /** The plan of the run. */
  plan: RunPlan;
  /** The main thread's logger. */
  logger: Logger;
  /** Stops the run (and the pool). */
  controller: AbortController;
  /** Where the pool, or its start error, is kept. */
  chimera: PoolState;
}

/**
 * Starts the run's Chimera pool in the background (it comes up while the workers load; a batch
 * waits for it) and returns what the scheduler forwards batches to. If the pool cannot start,
 * the run stops with its error. Needs what the pool needs.
 */
export function startRunPool(run: PoolStart, permissionFlags: string[]): ChimeraForwarder {
  const { config, options, servers, workers } = run.plan;
  run.logger.info(`Starting ${servers} Chimera server(s)`);
  const start = options.startChimeraPool ?? defaultChimeraPool;
  const starting = start({
    servers,
    shards: workers,
    execPath: config.chimeraExecPath,
    allowDirs: chimeraServedDirs(config),
    permissionFlags,
    timeoutMs: config.chimeraTimeoutSeconds * 1000,
    signal: run.controller.signal,
  });
  return forwardToStartingPool(run.chimera, run.controller, starting);
}

/**
 * The forwarder the scheduler hands batches to while the pool is `starting`: a batch waits for
 * the pool. Once up, the pool is kept in `state`; if it cannot start, its error is kept there and
 * `controller` aborts with `{ poolFailed: true }`. Needs no permissions.
 */
function forwardToStartingPool(
  state: PoolState,
  controller: AbortController,
  starting: Promise<ChimeraPoolHandle>,
): ChimeraForwarder {
  const started = starting.then((pool) => {
    state.pool = pool;
    return pool;
  });
  started.catch((error) => {
    state.error = error;
    controller.abort({ poolFailed: true });
  });
  return {
    runBatch: async (shard, commands) => (await started).runBatch(shard, commands),
    endShard: async (shard) => (await started).endShard(shard),
  };
}

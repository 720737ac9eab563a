/**
 * Every message between the main thread and a generate worker (workers/generate_worker.ts), as
 * one discriminated union per direction. Messages are structured-clone data only.
 *
 * Life of a worker: main sends `init`; the worker answers `ready`; main sends `run-stack` whenever
 * the worker is free; the worker answers `stack-done` or `stack-failed` (with `log` records,
 * `chimera-batch` requests answered by `chimera-reply`, and `engine-started` / `engine-exited`
 * along the way); finally main sends `close` (answered by `closed`, after the assembler told the
 * pool it is done) or `abort` (answered by `aborted`, after the engine was killed and the temp dir
 * removed).
 *
 * @module
 */
import type { GenerateConfig } from "../config/mod.ts";
import type { SerializedLogRecord } from "../log/mod.ts";
import type { EngineCommand } from "./engine_runner.ts";
import type { StackRecord } from "./metadata.ts";
import type { Shard, StackPlan } from "./plan.ts";

/** Set-up of a worker. */
export interface InitMessage {
  type: "init";
  /** The worker's slot (0-based); also its Chimera pool shard. */
  slot: number;
  /** Its name in the log, e.g. "worker-1". */
  source: string;
  /** Its temp dir (created and removed by the worker). */
  tempDir: string;
  /** The validated config. */
  config: GenerateConfig;
  /** The run seed. */
  runSeed: number;
  /** The shard of the run, if sharded. */
  shard?: Shard;
  /** How to start the engine. */
  engine: EngineCommand;
  /** Whether to write per-stack previews. */
  preview: boolean;
  /** When the run started (ms since the epoch), for the log's elapsed times. */
  startTime: number;
}

/** Run one stack. */
export interface RunStackMessage {
  type: "run-stack";
  /** The stack. */
  stack: StackPlan;
  /** 1-based attempt number. */
  attempt: number;
}

/** The answer to a `chimera-batch` or `chimera-end`. */
export type ChimeraReplyMessage =
  | { type: "chimera-reply"; requestId: number; ok: true; replies: string[] }
  | { type: "chimera-reply"; requestId: number; ok: false; error: string };

/** Finish: close the assembler, remove the temp dir. */
export interface CloseMessage {
  type: "close";
}

/** Stop now: kill the engine, remove the temp dir. */
export interface AbortMessage {
  type: "abort";
}

/** Messages from the main thread to a worker. */
export type MainToWorker =
  | InitMessage
  | RunStackMessage
  | ChimeraReplyMessage
  | CloseMessage
  | AbortMessage;

/** Messages from a worker to the main thread. */
export type WorkerToMain =
  | { type: "ready"; slot: number }
  | { type: "log"; record: SerializedLogRecord }
  | { type: "chimera-batch"; requestId: number; commands: string[] }
  | { type: "chimera-end"; requestId: number }
  | { type: "engine-started"; stackId: number; pid: number }
  | { type: "engine-exited"; stackId: number; pid: number }
  | { type: "engine-progress"; stackId: number; tiltsDone: number; tilts: number }
  | { type: "stack-done"; stackId: number; record: StackRecord }
  | { type: "stack-failed"; stackId: number; error: string }
  | { type: "closed" }
  | { type: "aborted" }
  | { type: "fatal"; error: string };

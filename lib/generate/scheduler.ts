/**
 * The main thread's side of the workers: a shared stack queue (a free worker gets the next stack),
 * retries, worker crashes caught and the worker replaced, Chimera batches forwarded to the pool,
 * and a stop on abort that kills every engine within the grace time.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { forwardRecord } from "../log/mod.ts";
import type { StackRecord } from "./metadata.ts";
import type { StackPlan } from "./plan.ts";
import type { InitMessage, MainToWorker, WorkerToMain } from "./worker_protocol.ts";

/** What the scheduler needs of a worker (a Web Worker, or a test double). */
export interface WorkerHandle {
  postMessage(message: MainToWorker): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<WorkerToMain>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

/** The Chimera pool as the scheduler forwards to it. */
export interface ChimeraForwarder {
  runBatch(shard: number, commands: string[]): Promise<string[]>;
  endShard(shard: number): Promise<void>;
}

/** Events of a run, for metadata, progress and logs. */
export interface SchedulerEvents {
  /** A stack was handed to a worker. */
  started?(stack: StackPlan, slot: number, attempt: number): void;
  /** A stack finished; `record.attempts` is set. */
  done(record: StackRecord): void | Promise<void>;
  /** A stack failed for good after `attempts` attempts. */
  failed(stack: StackPlan, error: string, attempts: number): void | Promise<void>;
  /** A stack failed and is queued again. */
  retrying?(stack: StackPlan, error: string, attempt: number): void;
  /** A stack's engine finished `tiltsDone` of its `tilts` tilts. */
  engineProgress?(stackId: number, tiltsDone: number, tilts: number): void;
}

/** Options of {@linkcode runScheduler}. */
export interface SchedulerOptions {
  /** Stacks to produce, in order. */
  stacks: StackPlan[];
  /** Number of workers. */
  slots: number;
  /** Retries per stack. */
  retries: number;
  /** Creates the worker of a slot. */
  createWorker(slot: number): WorkerHandle;
  /** The init message of a slot. */
  initMessage(slot: number): InitMessage;
  /** The Chimera pool, when the assembler uses one. */
  chimera?: ChimeraForwarder;
  /** Stops the run. */
  signal: AbortSignal;
  /** Events. */
  events: SchedulerEvents;
  /** Logger of the main thread. */
  logger: Logger;
  /** How long to wait for workers to stop on abort (ms, default 1000). */
  abortWaitMs?: number;
  /** Kills an engine process (group) by pid, as a last resort on abort. */
  killPid?: (pid: number) => void;
}

/** How a scheduler run ended. */
export interface SchedulerResult {
  /** True when stopped by the signal. */
  aborted: boolean;
}

interface Slot {
  index: number;
  worker: WorkerHandle;
  ready: boolean;
  /** Stacks the worker holds: at most one imaging and one assembling. */
  inFlight: Map<number, { stack: StackPlan; attempt: number; engineStarted: boolean }>;
  state: "starting" | "running" | "closing" | "finished";
  pids: Set<number>;
  stopped?: () => void;
}

/**
 * Runs the stacks on `slots` workers until all are done or failed (or the signal aborts). A
 * worker failing before it is ready fails the run (rejects). Needs what the workers need.
 */
export function runScheduler(options: SchedulerOptions): Promise<SchedulerResult> {
  const { logger, events } = options;
  const queue = [...options.stacks];
  const attempts = new Map<number, number>();
  // Stacks that were in a worker that crashed with another stack in flight: they run again alone
  // (no second stack beside them), so the stack that crashes a worker is the one charged.
  const solo = new Set<number>();
  const slots: Slot[] = [];
  let finished = false;

  return new Promise<SchedulerResult>((resolve, reject) => {
    const settle = (result: SchedulerResult | Error) => {
      if (finished) return;
      finished = true;
      options.signal.removeEventListener("abort", onAbort);
      if (result instanceof Error) {
        for (const slot of slots) stopSlot(slot);
        reject(result);
      } else {
        resolve(result);
      }
    };

    const stopSlot = (slot: Slot) => {
      for (const pid of slot.pids) options.killPid?.(pid);
      slot.pids.clear();
      try {
        slot.worker.terminate();
      } catch {
        // already gone
      }
      slot.state = "finished";
    };

    const checkAllFinished = () => {
      if (slots.every((slot) => slot.state === "finished")) settle({ aborted: false });
    };

    const give = (slot: Slot) => {
      const stack = queue.shift();
      if (stack === undefined) return;
      const attempt = (attempts.get(stack.id) ?? 0) + 1;
      attempts.set(stack.id, attempt);
      slot.inFlight.set(stack.id, { stack, attempt, engineStarted: false });
      slot.state = "running";
      events.started?.(stack, slot.index, attempt);
      slot.worker.postMessage({ type: "run-stack", stack, attempt });
    };

    /**
     * Keeps a worker busy: a stack when it holds none; a second one (assembled while the first is
     * imaged) only when its first stack's engine runs and the queue still has a stack for every
     * worker, so a held stack never makes another worker idle. Closes a worker with nothing left.
     */
    const dispatch = (slot: Slot) => {
      if (finished || options.signal.aborted || slot.state === "finished") return;
      if (slot.state === "closing") return;
      if (slot.inFlight.size === 0) {
        if (queue.length === 0) {
          slot.state = "closing";
          slot.worker.postMessage({ type: "close" });
          return;
        }
        give(slot);
        return;
      }
      const busy = slots.filter((other) => other.state !== "finished").length;
      const imaging = [...slot.inFlight.values()].every((entry) => entry.engineStarted);
      const inFlightSolo = [...slot.inFlight.keys()].some((id) => solo.has(id));
      const nextSolo = queue[0] !== undefined && solo.has(queue[0].id);
      if (
        slot.inFlight.size === 1 && imaging && queue.length >= busy && !inFlightSolo && !nextSolo
      ) give(slot);
    };

    const failure = async (slot: Slot, stackId: number, error: string, charge = true) => {
      const current = slot.inFlight.get(stackId);
      slot.inFlight.delete(stackId);
      if (current === undefined) return;
      const { stack, attempt } = current;
      if (!charge) {
        // Not counted: run it again alone.
        attempts.set(stack.id, attempt - 1);
        solo.add(stack.id);
        logger.warn(`Stack ${stack.id} is run again alone: ${error}`);
        events.retrying?.(stack, error, attempt - 1);
        queue.unshift(stack);
        return;
      }
      if (attempt <= options.retries) {
        logger.warn(`Stack ${stack.id} failed (attempt ${attempt}): ${error}; retrying`);
        events.retrying?.(stack, error, attempt);
        queue.unshift(stack);
      } else {
        logger.error(`Stack ${stack.id} failed after ${attempt} attempt(s): ${error}`);
        await events.failed(stack, error, attempt);
      }
    };

    const handle = async (slot: Slot, message: WorkerToMain) => {
      switch (message.type) {
        case "log":
          forwardRecord(message.record);
          break;
        case "ready":
          slot.ready = true;
          dispatch(slot);
          break;
        case "engine-started": {
          slot.pids.add(message.pid);
          const entry = slot.inFlight.get(message.stackId);
          if (entry !== undefined) entry.engineStarted = true;
          dispatch(slot);
          break;
        }
        case "engine-exited":
          slot.pids.delete(message.pid);
          break;
        case "engine-progress":
          events.engineProgress?.(message.stackId, message.tiltsDone, message.tilts);
          break;
        case "chimera-batch": {
          const chimera = options.chimera;
          const reply = (result: MainToWorker) => {
            if (slot.state !== "finished") slot.worker.postMessage(result);
          };
          if (chimera === undefined) {
            reply({
              type: "chimera-reply",
              requestId: message.requestId,
              ok: false,
              error: "no Chimera pool is running",
            });
            break;
          }
          chimera.runBatch(slot.index, message.commands).then(
            (replies) =>
              reply({ type: "chimera-reply", requestId: message.requestId, ok: true, replies }),
            (error) =>
              reply({
                type: "chimera-reply",
                requestId: message.requestId,
                ok: false,
                error: error instanceof Error ? error.message : String(error),
              }),
          );
          break;
        }
        case "chimera-end": {
          const done = (ok: boolean, error?: string) => {
            if (slot.state === "finished") return;
            slot.worker.postMessage(
              ok
                ? { type: "chimera-reply", requestId: message.requestId, ok: true, replies: [] }
                : {
                  type: "chimera-reply",
                  requestId: message.requestId,
                  ok: false,
                  error: error ?? "",
                },
            );
          };
          if (options.chimera === undefined) done(true);
          else {
            options.chimera.endShard(slot.index).then(
              () => done(true),
              (error) => done(false, error instanceof Error ? error.message : String(error)),
            );
          }
          break;
        }
        case "stack-done": {
          const current = slot.inFlight.get(message.stackId);
          slot.inFlight.delete(message.stackId);
          const record = {
            ...message.record,
            attempts: current?.attempt ?? message.record.attempts,
          };
          await events.done(record);
          dispatch(slot);
          break;
        }
        case "stack-failed":
          await failure(slot, message.stackId, message.error);
          dispatch(slot);
          break;
        case "closed":
          stopSlot(slot);
          checkAllFinished();
          break;
        case "aborted":
          slot.stopped?.();
          break;
        case "fatal":
          settle(new Error(`worker-${slot.index + 1} could not start: ${message.error}`));
          break;
      }
    };

    const startSlot = (index: number): Slot => {
      const worker = options.createWorker(index);
      const slot: Slot = {
        index,
        worker,
        ready: false,
        state: "starting",
        pids: new Set(),
        inFlight: new Map(),
      };
      // Messages are handled one after the other, in arrival order.
      let chain = Promise.resolve();
      worker.onmessage = (event) => {
        chain = chain.then(() => handle(slot, event.data)).catch((error) =>
          settle(error instanceof Error ? error : new Error(String(error)))
        );
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const reason = event.message || "uncaught error";
        chain = chain.then(async () => {
          if (finished || slot.state === "finished") return;
          const stackIds = [...slot.inFlight.keys()];
          logger.error(
            `worker-${index + 1} crashed${
              stackIds.length === 0 ? "" : ` while running stack ${stackIds.join(", ")}`
            }: ${reason}`,
          );
          if (!slot.ready) {
            settle(new Error(`worker-${index + 1} could not start: ${reason}`));
            return;
          }
          stopSlot(slot);
          // One stack in flight: it is charged. Several: none is; they run again alone.
          for (const stackId of stackIds) {
            await failure(slot, stackId, `worker crashed: ${reason}`, stackIds.length === 1);
          }
          if (queue.length > 0 && !options.signal.aborted) {
            slots[index] = startSlot(index);
          } else {
            checkAllFinished();
          }
        });
      };
      worker.postMessage(options.initMessage(index));
      return slot;
    };

    const onAbort = () => {
      if (finished) return;
      const waits = slots.filter((slot) => slot.state !== "finished").map((slot) =>
        new Promise<void>((done) => {
          slot.stopped = done;
          try {
            slot.worker.postMessage({ type: "abort" });
          } catch {
            done();
          }
        })
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((done) => {
        timer = setTimeout(done, options.abortWaitMs ?? 1000);
      });
      void Promise.race([Promise.all(waits), timeout]).then(() => {
        clearTimeout(timer);
        for (const slot of slots) stopSlot(slot);
        settle({ aborted: true });
      });
    };

    if (options.signal.aborted) {
      settle({ aborted: true });
      return;
    }
    options.signal.addEventListener("abort", onAbort, { once: true });
    for (let i = 0; i < options.slots; i++) slots.push(startSlot(i));
    if (options.slots === 0) settle({ aborted: false });
  });
}

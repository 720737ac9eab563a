/**
 * Runs tilts in the main thread or on a pool of Web Workers (one per thread, each with its own
 * WebAssembly FFT). Results do not depend on the number of threads: tilts draw no random numbers;
 * detectors with quantization come back as pre-noise counts, and the caller applies the noise in
 * tilt order from the run's one stream (lib/tem/detector.ts).
 *
 * @module
 */
import { runtimeError } from "../errors/mod.ts";
import { onCleanup } from "../platform/mod.ts";
import type { ImagingSetup, TiltJob, TiltResult } from "./tilt_job.ts";
import type { TiltSimulator } from "./tilt_simulation.ts";
import type { TiltWorkerRequest, TiltWorkerResponse } from "./worker_protocol.ts";

/** Runs tilts. */
export interface TiltExecutor {
  /** Simulates one tilt (queued if every thread is busy). */
  run(job: TiltJob): Promise<TiltResult>;
  /** Stops every worker. Idempotent. */
  close(): void;
}

interface Pending {
  job: TiltJob;
  resolve: (result: TiltResult) => void;
  reject: (error: unknown) => void;
}

/** How this thread shares the tilts with the workers (see {@linkcode workerExecutor}). */
export interface LocalShare {
  /** The simulator of this thread. */
  simulator: TiltSimulator;
  /** Each worker holds its next job while this thread computes (one more job in memory). */
  prequeue: boolean;
  /** Milliseconds this thread has spent on other work of the run so far (e.g. the noise). */
  otherWork?: () => number;
}

/**
 * Starts `workers` Web Workers sharing `setup` (maps should live in SharedArrayBuffers); with
 * `local`, this thread simulates tilts too (one isolate less: less memory), but only while its
 * time on tilts and on its other work stays within a worker's time on tilts. Workers run with
 * the parent's permissions. Needs --allow-read of the worker module and the npm cache.
 */
export async function workerExecutor(
  setup: ImagingSetup,
  threads: number,
  localShare?: LocalShare,
): Promise<TiltExecutor> {
  const local = localShare?.simulator;
  const prequeue = localShare?.prequeue ?? true;
  /** Tilts and milliseconds of this thread's simulations, tilts finished by the workers. */
  let localTilts = 0, localMs = 0, workerTilts = 0;
  /** Whether this thread may take a tilt: its busy time would not pass a worker's. */
  const localMayTake = () => {
    if (localTilts === 0) return true;
    const perTilt = localMs / localTilts;
    const busy = localMs + (localShare?.otherWork?.() ?? 0);
    return busy + perTilt <= (workerTilts / Math.max(1, threads) + 1) * perTilt;
  };
  const workers: Worker[] = [];
  /** Jobs posted to each worker, in order (a worker may hold the next job while it computes). */
  const busy = new Map<Worker, Pending[]>();
  const idle: Worker[] = [];
  const queue: Pending[] = [];
  let closed = false;
  let failure: unknown;
  let localBusy = false;

  const close = () => {
    if (closed) return;
    closed = true;
    for (const worker of workers) worker.terminate();
    for (const pending of [...[...busy.values()].flat(), ...queue]) {
      pending.reject(failure ?? runtimeError("Cannot simulate the tilt: the workers were stopped"));
    }
    busy.clear();
    queue.length = 0;
  };
  const unregister = onCleanup(close);

  const post = (worker: Worker, pending: Pending) => {
    const list = busy.get(worker) ?? [];
    list.push(pending);
    busy.set(worker, list);
    worker.postMessage(
      { type: "tilt", job: pending.job } satisfies TiltWorkerRequest,
      pending.job.outputs ?? [],
    );
  };
  const dispatch = () => {
    while (!closed && idle.length > 0 && queue.length > 0) post(idle.pop()!, queue.shift()!);
    if (local === undefined) return;
    // This thread computes too; while it does, it cannot hand out work, so each worker keeps the
    // next job queued (unless memory is tight: a queued job holds its image buffers).
    for (const worker of prequeue ? workers : []) {
      if (closed || queue.length <= (localMayTake() ? 1 : 0)) break;
      if ((busy.get(worker)?.length ?? 0) === 1) post(worker, queue.shift()!);
    }
    if (!closed && !localBusy && queue.length > 0 && localMayTake()) {
      const pending = queue.shift()!;
      localBusy = true;
      // After the current task, so that the messages above are sent first.
      setTimeout(() => {
        const started = performance.now();
        try {
          if (closed) {
            pending.reject(
              failure ?? runtimeError("Cannot simulate the tilt: the run was stopped"),
            );
          } else pending.resolve(local.run(pending.job));
        } catch (error) {
          pending.reject(error);
        } finally {
          localTilts++;
          localMs += performance.now() - started;
          localBusy = false;
          dispatch();
        }
      }, 0);
    }
  };

  const fail = (error: unknown) => {
    failure ??= error;
    close();
  };

  const ready = Array.from({ length: threads }, () => {
    const worker = new Worker(new URL("../../workers/tem_tilt_worker.ts", import.meta.url), {
      type: "module",
    });
    workers.push(worker);
    return new Promise<void>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<TiltWorkerResponse>) => {
        const message = event.data;
        if (message.type === "ready") {
          idle.push(worker);
          resolve();
          dispatch();
        } else if (message.type === "result") {
          workerTilts++;
          const list = busy.get(worker) ?? [];
          const pending = list.shift();
          if (list.length === 0) {
            busy.delete(worker);
            idle.push(worker);
          }
          pending?.resolve(message.result);
          dispatch();
        } else {
          const error = runtimeError(`Cannot simulate the tilt series: ${message.message}`);
          reject(error);
          fail(error);
        }
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        const error = runtimeError(
          `Cannot simulate the tilt series: worker failed: ${event.message}`,
        );
        reject(error);
        fail(error);
      };
      worker.postMessage({ type: "init", setup } satisfies TiltWorkerRequest);
    });
  });
  try {
    await Promise.all(ready);
  } catch (error) {
    close();
    unregister();
    throw error;
  }
  return {
    run: (job) =>
      new Promise<TiltResult>((resolve, reject) => {
        if (closed) {
          reject(failure ?? runtimeError("Cannot simulate the tilt: the workers were stopped"));
          return;
        }
        queue.push({ job, resolve, reject });
        dispatch();
      }),
    close: () => {
      close();
      unregister();
    },
  };
}

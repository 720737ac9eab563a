/**
 * Runs tilts on a pool of Web Workers (one per thread, each with its own WebAssembly FFT).
 * Results do not depend on the number of threads: tilts draw no random numbers but the detector
 * noise, which each worker draws in its tilt's turn from the run's one stream handed on by a
 * noise relay (lib/tem/noise_relay.ts), and images are handed over in tilt order through one
 * shared slot (lib/tem/tilt_image_slot.ts).
 *
 * @module
 */
import { runtimeError } from "../errors/mod.ts";
import { onCleanup } from "../platform/mod.ts";
import type { NoiseRelay } from "./noise_relay.ts";
import type { ImagingSetup, TiltJob, TiltResult } from "./tilt_job.ts";
import type { TiltImageSlot } from "./tilt_image_slot.ts";
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

/** What the workers share with this thread: the images' slot, the noise relay (if any). */
export interface TiltSharing {
  images: TiltImageSlot;
  relay?: NoiseRelay;
}

/**
 * Starts `threads` Web Workers sharing `setup` (maps should live in SharedArrayBuffers); each
 * hands its tilts' images over in `shared.images` and draws their noise in their turns of
 * `shared.relay` (both stopped with the executor). Workers run with the parent's permissions.
 * Needs --allow-read of the worker module and the npm cache.
 */
export async function workerExecutor(
  setup: ImagingSetup,
  threads: number,
  shared: TiltSharing,
): Promise<TiltExecutor> {
  const workers: Worker[] = [];
  /** The job each busy worker computes. */
  const busy = new Map<Worker, Pending>();
  const idle: Worker[] = [];
  const queue: Pending[] = [];
  let closed = false;
  let failure: unknown;

  const close = () => {
    if (closed) return;
    closed = true;
    shared.images.stop();
    shared.relay?.stop();
    for (const worker of workers) worker.terminate();
    for (const pending of [...busy.values(), ...queue]) {
      pending.reject(failure ?? runtimeError("Cannot simulate the tilt: the workers were stopped"));
    }
    busy.clear();
    queue.length = 0;
  };
  const unregister = onCleanup(close);

  const post = (worker: Worker, pending: Pending) => {
    busy.set(worker, pending);
    worker.postMessage({ type: "tilt", job: pending.job } satisfies TiltWorkerRequest);
  };
  const dispatch = () => {
    while (!closed && idle.length > 0 && queue.length > 0) post(idle.pop()!, queue.shift()!);
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
          const pending = busy.get(worker);
          busy.delete(worker);
          idle.push(worker);
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
      worker.postMessage(
        {
          type: "init",
          setup,
          images: shared.images.buffer,
          noise: shared.relay?.buffer,
        } satisfies TiltWorkerRequest,
      );
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

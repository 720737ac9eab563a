/**
 * Runs tilts on a pool of Web Workers (one per thread, each with its own WebAssembly FFT).
 * Results do not depend on the number of threads: tilts draw no random numbers but the detector
 * noise, which each worker draws in its tilt's turn from the run's one stream handed on by a
 * noise relay (lib/tem/noise_relay.ts), and images are handed over in tilt order through one
 * shared slot (lib/tem/tilt_image_slot.ts).
 *
 * @module
 */
import { type EtsError, runtimeError } from "../errors/mod.ts";
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

/** A tilt waiting for a worker or being computed by one, and its promise's settlers. */
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

/** The error a tilt gets when the workers stopped without a failure of their own. */
function workersStopped(): EtsError {
  return runtimeError("Cannot simulate the tilt: the workers were stopped");
}

/**
 * The workers of one executor: which are idle, the tilt each busy one computes and the tilts
 * waiting for a worker. The first failure stops them all and rejects every tilt not yet done.
 */
class TiltWorkerPool {
  readonly #shared: TiltSharing;
  readonly #workers: Worker[] = [];
  /** The job each busy worker computes. */
  readonly #busy = new Map<Worker, Pending>();
  readonly #idle: Worker[] = [];
  readonly #queue: Pending[] = [];
  #closed = false;
  #failure: unknown;

  constructor(shared: TiltSharing) {
    this.#shared = shared;
  }

  /**
   * Starts one worker on `setup`: resolves once it is ready, rejects if it fails or reports an
   * error before.
   */
  start(setup: ImagingSetup): Promise<void> {
    const worker = new Worker(new URL("../../workers/tem_tilt_worker.ts", import.meta.url), {
      type: "module",
    });
    this.#workers.push(worker);
    return new Promise<void>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<TiltWorkerResponse>) => {
        this.#route(worker, event.data, resolve, reject);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        const error = runtimeError(
          `Cannot simulate the tilt series: worker failed: ${event.message}`,
        );
        reject(error);
        this.#fail(error);
      };
      worker.postMessage(
        {
          type: "init",
          setup,
          images: this.#shared.images.buffer,
          noise: this.#shared.relay?.buffer,
        } satisfies TiltWorkerRequest,
      );
    });
  }

  /** Simulates `job` on the next idle worker (rejected at once if the workers are stopped). */
  run(job: TiltJob): Promise<TiltResult> {
    return new Promise<TiltResult>((resolve, reject) => {
      if (this.#closed) {
        reject(this.#failure ?? workersStopped());
        return;
      }
      this.#queue.push({ job, resolve, reject });
      this.#dispatch();
    });
  }

  /**
   * Stops the images' slot, the noise relay and every worker, and rejects every tilt not yet
   * done (with the first failure, if any). Idempotent.
   */
  stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#shared.images.stop();
    this.#shared.relay?.stop();
    for (const worker of this.#workers) worker.terminate();
    for (const pending of [...this.#busy.values(), ...this.#queue]) {
      pending.reject(this.#failure ?? workersStopped());
    }
    this.#busy.clear();
    this.#queue.length = 0;
  }

  /**
   * Acts on a message of `worker`: ready (it becomes idle), a tilt's result (resolves that tilt,
   * the worker becomes idle) or an error (`failed` and the whole pool stop).
   */
  #route(
    worker: Worker,
    message: TiltWorkerResponse,
    ready: () => void,
    failed: (error: unknown) => void,
  ): void {
    if (message.type === "ready") {
      this.#idle.push(worker);
      ready();
      this.#dispatch();
    } else if (message.type === "result") {
      const pending = this.#busy.get(worker);
      this.#busy.delete(worker);
      this.#idle.push(worker);
      pending?.resolve(message.result);
      this.#dispatch();
    } else {
      const error = runtimeError(`Cannot simulate the tilt series: ${message.message}`);
      failed(error);
      this.#fail(error);
    }
  }

  /** Hands queued tilts to idle workers while both last. */
  #dispatch(): void {
    while (!this.#closed && this.#idle.length > 0 && this.#queue.length > 0) {
      this.#post(this.#idle.pop()!, this.#queue.shift()!);
    }
  }

  /** Sends `pending`'s tilt to `worker`, now busy with it. */
  #post(worker: Worker, pending: Pending): void {
    this.#busy.set(worker, pending);
    worker.postMessage({ type: "tilt", job: pending.job } satisfies TiltWorkerRequest);
  }

  /** Keeps the first failure and stops the pool. */
  #fail(error: unknown): void {
    this.#failure ??= error;
    this.stop();
  }
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
  const pool = new TiltWorkerPool(shared);
  const close = () => pool.stop();
  const unregister = onCleanup(close);
  const ready = Array.from({ length: threads }, () => pool.start(setup));
  try {
    await Promise.all(ready);
  } catch (error) {
    close();
    unregister();
    throw error;
  }
  return {
    run: (job) => pool.run(job),
    close: () => {
      close();
      unregister();
    },
  };
}

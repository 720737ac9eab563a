/**
 * Computes a volume's z slabs on Web Workers (or in this thread when one thread is asked for)
 * and hands them back in z order, keeping only a few slabs in memory at once. Every worker is
 * stopped on every exit path (normal end, error, process cleanups).
 *
 * @module
 */
import { runtimeError } from "../errors/mod.ts";
import { onCleanup } from "../platform/mod.ts";
import { type BackprojectionSetup, backprojectSlab } from "./backproject.ts";
import type { ReconstructRequest, ReconstructResponse } from "./worker_protocol.ts";

/** A slab of z planes. */
export interface Slab {
  /** First z plane. */
  first: number;
  /** Planes in the slab. */
  count: number;
  /** grid.nx·grid.ny·count values, x fastest. */
  data: Float32Array;
}

/** Splits `nz` planes into slabs of at most `planesPerSlab`. Needs no permissions. */
export function slabRanges(nz: number, planesPerSlab: number): { first: number; count: number }[] {
  const out: { first: number; count: number }[] = [];
  for (let first = 0; first < nz; first += planesPerSlab) {
    out.push({ first, count: Math.min(planesPerSlab, nz - first) });
  }
  return out;
}

/** Where a slab lies: its first z plane and how many planes it has. */
type SlabRange = { first: number; count: number };

/**
 * Back-projects every slab of `ranges` with `threads` workers (this thread when 1) and calls
 * `consume` on each in z order (awaited before the next). `setup.images` must be backed by a
 * SharedArrayBuffer when `threads` > 1. At most `threads + 1` slabs are held at once.
 * Needs --allow-read of the worker module.
 */
export async function backprojectSlabs(
  setup: BackprojectionSetup,
  ranges: { first: number; count: number }[],
  threads: number,
  consume: (slab: Slab) => Promise<void>,
): Promise<void> {
  if (threads <= 1) {
    for (const r of ranges) {
      await consume({ ...r, data: backprojectSlab(setup, r.first, r.count) });
    }
    return;
  }
  if (!(setup.images.buffer instanceof SharedArrayBuffer)) {
    throw new Error("backprojectSlabs: images must live in a SharedArrayBuffer for workers");
  }
  await backprojectSlabsOnWorkers(setup, ranges, threads, consume);
}

/**
 * Starts `threads` slab workers fed by one {@linkcode SlabQueue}, waits until the queue has
 * consumed every slab or failed, and stops every worker on every exit path (end, error, process
 * cleanups).
 */
async function backprojectSlabsOnWorkers(
  setup: BackprojectionSetup,
  ranges: SlabRange[],
  threads: number,
  consume: (slab: Slab) => Promise<void>,
): Promise<void> {
  const workers: Worker[] = [];
  const stop = () => {
    for (const worker of workers) worker.terminate();
    workers.length = 0;
  };
  const unregister = onCleanup(stop);
  try {
    await new Promise<void>((resolve, reject) => {
      const queue = new SlabQueue(ranges, threads, consume, { resolve, reject });
      for (let w = 0; w < threads; w++) {
        const worker = new Worker(new URL("../../workers/reconstruct_worker.ts", import.meta.url), {
          type: "module",
        });
        workers.push(worker);
        startSlabWorker(worker, setup, queue);
      }
      if (ranges.length === 0) resolve();
    });
  } finally {
    stop();
    unregister();
  }
}

/**
 * Wires a new slab worker to `queue` (its slabs are collected there, its failures fail the
 * queue) and sends it the shared images, the tilts and the grid.
 */
function startSlabWorker(worker: Worker, setup: BackprojectionSetup, queue: SlabQueue): void {
  worker.onerror = (event) => {
    event.preventDefault();
    queue.fail(runtimeError(`Cannot reconstruct: a worker failed: ${event.message}`));
  };
  worker.onmessage = (event: MessageEvent<ReconstructResponse>) => {
    const message = event.data;
    if (message.type === "ready") {
      queue.workerFree(worker);
    } else if (message.type === "slab") {
      queue.slabDone(message.id, {
        first: message.first,
        count: message.count,
        data: message.data,
      }, worker);
    } else {
      queue.fail(runtimeError(`Cannot reconstruct: ${message.message}`));
    }
  };
  worker.postMessage(
    {
      type: "init",
      images: setup.images.buffer as SharedArrayBuffer,
      tilts: setup.tilts,
      grid: setup.grid,
    } satisfies ReconstructRequest,
  );
}

/**
 * The slab schedule of one back-projection on workers: sends slab requests to free workers
 * (holding at most `threads + 1` slabs not yet consumed) and collects the finished slabs, handing
 * them to `consume` in z order. Settles `settle` once: resolved when every slab is consumed,
 * rejected with the first failure.
 */
class SlabQueue {
  readonly #ranges: SlabRange[];
  readonly #threads: number;
  readonly #consume: (slab: Slab) => Promise<void>;
  readonly #settle: { resolve: () => void; reject: (error: unknown) => void };
  /** Finished slabs not yet consumed, by slab id (index in the ranges). */
  readonly #done = new Map<number, Slab>();
  /** Workers waiting for a slab to compute. */
  readonly #idle: Worker[] = [];
  #nextToSend = 0;
  #nextToConsume = 0;
  #consuming = false;
  #failed = false;

  constructor(
    ranges: SlabRange[],
    threads: number,
    consume: (slab: Slab) => Promise<void>,
    settle: { resolve: () => void; reject: (error: unknown) => void },
  ) {
    this.#ranges = ranges;
    this.#threads = threads;
    this.#consume = consume;
    this.#settle = settle;
  }

  /** Rejects with `error` unless the queue has already failed. */
  fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    const reject = this.#settle.reject;
    reject(error);
  }

  /** Gives `worker` the next slab, or parks it until one may be sent. */
  workerFree(worker: Worker): void {
    if (!this.#send(worker)) this.#idle.push(worker);
  }

  /** Collects slab `id` from `worker`, gives the worker more work and consumes what is ready. */
  slabDone(id: number, slab: Slab, worker: Worker): void {
    this.#done.set(id, slab);
    this.workerFree(worker);
    void this.#pump();
  }

  /** Sends the next slab to `worker`; false when none is left or enough are held already. */
  #send(worker: Worker): boolean {
    // Hold at most threads + 1 slabs not yet consumed.
    if (
      this.#nextToSend >= this.#ranges.length ||
      this.#nextToSend - this.#nextToConsume > this.#threads
    ) return false;
    const r = this.#ranges[this.#nextToSend]!;
    worker.postMessage(
      { type: "slab", id: this.#nextToSend, ...r } satisfies ReconstructRequest,
    );
    this.#nextToSend++;
    return true;
  }

  /**
   * Consumes the finished slabs that come next in z order, one at a time, refilling idle
   * workers after each; resolves after the last slab, fails on a consumer error.
   */
  async #pump(): Promise<void> {
    if (this.#consuming || this.#failed) return;
    this.#consuming = true;
    try {
      while (this.#done.has(this.#nextToConsume)) {
        const slab = this.#done.get(this.#nextToConsume)!;
        this.#done.delete(this.#nextToConsume);
        this.#nextToConsume++;
        const consume = this.#consume;
        await consume(slab);
        const idle = this.#idle;
        while (idle.length > 0 && this.#send(idle[idle.length - 1]!)) idle.pop();
      }
    } catch (error) {
      this.fail(error);
      return;
    } finally {
      this.#consuming = false;
    }
    const resolve = this.#settle.resolve;
    if (this.#nextToConsume === this.#ranges.length) resolve();
    else if (this.#done.has(this.#nextToConsume)) void this.#pump();
  }
}

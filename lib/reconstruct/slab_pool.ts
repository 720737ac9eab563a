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
  const workers: Worker[] = [];
  const stop = () => {
    for (const worker of workers) worker.terminate();
    workers.length = 0;
  };
  const unregister = onCleanup(stop);
  try {
    await new Promise<void>((resolve, reject) => {
      const done = new Map<number, Slab>();
      let nextToSend = 0, nextToConsume = 0, consuming = false, failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      const send = (worker: Worker) => {
        // Hold at most threads + 1 slabs not yet consumed.
        if (nextToSend >= ranges.length || nextToSend - nextToConsume > threads) return false;
        const r = ranges[nextToSend]!;
        worker.postMessage(
          { type: "slab", id: nextToSend, ...r } satisfies ReconstructRequest,
        );
        nextToSend++;
        return true;
      };
      const idle: Worker[] = [];
      const pump = async () => {
        if (consuming || failed) return;
        consuming = true;
        try {
          while (done.has(nextToConsume)) {
            const slab = done.get(nextToConsume)!;
            done.delete(nextToConsume);
            nextToConsume++;
            await consume(slab);
            while (idle.length > 0 && send(idle[idle.length - 1]!)) idle.pop();
          }
        } catch (error) {
          fail(error);
          return;
        } finally {
          consuming = false;
        }
        if (nextToConsume === ranges.length) resolve();
        else if (done.has(nextToConsume)) void pump();
      };
      for (let w = 0; w < threads; w++) {
        const worker = new Worker(new URL("../../workers/reconstruct_worker.ts", import.meta.url), {
          type: "module",
        });
        workers.push(worker);
        worker.onerror = (event) => {
          event.preventDefault();
          fail(runtimeError(`Cannot reconstruct: a worker failed: ${event.message}`));
        };
        worker.onmessage = (event: MessageEvent<ReconstructResponse>) => {
          const message = event.data;
          if (message.type === "ready") {
            if (!send(worker)) idle.push(worker);
          } else if (message.type === "slab") {
            done.set(message.id, {
              first: message.first,
              count: message.count,
              data: message.data,
            });
            if (!send(worker)) idle.push(worker);
            void pump();
          } else {
            fail(runtimeError(`Cannot reconstruct: ${message.message}`));
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
      if (ranges.length === 0) resolve();
    });
  } finally {
    stop();
    unregister();
  }
}

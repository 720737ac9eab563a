/**
 * Starts the handover test worker (handover_worker.ts) on one request, for the noise relay and
 * tilt image slot tests. Needs --allow-read of the worker module.
 *
 * @module
 */
import type { HandoverRequest } from "./handover_worker.ts";

/** The worker and its one reply (the caller terminates the worker). */
export function handoverInWorker<T>(
  request: HandoverRequest,
): { reply: Promise<T>; worker: Worker } {
  const worker = new Worker(new URL("./handover_worker.ts", import.meta.url), { type: "module" });
  const reply = new Promise<T>((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data as T);
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
  });
  worker.postMessage(request);
  return { reply, worker };
}

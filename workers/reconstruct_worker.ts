/**
 * Web Worker that back-projects z slabs of a tomogram (lib/reconstruct/backproject.ts).
 * Protocol: lib/reconstruct/worker_protocol.ts. Needs no permissions.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { createReconstructWorker } from "../lib/reconstruct/worker_main.ts";
import type { ReconstructRequest } from "../lib/reconstruct/worker_protocol.ts";

const handle = createReconstructWorker(
  (message, transfer = []) => self.postMessage(message, transfer),
  () => self.close(),
);
self.onmessage = (event: MessageEvent<ReconstructRequest>) => handle(event.data);

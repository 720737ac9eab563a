/**
 * A generate worker: runs stacks handed out by the main thread (lib/generate/worker_main.ts;
 * messages in lib/generate/worker_protocol.ts). Needs the permissions of `ets generate`.
 *
 * @module
 */
import { generateWorkerMain, type WorkerScope } from "../lib/generate/mod.ts";

generateWorkerMain(self as unknown as WorkerScope);

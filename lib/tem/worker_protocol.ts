/**
 * Messages between the main thread and a tilt worker (workers/tem_tilt_worker.ts). Particle maps
 * travel in SharedArrayBuffers (shared, not copied); detector images are transferred.
 *
 * @module
 */
import type { ImagingSetup, TiltJob, TiltResult } from "./tilt_job.ts";

/** Main thread → worker. */
export type TiltWorkerRequest =
  | { type: "init"; setup: ImagingSetup }
  | { type: "tilt"; job: TiltJob }
  | { type: "stop" };

/** Worker → main thread. */
export type TiltWorkerResponse =
  | { type: "ready" }
  | { type: "result"; result: TiltResult }
  | { type: "error"; message: string; stack?: string };

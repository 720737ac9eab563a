/**
 * Messages between the main thread and a tilt worker (workers/tem_tilt_worker.ts). Particle maps,
 * the detector images and the noise stream live in SharedArrayBuffers (shared, not copied).
 *
 * @module
 */
import type { ImagingSetup, TiltJob, TiltResult } from "./tilt_job.ts";

/** Main thread → worker. */
export type TiltWorkerRequest =
  /**
   * `images`: the shared slot the tilts' images are handed over in (lib/tem/tilt_image_slot.ts);
   * `noise`: the run's noise relay (lib/tem/noise_relay.ts), if the tilts draw noise.
   */
  | { type: "init"; setup: ImagingSetup; images: SharedArrayBuffer; noise?: SharedArrayBuffer }
  | { type: "tilt"; job: TiltJob }
  | { type: "stop" };

/** Worker → main thread. */
export type TiltWorkerResponse =
  | { type: "ready" }
  | { type: "result"; result: TiltResult }
  | { type: "error"; message: string; stack?: string };

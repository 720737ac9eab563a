/**
 * Web Worker that simulates tilts of a TEM tilt series (lib/tem/tilt_simulation.ts). Protocol:
 * lib/tem/worker_protocol.ts. Needs the parent's permissions (read of the npm cache for the
 * WebAssembly FFT).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { NoiseRelay } from "../lib/tem/noise_relay.ts";
import { TiltImageSlot } from "../lib/tem/tilt_image_slot.ts";
import { TiltSimulator } from "../lib/tem/tilt_simulation.ts";
import type { TiltWorkerRequest, TiltWorkerResponse } from "../lib/tem/worker_protocol.ts";

let simulator: TiltSimulator | undefined;
/** Where this worker hands its tilts' images over, and the run's noise relay. */
let shared: { images: TiltImageSlot; relay?: NoiseRelay } | undefined;

function reply(message: TiltWorkerResponse): void {
  self.postMessage(message);
}

self.onmessage = async (event: MessageEvent<TiltWorkerRequest>) => {
  const message = event.data;
  try {
    switch (message.type) {
      case "init":
        simulator = await TiltSimulator.create(message.setup);
        shared = {
          images: new TiltImageSlot(
            message.images,
            message.setup.detectors.map((d) => d.width * d.height),
          ),
          relay: message.noise === undefined ? undefined : new NoiseRelay(message.noise),
        };
        reply({ type: "ready" });
        break;
      case "tilt": {
        if (simulator === undefined || shared === undefined) {
          throw new Error("Cannot simulate a tilt: the worker is not initialised");
        }
        reply({ type: "result", result: simulator.run(message.job, shared) });
        break;
      }
      case "stop":
        self.close();
        break;
    }
  } catch (error) {
    reply({
      type: "error",
      message: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
  }
};

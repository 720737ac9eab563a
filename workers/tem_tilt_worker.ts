/**
 * Web Worker that simulates tilts of a TEM tilt series (lib/tem/tilt_simulation.ts). Protocol:
 * lib/tem/worker_protocol.ts. Needs the parent's permissions (read of the npm cache for the
 * WebAssembly FFT).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { TiltSimulator } from "../lib/tem/tilt_simulation.ts";
import type { TiltWorkerRequest, TiltWorkerResponse } from "../lib/tem/worker_protocol.ts";

let simulator: TiltSimulator | undefined;

function reply(message: TiltWorkerResponse, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

self.onmessage = async (event: MessageEvent<TiltWorkerRequest>) => {
  const message = event.data;
  try {
    switch (message.type) {
      case "init":
        simulator = await TiltSimulator.create(message.setup);
        reply({ type: "ready" });
        break;
      case "tilt": {
        if (simulator === undefined) {
          throw new Error("Cannot simulate a tilt: the worker is not initialised");
        }
        const result = simulator.run(message.job);
        reply(
          { type: "result", result },
          result.images.map((image) => image.buffer as ArrayBuffer),
        );
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

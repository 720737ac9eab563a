/**
 * Test worker for lib/tem/noise_relay_test.ts and tilt_image_slot_test.ts: takes a turn of a
 * noise relay or fills a tilt image slot from another thread, and reports what it did.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { NoiseRelay } from "../noise_relay.ts";
import { TiltImageSlot } from "../tilt_image_slot.ts";

/** What the test asks. */
export type HandoverRequest =
  | { type: "noise"; buffer: SharedArrayBuffer; tilt: number; counts: number[] }
  | { type: "image"; buffer: SharedArrayBuffer; sizes: number[]; tilt: number; value: number };

self.onmessage = (event: MessageEvent<HandoverRequest>) => {
  const request = event.data;
  try {
    if (request.type === "noise") {
      const relay = new NoiseRelay(request.buffer);
      const values = Float32Array.from(request.counts);
      relay.draw(request.tilt, (noise) => noise.main.detectorNoise(values, 1.5));
      self.postMessage({ ok: true, values: [...values] });
    } else {
      const slot = new TiltImageSlot(request.buffer, request.sizes);
      for (const image of slot.acquire(request.tilt)) image.fill(request.value);
      self.postMessage({ ok: true });
    }
  } catch (error) {
    self.postMessage({ ok: false, message: (error as Error).message });
  }
};

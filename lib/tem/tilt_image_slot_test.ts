import { assert, assertEquals, assertThrows } from "../testing/mod.ts";
import { handoverInWorker } from "./testdata/handover.ts";
import { TiltImageSlot } from "./tilt_image_slot.ts";

const SIZES = [6, 4];

Deno.test("the tilt image slot is filled in tilt order: tilt 1 waits until tilt 0 is released", async () => {
  const slot = TiltImageSlot.create(SIZES, 0);
  const { reply, worker } = handoverInWorker<{ ok: boolean; message?: string }>({
    type: "image",
    buffer: slot.buffer,
    sizes: SIZES,
    tilt: 1,
    value: 2,
  });
  try {
    // Tilt 0 fills here; the worker (tilt 1) cannot overwrite it before the release.
    for (const image of slot.acquire(0)) image.fill(1);
    assertEquals([...slot.image(0), ...slot.image(1)], new Array(10).fill(1));
    slot.release(0);
    assert((await reply).ok);
    assertEquals([...slot.image(0)], new Array(6).fill(2));
    assertEquals([...slot.image(1)], new Array(4).fill(2));
    assertThrows(() => slot.acquire(0), Error, "twice");
  } finally {
    worker.terminate();
  }
});

Deno.test("stopping the tilt image slot wakes a waiting worker with an error", async () => {
  const slot = TiltImageSlot.create(SIZES, 0);
  const { reply, worker } = handoverInWorker<{ ok: boolean; message?: string }>({
    type: "image",
    buffer: slot.buffer,
    sizes: SIZES,
    tilt: 3,
    value: 1,
  });
  try {
    slot.stop();
    const answer = await reply;
    assertEquals(answer.ok, false);
    assert(answer.message?.includes("stopped"), answer.message);
  } finally {
    worker.terminate();
  }
  assertThrows(() => new TiltImageSlot(new SharedArrayBuffer(8), SIZES), RangeError);
});

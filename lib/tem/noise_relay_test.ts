import { assert, assertEquals, assertThrows } from "../testing/mod.ts";
import { handoverInWorker } from "./testdata/handover.ts";
import type { NoiseStreams } from "./detector.ts";
import { NoiseRelay } from "./noise_relay.ts";
import { RandomStream } from "./random.ts";

const COUNTS = [0, 3, 12.5, 250, 9.75, 1e4, 40, 0.5];

function streams(seed: number): NoiseStreams {
  return { main: new RandomStream(seed), extra: new RandomStream(seed ^ 0x2545f491) };
}

/** Detector noise of tilt after tilt from one stream (the reference). */
function inOrder(seed: number, tilts: number): number[][] {
  const { main } = streams(seed);
  return Array.from({ length: tilts }, () => {
    const values = Float32Array.from(COUNTS);
    main.detectorNoise(values, 1.5);
    return [...values];
  });
}

Deno.test("a noise relay draws tilt after tilt what one stream draws, and hands the stream back", () => {
  const noise = streams(7);
  const relay = NoiseRelay.start(noise, 0);
  const drawn = [0, 1, 2].map((tilt) =>
    relay.draw(tilt, (s) => {
      const values = Float32Array.from(COUNTS);
      s.main.detectorNoise(values, 1.5);
      return [...values];
    })
  );
  assertEquals(drawn, inOrder(7, 3));
  relay.finish(noise);
  const reference = streams(7).main;
  for (let i = 0; i < 3; i++) reference.detectorNoise(Float32Array.from(COUNTS), 1.5);
  assertEquals(noise.main.rand(), reference.rand());
  assertThrows(() => relay.draw(1, () => 0), Error, "its turn has passed");
});

Deno.test("a worker waiting for its turn draws after the tilt before it, from the stream it left", async () => {
  const relay = NoiseRelay.start(streams(11), 0);
  // The worker asks for tilt 1, whenever it starts: it can only draw once tilt 0 is drawn here
  // (if it asks first, it blocks until then; the stop test below shows a blocked worker).
  const { reply, worker } = handoverInWorker<{ ok: boolean; values: number[] }>({
    type: "noise",
    buffer: relay.buffer,
    tilt: 1,
    counts: COUNTS,
  });
  try {
    const first = relay.draw(0, (s) => {
      const values = Float32Array.from(COUNTS);
      s.main.detectorNoise(values, 1.5);
      return [...values];
    });
    const second = await reply;
    assert(second.ok);
    assertEquals([first, second.values], inOrder(11, 2));
  } finally {
    worker.terminate();
  }
});

Deno.test("stopping the relay wakes a waiting worker with an error; a failed draw stops it", async () => {
  const relay = NoiseRelay.start(streams(3), 0);
  const { reply, worker } = handoverInWorker<{ ok: boolean; message?: string }>({
    type: "noise",
    buffer: relay.buffer,
    tilt: 4,
    counts: COUNTS,
  });
  try {
    relay.stop();
    const answer = await reply;
    assertEquals(answer.ok, false);
    assert(answer.message?.includes("stopped"), answer.message);
  } finally {
    worker.terminate();
  }
  const failing = NoiseRelay.start(streams(3), 0);
  assertThrows(
    () =>
      failing.draw(0, () => {
        throw new Error("boom");
      }),
    Error,
    "boom",
  );
  assertThrows(() => failing.draw(1, () => 0), Error, "stopped");
});

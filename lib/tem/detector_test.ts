import { assert, assertEquals } from "../testing/mod.ts";
import { applyDetectorNoise, type DetectorSetup, DetectorStage } from "./detector.ts";
import { FftEngine } from "./fft.ts";
import { RandomStream } from "./random.ts";

/** A detector of det 4 × 2 pixels, padding 1, on an FFT grid grown to 8 × 6 (offset 1, 1). */
function detector(quantization = true): DetectorSetup {
  return {
    grid: { nx: 8, ny: 6, pixel: 1, cx: 3.5, cy: 2.5 },
    cropX: 2,
    cropY: 2,
    width: 4,
    height: 2,
    padding: 1,
    gain: 1,
    dqe: 0.5,
    quantization,
    mtf: { a: 0, b: 0, c: 1, alpha: 0, beta: 0, p: 1, q: 1 },
  };
}

Deno.test("detector noise: TEM-Simulator's padded grid from the run's stream, x fastest; the rest from the extra stream", () => {
  const counts = Float32Array.from({ length: 48 }, (_, i) => 5 + (i % 7));
  const noisy = counts.slice();
  applyDetectorNoise(noisy, detector(), { main: new RandomStream(3), extra: new RandomStream(8) });
  // TEM-Simulator's grid: 6 × 4 pixels from (1, 1), drawn row by row.
  const padded = new Float32Array(24);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 6; x++) padded[y * 6 + x] = counts[(y + 1) * 8 + x + 1]!;
  }
  new RandomStream(3).detectorNoise(padded, 1);
  const extra: number[] = [];
  for (let y = 0; y < 6; y++) {
    for (let x = 0; x < 8; x++) {
      const inside = y >= 1 && y < 5 && x >= 1 && x < 7;
      if (inside) assertEquals(noisy[y * 8 + x], padded[(y - 1) * 6 + x - 1]);
      else extra.push(counts[y * 8 + x]!);
    }
  }
  const drawn = Float32Array.from(extra);
  new RandomStream(8).detectorNoise(drawn, 1);
  const outside = [...noisy].filter((_, i) => {
    const x = i % 8, y = Math.floor(i / 8);
    return !(y >= 1 && y < 5 && x >= 1 && x < 7);
  });
  assertEquals(outside, [...drawn]);
  assert(outside.some((v, i) => v !== extra[i]), "the extra pixels are noised");
});

Deno.test("detector stage: a flat MTF crops the noise-free counts; quantization needs the stream", async () => {
  const stage = new DetectorStage(await FftEngine.create(), [detector(false), detector(true)]);
  const counts = Float32Array.from({ length: 48 }, (_, i) => i);
  stage.counts(0).set(counts);
  const image = [...stage.finish(0)];
  assertEquals(image.map(Math.round), [18, 19, 20, 21, 26, 27, 28, 29]);
  stage.counts(1).set(counts);
  let message = "";
  try {
    stage.finish(1);
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.startsWith("Cannot finish the detector image"), message);
});

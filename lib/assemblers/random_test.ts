import { assert, assertEquals, assertNotEquals } from "../testing/mod.ts";
import { deriveSeed, Random } from "./random.ts";

Deno.test("random: same seed, same stream; derived seeds depend only on seed and id", () => {
  const a = new Random(42);
  const b = new Random(42);
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assertEquals(xs, Array.from({ length: 5 }, () => b.nextUint32()));
  assertNotEquals(xs, Array.from({ length: 5 }, () => new Random(43).nextUint32()));
  assertEquals(deriveSeed(1, 7), deriveSeed(1, 7));
  assertNotEquals(deriveSeed(1, 7), deriveSeed(1, 8));
  assertNotEquals(deriveSeed(1, 7), deriveSeed(2, 7));
  for (let id = 0; id < 1000; id++) {
    const seed = deriveSeed(12345, id);
    assert(Number.isInteger(seed) && seed >= 1 && seed <= 2147483646);
  }
});

Deno.test("random: uniform, integer and Gaussian draws have the right moments", () => {
  const random = new Random(7);
  const n = 20000;
  let sum = 0, sum2 = 0, inRange = true;
  for (let i = 0; i < n; i++) {
    const g = random.gauss(2, 3);
    sum += g;
    sum2 += g * g;
    const k = random.integer(-75, 75);
    inRange &&= Number.isInteger(k) && k >= -75 && k < 75;
    const u = random.uniform();
    inRange &&= u >= 0 && u < 1;
  }
  const mean = sum / n;
  const sd = Math.sqrt(sum2 / n - mean * mean);
  assert(Math.abs(mean - 2) < 0.1, `mean ${mean}`);
  assert(Math.abs(sd - 3) < 0.1, `sd ${sd}`);
  assert(inRange);
});

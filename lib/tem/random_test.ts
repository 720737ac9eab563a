import { assert } from "../testing/mod.ts";
import { cosOfTurns, logOfOpen, RAND_MAX } from "./random.ts";

Deno.test("cosOfTurns: cos(2π·r/2³¹) to 1e-15 over every quarter turn and its edges", () => {
  const quarter = 0x20000000;
  const values: number[] = [0, 1, RAND_MAX, RAND_MAX - 1];
  for (let q = 0; q <= 4; q++) {
    for (const d of [-quarter / 2 - 1, -quarter / 2, -1, 0, 1, quarter / 2 - 1, quarter / 2]) {
      const r = q * quarter + d;
      if (r >= 0 && r <= RAND_MAX) values.push(r);
    }
  }
  // A deterministic spread over the whole range (a full-period LCG walk of 2³¹).
  for (let i = 0, r = 12345; i < 200_000; i++) {
    r = (Math.imul(r, 1103515245) + 12345) & RAND_MAX;
    values.push(r);
  }
  let worst = 0;
  for (const r of values) {
    const expected = Math.cos(2 * Math.PI * (r / 2147483648));
    worst = Math.max(worst, Math.abs(cosOfTurns(r) - expected));
  }
  assert(worst < 1e-15, `worst difference from Math.cos ${worst}`);
  assert(cosOfTurns(0) === 1 && cosOfTurns(2 * quarter) === -1, "exact at whole quarter turns");
});

Deno.test("logOfOpen: ln((1 + r)/(RAND_MAX + 2)) as Math.log gives it, also next to s = 1", () => {
  const values: number[] = [0, 1, 2, 126, 127, 128, 129, RAND_MAX, RAND_MAX - 1];
  for (let e = 1; e < 31; e++) values.push(2 ** e - 2, 2 ** e - 1, 2 ** e);
  for (let i = 0, r = 987; i < 200_000; i++) {
    r = (Math.imul(r, 1103515245) + 12345) & RAND_MAX;
    values.push(r);
  }
  let worst = 0;
  for (const r of values) {
    const expected = Math.log((1 + r) / (RAND_MAX + 2));
    // absolute error, relative to the result's size where it is large (ln s down to −21.5)
    const error = Math.abs(logOfOpen(r) - expected) / Math.max(1, Math.abs(expected));
    worst = Math.max(worst, error);
  }
  assert(worst < 4e-16, `worst error ${worst}`);
  // next to s = 1 the result is tiny (−4.7e-10 for r = RAND_MAX): still to ~1e-16 absolute
  const nearOne = Math.abs(logOfOpen(RAND_MAX) + Math.log1p(1 / 2147483648));
  assert(nearOne < 1e-18, `ln s at r = RAND_MAX off by ${nearOne}`);
});

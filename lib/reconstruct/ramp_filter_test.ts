import { assert, assertAlmostEquals } from "../testing/mod.ts";
import { DEFAULT_RADIAL_FILTER, LineFilter, paddedLength, rampResponse } from "./ramp_filter.ts";

Deno.test("ramp response: |f| up to the cutoff, Gaussian roll-off beyond, weak DC", () => {
  const m = 256;
  const h = rampResponse(m, { cutoff: 0.25, falloff: 0.05 });
  assertAlmostEquals(h[32]!, 32 / m, 1e-12); // f = 0.125
  assertAlmostEquals(h[m - 32]!, 32 / m, 1e-12); // negative frequency, same weight
  const f = 96 / m; // 0.375: 2.5 σ beyond the cutoff
  assertAlmostEquals(h[96]!, f * Math.exp(-((f - 0.25) ** 2) / (2 * 0.05 ** 2)), 1e-12);
  assert(h[0]! > 0 && h[0]! < h[1]!);
  assert(paddedLength(100) === 256 && paddedLength(128) === 256);
});

Deno.test("line filter: a sinusoid along y is scaled by its frequency, x lines untouched", () => {
  const nx = 4, ny = 64, f = 8 / 64;
  const image = new Float32Array(nx * ny);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) image[y * nx + x] = 5 + Math.cos(2 * Math.PI * f * y);
  }
  new LineFilter(ny, DEFAULT_RADIAL_FILTER).filterImage(image, nx, ny, true);
  // away from the ends (zero padding), the filtered line is f·cos(2πfy), the mean removed
  for (let y = 24; y < 40; y++) {
    for (let x = 0; x < nx; x++) {
      assertAlmostEquals(image[y * nx + x]!, f * Math.cos(2 * Math.PI * f * y), 0.01);
    }
  }
});

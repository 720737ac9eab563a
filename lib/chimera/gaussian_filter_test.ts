import {
  assert,
  assertAlmostEquals,
  assertEquals,
  pythonModules,
  requirements,
  runPythonJson,
} from "../testing/mod.ts";
import { efficientFftSize, gaussianKernel, gaussianSmooth } from "./gaussian_filter.ts";

const python = await requirements(pythonModules("numpy"));

Deno.test("efficientFftSize picks the first table size above n, else a power of two", () => {
  assertEquals(efficientFftSize(15), 16);
  assertEquals(efficientFftSize(16), 18);
  assertEquals(efficientFftSize(100), 108);
  assertEquals(efficientFftSize(5000), 8192);
});

Deno.test("gaussianKernel: offsets −hw…hw−1, hw = min(n div 2, int(5σ+1))", () => {
  const k = gaussianKernel(10, 2)!;
  assertEquals(k.first, -5);
  assertEquals(k.taps.length, 10);
  assertEquals(gaussianKernel(1, 2), undefined);
  const wide = gaussianKernel(100, 1)!;
  assertEquals(wide.first, -6);
  let sum = 0;
  for (const t of wide.taps) sum += t;
  assertAlmostEquals(sum, 1, 1e-6);
});

python.test("gaussianSmooth equals Chimera 1's zero-padded FFT convolution (numpy)", async () => {
  const size: [number, number, number] = [11, 7, 5];
  const data = new Float32Array(size[0] * size[1] * size[2]);
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(Math.sin(i * 0.7) * 10 + (i % 13));
  const sigma: [number, number, number] = [1.5, 0.8, 2.5];
  const ours = data.slice();
  gaussianSmooth(ours, size, sigma);
  // The algorithm as Chimera's VolumeFilter describes it, written with numpy's FFT.
  const script = `
import sys, json, numpy as np
d = json.loads(open(sys.argv[1]).read())
fast = [2,3,4,5,6,8,9,10,12,16,18,20,21,25,32,33,36,40,48,50,54,55,64,65,72,80,81,90,96,100,108]
def eff(n):
    return next(s for s in fast if s > n)
c = np.array(d["data"], dtype=np.float32).reshape(d["size"][::-1])
for axis in range(3):
    size = c.shape[axis]
    if size == 1: continue
    sd = d["sigma"][2-axis]
    hw = min(size//2, int(5*sd+1))
    n = eff(size + hw)
    g = np.array([np.exp(-min(min(i, n-i)/sd, 1e9)**2/2) for i in range(n)])
    g /= g.sum()
    g[hw:-hw] = 0
    fg = np.fft.rfft(g)
    cs = np.swapaxes(c, axis, 2)
    for p in range(cs.shape[0]):
        ft = np.fft.rfft(cs[p], n=n)
        cs[p][:, :] = np.fft.irfft(ft * fg, n=n)[:, :size]
print(json.dumps(c.astype(float).ravel().tolist()))
`;
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify({ data: [...data], size, sigma }));
    const theirs = await runPythonJson<number[]>(script, [file]);
    assertEquals(theirs.length, ours.length);
    for (let i = 0; i < ours.length; i++) {
      assertAlmostEquals(ours[i]!, theirs[i]!, 2e-5, `value ${i}`);
    }
    assert(ours.some((v, i) => Math.abs(v - data[i]!) > 0.1), "the data were smoothed");
  } finally {
    await Deno.remove(file);
  }
});

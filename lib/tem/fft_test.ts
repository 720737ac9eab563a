import { assert, assertEquals } from "../testing/mod.ts";
import {
  ComplexFft2d,
  evenKernel,
  fastFftSize,
  FftEngine,
  isFastFftSize,
  multiplyRealSpectrum,
  RealFft2d,
} from "./fft.ts";

function naiveDft(re: Float64Array, im: Float64Array, nx: number, ny: number) {
  const outRe = new Float64Array(nx * ny), outIm = new Float64Array(nx * ny);
  for (let ky = 0; ky < ny; ky++) {
    for (let kx = 0; kx < nx; kx++) {
      let sr = 0, si = 0;
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++) {
          const a = -2 * Math.PI * (kx * x / nx + ky * y / ny);
          const c = Math.cos(a), s = Math.sin(a);
          sr += re[y * nx + x]! * c - im[y * nx + x]! * s;
          si += re[y * nx + x]! * s + im[y * nx + x]! * c;
        }
      }
      outRe[ky * nx + kx] = sr;
      outIm[ky * nx + kx] = si;
    }
  }
  return { outRe, outIm };
}

Deno.test("fast FFT sizes are 2^a·3^b·5^c with a ≥ 5 and never smaller", () => {
  assertEquals(fastFftSize(552), 576);
  assertEquals(fastFftSize(2040), 2048);
  assertEquals(fastFftSize(296), 320);
  assert(isFastFftSize(480) && !isFastFftSize(552) && !isFastFftSize(48));
});

for (const [nx, ny] of [[32, 48], [74, 37]] as const) {
  Deno.test(`complex 2-D FFT ${nx}×${ny} matches a direct DFT and inverts to N·x`, async () => {
    const engine = await FftEngine.create();
    const fft = new ComplexFft2d(engine, nx, ny);
    const re = new Float64Array(nx * ny).map((_, i) => Math.sin(i * 0.37) + (i % 7) * 0.1);
    const im = new Float64Array(nx * ny).map((_, i) => Math.cos(i * 0.11) - (i % 5) * 0.2);
    const data = fft.data;
    for (let i = 0; i < nx * ny; i++) {
      data[2 * i] = re[i]!;
      data[2 * i + 1] = im[i]!;
    }
    fft.forward();
    const { outRe, outIm } = naiveDft(re, im, nx, ny);
    const spec = fft.spectrum;
    let err = 0, norm = 0;
    for (let ky = 0; ky < ny; ky++) {
      for (let kx = 0; kx < nx; kx++) {
        const p = 2 * (kx * ny + ky);
        err += (spec[p]! - outRe[ky * nx + kx]!) ** 2 + (spec[p + 1]! - outIm[ky * nx + kx]!) ** 2;
        norm += outRe[ky * nx + kx]! ** 2 + outIm[ky * nx + kx]! ** 2;
      }
    }
    assert(Math.sqrt(err / norm) < 1e-5, `forward error ${Math.sqrt(err / norm)}`);
    fft.inverse();
    const back = fft.data;
    let maxErr = 0;
    for (let i = 0; i < nx * ny; i++) {
      maxErr = Math.max(maxErr, Math.abs(back[2 * i]! / (nx * ny) - re[i]!));
      maxErr = Math.max(maxErr, Math.abs(back[2 * i + 1]! / (nx * ny) - im[i]!));
    }
    assert(maxErr < 1e-5, `round trip error ${maxErr}`);
  });
}

for (const [nx, ny] of [[64, 48], [74, 38]] as const) {
  Deno.test(`real 2-D convolution ${nx}×${ny} with an even kernel matches the complex route`, async () => {
    const engine = await FftEngine.create();
    const real = new RealFft2d(engine, nx, ny);
    const complex = new ComplexFft2d(engine, nx, ny);
    const image = new Float64Array(nx * ny).map((_, i) =>
      Math.sin(i * 0.731) + ((i * 7) % 11) * 0.05
    );
    const kernel = evenKernel(
      nx,
      ny,
      (kx, ky) => Math.exp(-0.01 * (kx * kx + 2 * ky * ky)) + 0.1 * kx,
    );
    const rd = real.data, cd = complex.data;
    for (let i = 0; i < nx * ny; i++) {
      rd[i] = image[i]!;
      cd[2 * i] = image[i]!;
      cd[2 * i + 1] = 0;
    }
    real.forward();
    multiplyRealSpectrum(real, kernel, 1 / (nx * ny));
    real.inverse();
    complex.forward();
    const spec = complex.spectrum;
    const hy = ny / 2 + 1;
    for (let kx = 0; kx < nx; kx++) {
      for (let ky = 0; ky < ny; ky++) {
        const w = kernel.values[Math.min(kx, nx - kx) * hy + Math.min(ky, ny - ky)]! / (nx * ny);
        spec[2 * (kx * ny + ky)]! *= w;
        spec[2 * (kx * ny + ky) + 1]! *= w;
      }
    }
    complex.inverse();
    const a = real.data, b = complex.data;
    let maxErr = 0, maxImag = 0;
    for (let i = 0; i < nx * ny; i++) {
      maxErr = Math.max(maxErr, Math.abs(a[i]! - b[2 * i]!));
      maxImag = Math.max(maxImag, Math.abs(b[2 * i + 1]!));
    }
    assert(maxErr < 1e-5 && maxImag < 1e-5, `real vs complex ${maxErr}, imag ${maxImag}`);
  });
}

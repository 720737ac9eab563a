/**
 * Turning float images into 8-bit grey: binning and percentile contrast stretch.
 *
 * @module
 */
import type { GrayImage } from "./raster.ts";

/** A float image, x fastest, y = 0 first. */
export interface FloatImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** width·height values. */
  data: Float32Array;
}

/** The integer binning factor that makes the longer side ≤ maxSize. Needs no permissions. */
export function binFactorFor(width: number, height: number, maxSize: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / Math.max(1, maxSize)));
}

/**
 * Averages `factor`×`factor` blocks (the last partial block on each side is averaged over what is
 * there). Non-finite values are skipped. Needs no permissions.
 */
export function binImage(img: FloatImage, factor: number): FloatImage {
  if (factor <= 1) return img;
  const width = Math.ceil(img.width / factor), height = Math.ceil(img.height / factor);
  const sum = new Float64Array(width * height), count = new Float64Array(width * height);
  for (let y = 0; y < img.height; y++) {
    const by = Math.floor(y / factor) * width;
    for (let x = 0; x < img.width; x++) {
      const v = img.data[y * img.width + x]!;
      if (!Number.isFinite(v)) continue;
      const i = by + Math.floor(x / factor);
      sum[i]! += v;
      count[i]! += 1;
    }
  }
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = count[i]! > 0 ? sum[i]! / count[i]! : NaN;
  return { width, height, data };
}

/**
 * The values at percentiles `lowPct` and `highPct` (0–100) of the finite values (nearest rank on
 * a sorted copy; at most ~262 144 evenly strided samples). Undefined when no value is finite.
 * Needs no permissions.
 */
export function percentiles(
  values: Float32Array,
  lowPct: number,
  highPct: number,
): { low: number; high: number } | undefined {
  const stride = Math.max(1, Math.floor(values.length / 262144));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += stride) {
    const v = values[i]!;
    if (Number.isFinite(v)) sample.push(v);
  }
  if (sample.length === 0) return undefined;
  const sorted = Float64Array.from(sample).sort();
  const at = (pct: number) =>
    sorted[
      Math.min(sorted.length - 1, Math.max(0, Math.round((pct / 100) * (sorted.length - 1))))
    ]!;
  return { low: at(lowPct), high: at(highPct) };
}

/**
 * 8-bit grey by percentile stretch: values ≤ the `lowPct` percentile → 0, ≥ the `highPct`
 * percentile → 255, linear between; a constant image → 128; non-finite → 0. A given `range`
 * (e.g. percentiles of the particles' pixels only) replaces the image's percentiles.
 * Needs no permissions.
 */
export function stretchToGray(
  img: FloatImage,
  lowPct = 1,
  highPct = 99,
  given?: { low: number; high: number },
): GrayImage {
  const data = new Uint8Array(img.width * img.height);
  const range = given ?? percentiles(img.data, lowPct, highPct);
  if (range === undefined) return { width: img.width, height: img.height, data };
  const { low, high } = range;
  const scale = high > low ? 255 / (high - low) : 0;
  for (let i = 0; i < data.length; i++) {
    const v = img.data[i]!;
    if (!Number.isFinite(v)) data[i] = 0;
    else if (scale === 0) data[i] = 128;
    else data[i] = Math.max(0, Math.min(255, Math.round((v - low) * scale)));
  }
  return { width: img.width, height: img.height, data };
}

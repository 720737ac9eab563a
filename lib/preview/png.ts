/**
 * The one wrapper around npm:fast-png: encode RGB images, decode PNGs (for tests and checks).
 *
 * @module
 */
import { decode, encode } from "fast-png";
import type { RgbImage } from "./raster.ts";

/** PNG bytes of an 8-bit RGB image. Needs no permissions. */
export function encodePng(img: RgbImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, depth: 8, channels: 3 });
}

/** A decoded PNG: size, channels and samples. */
export interface DecodedImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Samples per pixel. */
  channels: number;
  /** Bits per sample. */
  depth: number;
  /** Samples, row-major, top row first. */
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
}

/** Decodes PNG bytes. Throws on bytes that are not a PNG. Needs no permissions. */
export function decodePng(bytes: Uint8Array): DecodedImage {
  const png = decode(bytes);
  return {
    width: png.width,
    height: png.height,
    channels: png.channels,
    depth: png.depth,
    data: png.data,
  };
}

/**
 * A tiny RGB raster for pictures: fill, paste grey panels, circles and bitmap text.
 *
 * @module
 */
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH } from "./font.ts";

/** An 8-bit RGB colour. */
export type Rgb = readonly [number, number, number];

/** An 8-bit RGB image, row 0 at the top, 3 bytes per pixel. */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** width·height·3 bytes, row-major, top row first. */
  data: Uint8Array;
}

/** An 8-bit grey image, row 0 = the image's y = 0 (drawn at the bottom, see pasteGray). */
export interface GrayImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** width·height bytes, x fastest, y = 0 first. */
  data: Uint8Array;
}

/** Colours used in pictures. */
export const COLORS = {
  background: [24, 24, 28] as Rgb,
  text: [235, 235, 235] as Rgb,
  marker: [255, 200, 0] as Rgb,
  dim: [150, 150, 160] as Rgb,
};

/** A new image filled with `color`. Needs no permissions. */
export function createImage(
  width: number,
  height: number,
  color: Rgb = COLORS.background,
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[3 * i] = color[0];
    data[3 * i + 1] = color[1];
    data[3 * i + 2] = color[2];
  }
  return { width, height, data };
}

/** Sets one pixel (x right, y down from the top); outside pixels are ignored. Needs no permissions. */
export function setPixel(img: RgbImage, x: number, y: number, color: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = 3 * (y * img.width + x);
  img.data[i] = color[0];
  img.data[i + 1] = color[1];
  img.data[i + 2] = color[2];
}

/** Fills a rectangle. Needs no permissions. */
export function fillRect(
  img: RgbImage,
  x: number,
  y: number,
  w: number,
  h: number,
  color: Rgb,
): void {
  for (let yy = y; yy < y + h; yy++) {
    for (let xx = x; xx < x + w; xx++) setPixel(img, xx, yy, color);
  }
}

/**
 * Pastes a grey panel with its top-left corner at (x, y). The panel's y = 0 row goes to the
 * bottom, so images look as in IMOD's 3dmod (x right, y up). Needs no permissions.
 */
export function pasteGray(img: RgbImage, panel: GrayImage, x: number, y: number): void {
  for (let row = 0; row < panel.height; row++) {
    const yy = y + (panel.height - 1 - row);
    for (let col = 0; col < panel.width; col++) {
      const v = panel.data[row * panel.width + col] ?? 0;
      setPixel(img, x + col, yy, [v, v, v]);
    }
  }
}

/** Draws a circle outline of radius r (pixels), `thickness` pixels wide. Needs no permissions. */
export function drawCircle(
  img: RgbImage,
  cx: number,
  cy: number,
  r: number,
  color: Rgb,
  thickness = 2,
): void {
  const outer = r + thickness / 2, inner = Math.max(0, r - thickness / 2);
  const x0 = Math.floor(cx - outer - 1), x1 = Math.ceil(cx + outer + 1);
  const y0 = Math.floor(cy - outer - 1), y1 = Math.ceil(cy + outer + 1);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = Math.hypot(x - cx, y - cy);
      if (d >= inner && d <= outer) setPixel(img, x, y, color);
    }
  }
}

/** Draws `text` with its top-left at (x, y) in the 5×7 font, each font pixel `scale`² pixels. */
export function drawText(
  img: RgbImage,
  x: number,
  y: number,
  text: string,
  color: Rgb = COLORS.text,
  scale = 1,
): void {
  let pen = x;
  for (const char of text) {
    const rows = glyph(char);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      const bits = rows[r] ?? 0;
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (bits & (1 << (GLYPH_WIDTH - 1 - c))) {
          fillRect(img, pen + c * scale, y + r * scale, scale, scale, color);
        }
      }
    }
    pen += (GLYPH_WIDTH + 1) * scale;
  }
}

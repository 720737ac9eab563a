/**
 * Pictures of what was simulated: per-stack previews (noisy beside noise-free, particles
 * circled), montages of MRC files for `ets inspect`, and the root/index.html contact sheet.
 * PNGs via npm:fast-png (png.ts), labels in a built-in bitmap font.
 *
 * @module
 */
export type { IndexStack, MarkerPoint, MontageKind, StackPreviewOptions } from "./types.ts";
export { closestToZero, previewImage, writeStackPreview } from "./stack_preview.ts";
export { escapeHtml, indexHtml, writeIndexHtml } from "./index_html.ts";
export {
  detectKind,
  formatInspectReport,
  inspectMrc,
  type InspectOptions,
  type KindDecision,
} from "./inspect.ts";
export { type MrcScan, scanMrc, type ScanOptions, type ValueStats } from "./mrc_scan.ts";
export { angleLabel, panelGrid, seriesMontage, volumeMontage } from "./montage.ts";
export { type DecodedImage, decodePng, encodePng } from "./png.ts";
export type { GrayImage, RgbImage } from "./raster.ts";
export { binImage, type FloatImage, percentiles, stretchToGray } from "./stretch.ts";

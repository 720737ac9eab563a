/**
 * Montages: a grid of tilt images with their angles, the central XY/XZ/YZ slices of a volume,
 * and labelled side-by-side panels. Each panel gets its own percentile stretch.
 *
 * @module
 */
import { GLYPH_HEIGHT, textWidth } from "./font.ts";
import { COLORS, createImage, drawText, pasteGray, type RgbImage } from "./raster.ts";
import { type FloatImage, stretchToGray } from "./stretch.ts";

const GAP = 6;

/** Font scale that suits a panel of this width. Needs no permissions. */
export function labelScale(panelWidth: number): number {
  return panelWidth >= 200 ? 2 : 1;
}

/** A labelled panel for sideBySide / grids. */
export interface Panel {
  /** The float image (x fastest, y = 0 drawn at the bottom). */
  image: FloatImage;
  /** Label drawn under the panel. */
  label: string;
  /** Values shown black and white (default: the grid's percentiles of this panel). */
  range?: { low: number; high: number };
}

/**
 * A grid of labelled panels (all stretched separately with percentiles lowPct/highPct),
 * `columns` wide (default ⌈√n⌉). Returns the image and each panel's top-left corner.
 * Needs no permissions.
 */
export function panelGrid(
  panels: Panel[],
  options: { columns?: number; lowPct?: number; highPct?: number } = {},
): { image: RgbImage; corners: { x: number; y: number }[] } {
  const n = Math.max(1, panels.length);
  const columns = Math.max(1, Math.min(n, options.columns ?? Math.ceil(Math.sqrt(n))));
  const rows = Math.ceil(n / columns);
  const cellW = Math.max(1, ...panels.map((p) => p.image.width));
  const cellH = Math.max(1, ...panels.map((p) => p.image.height));
  const scale = labelScale(cellW);
  const labelH = GLYPH_HEIGHT * scale + 2 * scale + 4;
  const width = GAP + columns * (cellW + GAP);
  const height = GAP + rows * (cellH + labelH + GAP);
  const image = createImage(width, height);
  const corners: { x: number; y: number }[] = [];
  panels.forEach((panel, i) => {
    const col = i % columns, row = Math.floor(i / columns);
    const x = GAP + col * (cellW + GAP), y = GAP + row * (cellH + labelH + GAP);
    corners.push({ x, y });
    pasteGray(
      image,
      stretchToGray(panel.image, options.lowPct, options.highPct, panel.range),
      x,
      y,
    );
    let label = panel.label;
    while (label.length > 1 && textWidth(label, scale) > cellW) label = label.slice(0, -1);
    drawText(image, x, y + cellH + scale + 2, label, COLORS.text, scale);
  });
  return { image, corners };
}

/** Formats a tilt angle for a label, e.g. "-54.0°". Needs no permissions. */
export function angleLabel(angle: number): string {
  const a = Math.abs(angle) < 0.05 ? 0 : angle;
  return `${a.toFixed(1)}°`;
}

/**
 * The montage of a tilt series: every section (already binned) in a grid, labelled with its
 * index and angle (or only its index when angles are unknown). Needs no permissions.
 */
export function seriesMontage(
  tiles: FloatImage[],
  angles?: readonly number[],
  options: { lowPct?: number; highPct?: number } = {},
): RgbImage {
  const panels = tiles.map((image, i) => {
    const angle = angles?.[i];
    return { image, label: angle === undefined ? `#${i}` : `#${i} ${angleLabel(angle)}` };
  });
  return panelGrid(panels, options).image;
}

/**
 * The montage of a volume: central XY, XZ and YZ slices side by side, labelled with the slice
 * position. Needs no permissions.
 */
export function volumeMontage(
  slices: {
    xy: FloatImage;
    xz: FloatImage;
    yz: FloatImage;
    at: { x: number; y: number; z: number };
  },
  options: { lowPct?: number; highPct?: number } = {},
): RgbImage {
  return panelGrid([
    { image: slices.xy, label: `XY Z=${slices.at.z}` },
    { image: slices.xz, label: `XZ Y=${slices.at.y}` },
    { image: slices.yz, label: `YZ X=${slices.at.x}` },
  ], { ...options, columns: 3 }).image;
}

/**
 * The per-stack preview: one tilt (0° by default) of the noisy and the noise-free series side by
 * side, particle positions circled.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import {
  type MrcHeader,
  readMrc,
  readMrcHeader,
  readMrcSections,
  readMrcTiltAngles,
} from "../mrc/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";
import { angleLabel, panelGrid } from "./montage.ts";
import { encodePng } from "./png.ts";
import { COLORS, drawCircle, type RgbImage } from "./raster.ts";
import { binFactorFor, binImage, type FloatImage, percentiles } from "./stretch.ts";
import type { MarkerPoint, StackPreviewOptions } from "./types.ts";

/** Index of the angle closest to 0 (first of equals). Needs no permissions. */
export function closestToZero(angles: readonly number[]): number {
  let best = 0;
  angles.forEach((a, i) => {
    if (Math.abs(a) < Math.abs(angles[best] ?? Infinity)) best = i;
  });
  return best;
}

/** Reads one section as a float image. Needs --allow-read on `path`. */
export async function readSection(
  path: string,
  header: MrcHeader,
  section: number,
): Promise<FloatImage> {
  const { nx, ny } = header;
  const data = header.maps === 3
    ? await readMrcSections(path, section, 1)
    : (await readMrc(path)).data.slice(section * nx * ny, (section + 1) * nx * ny);
  return { width: nx, height: ny, data };
}

/**
 * Where an original pixel coordinate lands in a panel binned by `factor` and pasted with its
 * top-left at `corner` (y = 0 at the bottom). Needs no permissions.
 */
export function markerToPicture(
  marker: MarkerPoint,
  factor: number,
  panel: { width: number; height: number },
  corner: { x: number; y: number },
): { x: number; y: number } {
  const bx = (marker.x - (factor - 1) / 2) / factor;
  const by = (marker.y - (factor - 1) / 2) / factor;
  return { x: corner.x + bx, y: corner.y + (panel.height - 1 - by) };
}

/**
 * The contrast range of a binned panel from the pixels within `radius` (binned pixels) of the
 * markers and farther than `2·radius` from the ignored points: the 1st and 99.5th percentiles.
 * Undefined (the panel's own percentiles apply) when fewer than 64 pixels qualify.
 * Needs no permissions.
 */
export function particleContrastRange(
  img: FloatImage,
  factor: number,
  markers: readonly MarkerPoint[],
  ignore: readonly MarkerPoint[],
  radius: number,
): { low: number; high: number } | undefined {
  const binned = (m: MarkerPoint) => ({
    x: (m.x - (factor - 1) / 2) / factor,
    y: (m.y - (factor - 1) / 2) / factor,
  });
  const keep = new Uint8Array(img.width * img.height);
  const paint = (centre: MarkerPoint, r: number, value: number) => {
    const c = binned(centre);
    if (!Number.isFinite(c.x) || !Number.isFinite(c.y)) return;
    for (let y = Math.max(0, Math.ceil(c.y - r)); y <= Math.min(img.height - 1, c.y + r); y++) {
      for (let x = Math.max(0, Math.ceil(c.x - r)); x <= Math.min(img.width - 1, c.x + r); x++) {
        if ((x - c.x) ** 2 + (y - c.y) ** 2 <= r * r) keep[y * img.width + x] = value;
      }
    }
  };
  for (const m of markers) paint(m, radius, 1);
  for (const m of ignore) paint(m, 2 * radius, 0);
  const values: number[] = [];
  keep.forEach((k, i) => {
    if (k === 1) values.push(img.data[i]!);
  });
  if (values.length < 64) return undefined;
  return percentiles(Float32Array.from(values), 1, 99.5);
}

/**
 * Builds the preview picture (pure apart from its inputs): two panels, labels, markers; each
 * panel's contrast scaled to the pixels around the markers (not to the ignored points, e.g.
 * gold beads). Needs no permissions.
 */
export function previewImage(
  noisy: FloatImage,
  noiseFree: FloatImage,
  options: {
    section: number;
    angle?: number;
    markers?: MarkerPoint[];
    ignore?: MarkerPoint[];
    maxPanelSize?: number;
  },
): RgbImage {
  const factor = binFactorFor(noisy.width, noisy.height, options.maxPanelSize ?? 512);
  const a = binImage(noisy, factor), b = binImage(noiseFree, factor);
  const where = `#${options.section}${
    options.angle === undefined ? "" : " " + angleLabel(options.angle)
  }`;
  const radius = Math.max(5, Math.min(14, Math.round(a.width / 30)));
  const range = (panel: FloatImage) =>
    particleContrastRange(panel, factor, options.markers ?? [], options.ignore ?? [], radius);
  const { image, corners } = panelGrid([
    { image: a, label: `NOISY ${where}`, range: range(a) },
    { image: b, label: `NOISE-FREE ${where}`, range: range(b) },
  ], { columns: 2 });
  for (const corner of corners) {
    for (const m of options.markers ?? []) {
      if (!Number.isFinite(m.x) || !Number.isFinite(m.y)) continue;
      const p = markerToPicture(m, factor, a, corner);
      const inside = p.x >= corner.x && p.x < corner.x + a.width && p.y >= corner.y &&
        p.y < corner.y + a.height;
      if (inside) drawCircle(image, p.x, p.y, radius, COLORS.marker, 2);
    }
  }
  return image;
}

/**
 * Writes the stack preview PNG: the chosen section (default: the tilt closest to 0°) of the noisy
 * and the noise-free series side by side, each binned to ≤ maxPanelSize and percentile-stretched
 * (1–99.5 % of the pixels around the markers, else 1–99 % of the panel), with `markers` circled
 * on both. Shown as in IMOD's 3dmod: x right, y up. Needs
 * --allow-read on both MRCs and --allow-write on the folder of `out`.
 */
export async function writeStackPreview(options: StackPreviewOptions): Promise<void> {
  const h1 = await readMrcHeader(options.noisy);
  const h2 = await readMrcHeader(options.noiseFree);
  if (h1.nx !== h2.nx || h1.ny !== h2.ny) {
    throw inputError(
      `Cannot make a preview: "${options.noisy}" is ${h1.nx}×${h1.ny} but "${options.noiseFree}" is ${h2.nx}×${h2.ny}`,
      { file: options.noiseFree },
    );
  }
  const angles = options.tiltAngles ?? (await readMrcTiltAngles(options.noisy));
  const nz = Math.min(h1.nz, h2.nz);
  const section = options.section ??
    (angles && angles.length === h1.nz ? closestToZero(angles) : Math.floor(nz / 2));
  if (!Number.isInteger(section) || section < 0 || section >= nz) {
    throw inputError(
      `Cannot make a preview: section ${section} is outside "${options.noisy}" (${nz} sections)`,
      { file: options.noisy },
    );
  }
  const image = previewImage(
    await readSection(options.noisy, h1, section),
    await readSection(options.noiseFree, h2, section),
    {
      section,
      angle: angles?.[section],
      markers: options.markers,
      ignore: options.ignore,
      maxPanelSize: options.maxPanelSize,
    },
  );
  await writeFileAtomic(options.out, encodePng(image));
}

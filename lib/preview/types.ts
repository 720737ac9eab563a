/**
 * Types of the picture makers: previews, montages and the contact sheet.
 *
 * @module
 */

/** A point in an image, 0-based pixel index coordinates (x = column, y = row). */
export interface MarkerPoint {
  /** Column coordinate. */
  x: number;
  /** Row coordinate. */
  y: number;
}

/** Options of writeStackPreview. */
export interface StackPreviewOptions {
  /** The noisy tilt series (MRC). */
  noisy: string;
  /** The noise-free tilt series (MRC). */
  noiseFree: string;
  /** Output PNG path. */
  out: string;
  /**
   * Section to show (0-based). Default: the section whose tilt angle (from `tiltAngles` or the
   * MRC extended header) is closest to 0°, else the middle section.
   */
  section?: number;
  /** Tilt angles (deg) per section, used to find the 0° section when `section` is absent. */
  tiltAngles?: number[];
  /**
   * Particle centres in pixel coordinates of the shown section, drawn as circles; the contrast is
   * scaled to the pixels around them (so dense gold beads elsewhere do not wash them out).
   */
  markers?: MarkerPoint[];
  /** Centres of what the contrast should ignore (e.g. the fiducials), not drawn. */
  ignore?: MarkerPoint[];
  /** Longest side of each panel in the PNG (px); larger images are binned. Default 512. */
  maxPanelSize?: number;
}

/** One row of the contact sheet. */
export interface IndexStack {
  /** Stack name, e.g. "NAME_3". */
  name: string;
  /** Preview PNG path, relative to the root (e.g. "raw_data/NAME_3/preview.png"). */
  preview?: string;
  /** Nominal defocus, µm. */
  defocus: number;
  /** Random seed of the stack. */
  seed: number;
  /** Status, e.g. "done", "failed", "pending". */
  status: string;
  /** Noisy tilt series path, relative to the root. */
  output?: string;
}

/** How a file is shown by `ets inspect --png`. */
export type MontageKind = "series" | "volume";

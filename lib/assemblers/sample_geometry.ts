/**
 * The sample as an assembler sees it: the field of view of the detector and the ice of the
 * TEM-Simulator template (a hole of `diameter` in a support, ice `thickness_center` thick at the
 * hole's centre and `thickness_edge` at its rim, the hole at `offset_x`, `offset_y`), with the
 * engine's thickness profile: half-thickness `a·ρ² + thickness_center / 2`,
 * `a = 2 (thickness_edge − thickness_center) / diameter²`.
 *
 * @module
 */
import type { Triple } from "./assembler.ts";

/** The field of view and the ice, nm, sample frame (origin at the tilt axis, ice centre). */
export interface SampleGeometry {
  /** Width and height of the detector at the specimen (pixels × apix), nm. */
  fieldOfViewNm: [number, number];
  /** Pixel size, nm. */
  apixNm: number;
  /** Diameter of the hole, nm. */
  holeDiameterNm: number;
  /** Ice thickness at the hole's centre, nm. */
  thicknessCentreNm: number;
  /** Ice thickness at the hole's rim, nm. */
  thicknessEdgeNm: number;
  /** Centre of the hole, nm. */
  offsetNm: [number, number];
}

/**
 * The sample geometry of a template: `get(section, key)` reads the template (e.g.
 * `SimTemplate.get`); missing sample keys take TEM-Simulator's defaults for a thick flat slab
 * (no hole edge in view). Needs no permissions.
 */
export function sampleGeometryOf(
  get: (section: string, key: string) => string | undefined,
  detector: { nx: number; ny: number },
  apixNm: number,
): SampleGeometry {
  const number = (key: string, fallback: number): number => {
    const value = Number(get("sample", key));
    return get("sample", key) === undefined || !Number.isFinite(value) ? fallback : value;
  };
  const width = detector.nx * apixNm, height = detector.ny * apixNm;
  const centre = number("thickness_center", 100);
  return {
    fieldOfViewNm: [width, height],
    apixNm,
    holeDiameterNm: number("diameter", 2 * Math.hypot(width, height)),
    thicknessCentreNm: centre,
    thicknessEdgeNm: number("thickness_edge", centre),
    offsetNm: [number("offset_x", 0), number("offset_y", 0)],
  };
}

/**
 * Half the ice thickness at (x, y), nm; negative outside the hole. Needs no permissions.
 */
export function iceHalfThickness(g: SampleGeometry, x: number, y: number): number {
  const rho2 = (x - g.offsetNm[0]) ** 2 + (y - g.offsetNm[1]) ** 2;
  const radius = g.holeDiameterNm / 2;
  if (rho2 > radius * radius) return -1;
  const a = (2 * (g.thicknessEdgeNm - g.thicknessCentreNm)) / (g.holeDiameterNm ** 2);
  return a * rho2 + g.thicknessCentreNm / 2;
}

/** The largest ice thickness anywhere in the hole, nm. Needs no permissions. */
export function maxIceThickness(g: SampleGeometry): number {
  return Math.max(g.thicknessCentreNm, g.thicknessEdgeNm);
}

/**
 * Whether a particle centre is in view: inside the detector's field at the 0° tilt (|x| ≤ width
 * / 2, |y| ≤ height / 2). Needs no permissions.
 */
export function centreInView(g: SampleGeometry, position: Readonly<Triple>): boolean {
  return Math.abs(position[0]) <= g.fieldOfViewNm[0] / 2 &&
    Math.abs(position[1]) <= g.fieldOfViewNm[1] / 2;
}

/**
 * The ice volume (nm³) whose (x, y) lies within `marginNm` of the field of view, integrated on a
 * 128 × 128 grid. Needs no permissions.
 */
export function iceVolumeInView(g: SampleGeometry, marginNm = 0): number {
  const n = 128;
  const w = g.fieldOfViewNm[0] + 2 * marginNm, h = g.fieldOfViewNm[1] + 2 * marginNm;
  const dx = w / n, dy = h / n;
  let volume = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const half = iceHalfThickness(g, -w / 2 + (i + 0.5) * dx, -h / 2 + (j + 0.5) * dy);
      if (half > 0) volume += 2 * half * dx * dy;
    }
  }
  return volume;
}

/**
 * The warning for a coordinate template whose particles lie outside the image (positions in nm),
 * or undefined when every centre is in view. Needs no permissions.
 */
export function templateViewWarning(
  g: SampleGeometry,
  positions: readonly Readonly<Triple>[],
): string | undefined {
  const outside = positions.filter((p) => !centreInView(g, p)).length;
  if (outside === 0) return undefined;
  const nx = Math.round(g.fieldOfViewNm[0] / g.apixNm),
    ny = Math.round(g.fieldOfViewNm[1] / g.apixNm);
  return `${outside} of the ${positions.length} particles of the coordinate template lie outside the ${nx}x${ny} px image (centres beyond ±${
    g.fieldOfViewNm[0] / 2
  } x ±${g.fieldOfViewNm[1] / 2} nm); their tables say in_view 0`;
}

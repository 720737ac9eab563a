/**
 * Scattering kernels of the inelastic/absorbed re-add and of the ice background (spec §3.6
 * "Kernels"): K_C (carbon, normalised) and K_w (water, per nm), tabulated against x = |Δz|·q and
 * looked up by linear interpolation, and the Bessel function J0 they need.
 *
 * @module
 */
import { type Beam, ICE_DENSITY } from "./beam.ts";
import { crossSection } from "./cross_sections.ts";

/**
 * Bessel function of the first kind of order 0 (Abramowitz & Stegun 9.4.1 and 9.4.3; absolute
 * error below 5e-8). Needs no permissions.
 */
export function besselJ0(xIn: number): number {
  const x = Math.abs(xIn);
  if (x <= 3) {
    const y = (x / 3) * (x / 3);
    return 1 + y * (-2.2499997 + y * (1.2656208 + y * (-0.3163866 + y * (0.0444479 +
                      y * (-0.0039444 + y * 0.00021)))));
  }
  const y = 3 / x;
  const f0 = 0.79788456 + y * (-0.00000077 + y * (-0.0055274 + y * (-0.00009512 +
                y * (0.00137237 + y * (-0.00072805 + y * 0.00014476)))));
  const theta0 = x - 0.78539816 + y * (-0.04166397 + y * (-0.00003954 + y * (0.00262573 +
                y * (-0.00054125 + y * (-0.00029333 + y * 0.00013558)))));
  return f0 * Math.cos(theta0) / Math.sqrt(x);
}

/** A kernel tabulated at x = i·spacing, i = 0 … length − 1. */
export interface KernelTable {
  /** Table spacing in x (= 1/θmax). */
  spacing: number;
  values: Float64Array;
}

/** Linear interpolation in a kernel table, clamped to its last row. Needs no permissions. */
export function lookupKernel(table: KernelTable, x: number): number {
  const r = x / table.spacing;
  const v = table.values;
  const last = v.length - 1;
  if (r >= last) return v[last]!;
  const i = Math.floor(r);
  const f = r - i;
  return v[i]! * (1 - f) + v[i + 1]! * f;
}

/** The two kernels of one run. */
export interface ScatteringKernels {
  /** K_C(x): fraction of carbon scattering inside the aperture, blurred (dimensionless). */
  carbon: KernelTable;
  /** K_w(x): attenuation coefficient of ice, nm⁻¹. */
  water: KernelTable;
  /** K_w(0), nm⁻¹. */
  water0: number;
}

/**
 * Tabulates K_C and K_w (spec §3.6) for aperture angle `thetaMax` (rad), wave-grid pixel `pixel`
 * (nm) and the largest |defocus| of the run `maxDefocus` (nm). Needs no permissions.
 */
export function scatteringKernels(
  beam: Beam,
  thetaMax: number,
  pixel: number,
  maxDefocus: number,
): ScatteringKernels {
  const xMax = Math.PI * (maxDefocus + 1000) / pixel;
  const dt = 1 / xMax;
  const terms = thetaMax > 0 ? Math.floor(thetaMax / dt) : 0;
  const rows = Math.max(1, Math.ceil(xMax * thetaMax));
  const spacing = thetaMax > 0 ? 1 / thetaMax : Infinity;
  const carbon = crossSection(6, beam);
  const oxygen = crossSection(8, beam);
  const hydrogen = crossSection(1, beam);
  const wC = new Float64Array(terms), wW = new Float64Array(terms), t = new Float64Array(terms);
  for (let i = 1; i <= terms; i++) {
    const theta = i * dt;
    t[i - 1] = theta;
    wC[i - 1] = theta * dt * carbon.differential(theta);
    wW[i - 1] = theta * dt * (oxygen.differential(theta) + 2 * hydrogen.differential(theta));
  }
  const carbonValues = new Float64Array(rows), waterValues = new Float64Array(rows);
  const waterTotal = oxygen.total + 2 * hydrogen.total;
  for (let r = 0; r < rows; r++) {
    const x = r * (spacing === Infinity ? 0 : spacing);
    let sc = 0, sw = 0;
    for (let i = 0; i < terms; i++) {
      const j = besselJ0(x * t[i]!);
      sc += wC[i]! * j;
      sw += wW[i]! * j;
    }
    carbonValues[r] = 2 * Math.PI / carbon.total * sc;
    waterValues[r] = ICE_DENSITY * (waterTotal - 2 * Math.PI * sw);
  }
  const water = { spacing: spacing === Infinity ? 1 : spacing, values: waterValues };
  return {
    carbon: { spacing: spacing === Infinity ? 1 : spacing, values: carbonValues },
    water,
    water0: waterValues[0]!,
  };
}

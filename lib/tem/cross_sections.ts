/**
 * Lenz/Wentzel atomic cross sections of fast electrons (spec §3.2 "Cross sections"): elastic and
 * inelastic, total and differential, per atom, in nm² (and nm²/sr).
 *
 * @module
 */
import { type Beam, BOHR_RADIUS_NM } from "./beam.ts";

/** Mean energy loss per unit Z used for the inelastic characteristic angle, eV. */
const MEAN_LOSS_PER_Z_EV = 13.5;

/** Cross sections of one element at one beam energy. */
export interface CrossSection {
  /** Atomic number. */
  z: number;
  /** Elastic screening angle θ0 = Z^{1/3}/(k·a0), rad. */
  theta0: number;
  /** Inelastic characteristic angle θE = 13.5 eV·Z/(4E), rad. */
  thetaE: number;
  /** Total elastic cross section, nm². */
  elastic: number;
  /** Total inelastic cross section, nm². */
  inelastic: number;
  /** elastic + inelastic, nm². */
  total: number;
  /** Differential elastic + inelastic cross section at scattering angle θ (rad), nm²/sr. */
  differential(theta: number): number;
}

/** Cross sections of atomic number `z` for `beam` (spec §3.2). Needs no permissions. */
export function crossSection(z: number, beam: Beam): CrossSection {
  const k = beam.waveNumber;
  const a0 = BOHR_RADIUS_NM;
  const g2 = beam.gamma * beam.gamma;
  const theta0 = Math.cbrt(z) / (k * a0);
  const thetaE = MEAN_LOSS_PER_Z_EV * z / (4 * beam.energy);
  const z23 = Math.pow(z, 2 / 3);
  const elastic = 4 * Math.PI * Math.pow(z, 4 / 3) * g2 / (k * k);
  const t02 = theta0 * theta0;
  const te2 = thetaE * thetaE;
  const a = t02 - te2;
  const inelastic = 4 * Math.PI * z * g2 / (k ** 4 * a0 * a0 * a * a * a) *
    (-3 * t02 * t02 + 4 * t02 * te2 - te2 * te2 + 2 * t02 * t02 * Math.log(t02 / te2));
  const elasticFactor = 4 * z23 * a0 * a0 * g2;
  const inelasticFactor = 4 * z * g2 / (k ** 4 * a0 * a0);
  const differential = (theta: number): number => {
    const t2 = theta * theta;
    const screen = 1 + t2 / t02;
    const el = elasticFactor / (screen * screen);
    const d = t2 + te2;
    const inel = inelasticFactor / (d * d) * (1 - 1 / (screen * screen));
    return el + inel;
  };
  return { z, theta0, thetaE, elastic, inelastic, total: elastic + inelastic, differential };
}

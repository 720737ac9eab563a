/**
 * Physical constants and electron-beam quantities (spec §3.1). Internal units: length nm,
 * potential V, energy eV, angles rad.
 *
 * @module
 */

/** Electron rest mass, kg. */
export const ELECTRON_MASS = 9.10938188e-31;
/** Elementary charge, C. */
export const ELEMENTARY_CHARGE = 1.60217646e-19;
/** Speed of light, m/s. */
export const SPEED_OF_LIGHT = 299792458;
/** Planck constant, J·s. */
export const PLANCK = 6.626068e-34;
/** Electron rest energy, eV. */
export const REST_ENERGY_EV = 510.99891e3;
/** Bohr radius, nm. */
export const BOHR_RADIUS_NM = 0.0529177;
/** Number density of water molecules in vitreous ice, nm⁻³. */
export const ICE_DENSITY = 33.5;
/** Number density of carbon atoms in the support film, nm⁻³. */
export const CARBON_DENSITY = 100;

/**
 * h²/(2π·m_e·e) in V·nm²: converts a scattering factor (Å, here nm) times a normalised Gaussian
 * (nm⁻³) into a potential (V). 47.88 V·Å².
 */
export const POTENTIAL_FACTOR_V_NM2 = (PLANCK * PLANCK) /
  (2 * Math.PI * ELECTRON_MASS * ELEMENTARY_CHARGE) * 1e18;

/** Quantities derived from the acceleration voltage. */
export interface Beam {
  /** Acceleration voltage, V. */
  voltage: number;
  /** Kinetic energy E, eV (numerically equal to the voltage). */
  energy: number;
  /** γ = 1 + E/E0. */
  gamma: number;
  /** Wave number k = 2π/λ, rad/nm. */
  waveNumber: number;
  /** Wavelength λ, nm. */
  wavelength: number;
  /** Interaction constant σ = 4π²·m·e·γ/(h²·k), rad/(V·nm). */
  interaction: number;
}

/** Beam quantities for an acceleration voltage in kV (spec §3.1). Needs no permissions. */
export function beamFor(accVoltageKv: number): Beam {
  const voltage = accVoltageKv * 1e3;
  const energy = voltage;
  const gamma = 1 + energy / REST_ENERGY_EV;
  const energyJ = voltage * ELEMENTARY_CHARGE;
  const rest = REST_ENERGY_EV * ELEMENTARY_CHARGE;
  // k = (2π/(h c))·√(E(E + 2E0)), per metre → per nm.
  const waveNumber = (2 * Math.PI / (PLANCK * SPEED_OF_LIGHT)) *
    Math.sqrt(energyJ * (energyJ + 2 * rest)) *
    1e-9;
  const wavelength = 2 * Math.PI / waveNumber;
  // σ = 4π² m e γ /(h² k), with k per metre; result per (V·m) → per (V·nm).
  const interaction = 4 * Math.PI * Math.PI * ELECTRON_MASS * ELEMENTARY_CHARGE * gamma /
    (PLANCK * PLANCK * waveNumber * 1e9) * 1e-9;
  return { voltage, energy, gamma, waveNumber, wavelength, interaction };
}

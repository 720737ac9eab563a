/**
 * Particle potential from a PDB file (spec §3.2): TEM-Simulator's fixed-column reading (ATOM and
 * HETATM lines of at least 78 characters with the element in columns 77–78), optional transformed
 * copies, hydrogens on their heavy atoms, 5-Gaussian real potential with the B floor, the
 * absorption potential from the cross sections, and the clamp to the ice potential.
 *
 * @module
 */
import type { PdbTransform } from "./input/mod.ts";
import { type Beam, ICE_DENSITY, POTENTIAL_FACTOR_V_NM2 } from "./beam.ts";
import { crossSection } from "./cross_sections.ts";
import { hydrogenCount } from "./hydrogens.ts";
import { apply3, boundingBox, particleRotation } from "../geometry/mod.ts";
import { scatteringFactorOf, scatteringFactorOfZ } from "./scattering_factors.ts";

/** h²/(2π·m·e) in V·Å². */
const POTENTIAL_FACTOR_V_A2 = POTENTIAL_FACTOR_V_NM2 * 100;
/** h²/(8π²·m·e) in V·nm². */
const ABSORPTION_FACTOR_V_NM2 = POTENTIAL_FACTOR_V_NM2 / (4 * Math.PI);

/** One atom as TEM-Simulator reads it. */
export interface PdbAtom {
  /** Position, Å. */
  x: number;
  y: number;
  z: number;
  occupancy: number;
  bFactor: number;
  /** Element symbol (columns 77–78, trimmed, upper case). */
  element: string;
  /** Atomic number, 0 for an unknown element. */
  z_number: number;
  /** Hydrogens to add on this atom when add_hydrogen = yes. */
  hydrogens: number;
}

/**
 * Reads the atoms of a PDB text as TEM-Simulator 1.3 does (spec §3.2 "Parsing"). Lines without
 * the element columns are skipped. Needs no permissions.
 */
export function readPdbAtoms(text: string): PdbAtom[] {
  const atoms: PdbAtom[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (!(line.startsWith("ATOM") || line.startsWith("HETATM")) || line.length < 78) continue;
    const element = line.slice(76, 78).trim().toUpperCase();
    const factor = scatteringFactorOf(element);
    atoms.push({
      x: Number.parseFloat(line.slice(30, 38)),
      y: Number.parseFloat(line.slice(38, 46)),
      z: Number.parseFloat(line.slice(46, 54)),
      occupancy: parseOr(line.slice(54, 60), 1),
      bFactor: parseOr(line.slice(60, 66), 0),
      element,
      z_number: factor?.z ?? 0,
      hydrogens: hydrogenCount(line.slice(17, 20), line.slice(12, 16)),
    });
  }
  return atoms.filter((atom) => Number.isFinite(atom.x + atom.y + atom.z));
}

function parseOr(text: string, fallback: number): number {
  const value = Number.parseFloat(text);
  return Number.isFinite(value) ? value : fallback;
}

/** Options of {@linkcode pdbPotential}. */
export interface PdbPotentialOptions {
  /** Voxel size, nm. */
  voxelSize: number;
  /** Box size (voxels); each `undefined` → from the bounding box. */
  nx?: number;
  ny?: number;
  nz?: number;
  /** Add hydrogens (spec `add_hydrogen`). */
  addHydrogen: boolean;
  /** Compute the absorption potential (needs `beam`). */
  imaginary: boolean;
  /** The beam (for the absorption potential). */
  beam?: Beam;
  /** Transformed copies of the model; empty → the model itself. */
  transforms?: readonly PdbTransform[];
  /** Clamp voxels below the ice potential to it (default true, as TEM-Simulator does). */
  iceClamp?: boolean;
}

/** A particle potential map (x fastest), absolute (before the boundary subtraction). */
export interface PotentialMap {
  nx: number;
  ny: number;
  nz: number;
  /** Voxel size, nm. */
  voxelSize: number;
  /** Real potential, V. */
  re: Float32Array;
  /** Absorption potential, V (`undefined` without use_imag_pot). */
  im?: Float32Array;
}

/** The result of {@linkcode pdbPotential}: the map and what the log reports. */
export interface PdbPotential extends PotentialMap {
  /** PDB coordinates of the map centre, Å. */
  centre: [number, number, number];
  /** Atoms used per element symbol (hydrogens included when added). */
  atomCounts: Map<string, number>;
  /** Number of copies of the model. */
  copies: number;
}

/** Real ice potential V_ice (V): water molecules with the elastic scattering factors. Needs no permissions. */
export function iceRealPotential(): number {
  const o = scatteringFactorOf("O")!, h = scatteringFactorOf("H")!;
  const sum = o.a.reduce((s, a) => s + a, 0) + 2 * h.a.reduce((s, a) => s + a, 0);
  return POTENTIAL_FACTOR_V_A2 * ICE_DENSITY * 1e-3 * sum;
}

/** Absorption potential of ice V_ice_abs (V) at `beam`. Needs no permissions. */
export function iceAbsorptionPotential(beam: Beam): number {
  return ABSORPTION_FACTOR_V_NM2 * (beam.waveNumber / beam.gamma) * ICE_DENSITY *
    (crossSection(8, beam).total + 2 * crossSection(1, beam).total);
}

function transformMatrix(t: PdbTransform): { r: number[]; t: number[] } {
  if (t.kind === "euler") {
    return { r: particleRotation(t.phi, t.theta, t.psi), t: [...t.translation] };
  }
  const m = t.matrix;
  return {
    r: [m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!],
    t: [m[3]!, m[7]!, m[11]!],
  };
}

/** Gaussian terms of one atom: amplitude (V) and width parameter β (Å⁻²) pairs, equal β merged. */
function mergeTerms(amplitudes: number[], betas: number[]): { amp: number[]; beta: number[] } {
  const amp: number[] = [], beta: number[] = [];
  for (let i = 0; i < amplitudes.length; i++) {
    const j = beta.indexOf(betas[i]!);
    if (j >= 0) amp[j]! += amplitudes[i]!;
    else {
      amp.push(amplitudes[i]!);
      beta.push(betas[i]!);
    }
  }
  return { amp, beta };
}

/**
 * Computes the potential of a PDB model (spec §3.2), clamped below at the ice potential (unless
 * `iceClamp` is false).
 * Needs no permissions.
 */
export function pdbPotential(
  atomsIn: readonly PdbAtom[],
  options: PdbPotentialOptions,
): PdbPotential {
  const transforms = options.transforms !== undefined && options.transforms.length > 0
    ? options.transforms.map(transformMatrix)
    : [{ r: [1, 0, 0, 0, 1, 0, 0, 0, 1], t: [0, 0, 0] }];
  const atoms: PdbAtom[] = [];
  for (const { r, t } of transforms) {
    for (const atom of atomsIn) {
      const p = apply3(r, [atom.x, atom.y, atom.z]);
      atoms.push({ ...atom, x: p[0] + t[0]!, y: p[1] + t[1]!, z: p[2] + t[2]! });
    }
  }
  const v = options.voxelSize * 10; // Å
  const { lo, hi } = boundingBox(atoms);
  if (atoms.length === 0) { for (let d = 0; d < 3; d++) lo[d] = hi[d] = 0; }
  const given = [options.nx, options.ny, options.nz];
  const n = [0, 0, 0], origin = [0, 0, 0], centre: [number, number, number] = [0, 0, 0];
  for (let d = 0; d < 3; d++) {
    const min = lo[d]! - 5, extent = hi[d]! - lo[d]! + 10;
    n[d] = given[d] ?? Math.max(1, Math.ceil(extent / v));
    origin[d] = min + 0.5 * (extent - (n[d]! - 1) * v);
    centre[d] = min + 0.5 * extent;
  }
  const [nx, ny, nz] = n as [number, number, number];
  const count = nx * ny * nz;
  const re = new Float64Array(count);
  const im = options.imaginary ? new Float64Array(count) : undefined;
  const floorB = 200 * v * v;
  const beam = options.beam;
  if (options.imaginary && beam === undefined) {
    throw new Error("Cannot compute the absorption potential: no electron beam");
  }
  const absorptionScale = beam === undefined
    ? 0
    : ABSORPTION_FACTOR_V_NM2 * (beam.waveNumber / beam.gamma);
  const hydrogen = scatteringFactorOfZ(1);
  const sigmaTotal = new Map<number, number>();
  const totalOf = (z: number) => {
    let s = sigmaTotal.get(z);
    if (s === undefined) {
      s = crossSection(z, beam!).total;
      sigmaTotal.set(z, s);
    }
    return s;
  };
  const atomCounts = new Map<string, number>();
  const bump = (symbol: string, k: number) =>
    atomCounts.set(symbol, (atomCounts.get(symbol) ?? 0) + k);
  const ex = new Float64Array(nx), ey = new Float64Array(ny), ez = new Float64Array(nz);

  const splat = (target: Float64Array, a: PdbAtom, amp: number[], beta: number[]) => {
    // Cut-off: exp(−10) of the widest Gaussian, in voxel units.
    const minBeta = Math.min(...beta);
    const radius = Math.sqrt(10 / (minBeta * v * v));
    const fx = (a.x - origin[0]!) / v, fy = (a.y - origin[1]!) / v, fz = (a.z - origin[2]!) / v;
    const x0 = Math.max(0, Math.ceil(fx - radius)), x1 = Math.min(nx - 1, Math.floor(fx + radius));
    const y0 = Math.max(0, Math.ceil(fy - radius)), y1 = Math.min(ny - 1, Math.floor(fy + radius));
    const z0 = Math.max(0, Math.ceil(fz - radius)), z1 = Math.min(nz - 1, Math.floor(fz + radius));
    if (x0 > x1 || y0 > y1 || z0 > z1) return;
    const r2max = radius * radius;
    for (let t = 0; t < amp.length; t++) {
      const b = beta[t]! * v * v;
      for (let i = x0; i <= x1; i++) ex[i] = Math.exp(-b * (i - fx) * (i - fx));
      for (let j = y0; j <= y1; j++) ey[j] = Math.exp(-b * (j - fy) * (j - fy));
      for (let k = z0; k <= z1; k++) ez[k] = Math.exp(-b * (k - fz) * (k - fz));
      const A = amp[t]!;
      for (let k = z0; k <= z1; k++) {
        const dz2 = (k - fz) * (k - fz);
        const az = A * ez[k]!;
        for (let j = y0; j <= y1; j++) {
          const dyz2 = dz2 + (j - fy) * (j - fy);
          if (dyz2 > r2max) continue;
          const ayz = az * ey[j]!;
          const row = (k * ny + j) * nx;
          for (let i = x0; i <= x1; i++) {
            if (dyz2 + (i - fx) * (i - fx) <= r2max) target[row + i]! += ayz * ex[i]!;
          }
        }
      }
    }
  };

  for (const a of atoms) {
    bump(a.element, 1);
    const hcount = options.addHydrogen ? a.hydrogens : 0;
    if (hcount > 0) bump("H", hcount);
    if (a.z_number === 0) continue;
    const factor = scatteringFactorOfZ(a.z_number);
    const amps: number[] = [], betas: number[] = [];
    const addFactor = (f: typeof factor, weight: number) => {
      for (let i = 0; i < 5; i++) {
        const B = Math.max(f.b[i]! + a.bFactor, floorB);
        amps.push(weight * f.a[i]! * POTENTIAL_FACTOR_V_A2 * Math.pow(4 * Math.PI / B, 1.5));
        betas.push(4 * Math.PI * Math.PI / B);
      }
    };
    addFactor(factor, a.occupancy);
    if (hcount > 0) addFactor(hydrogen, a.occupancy * hcount);
    const merged = mergeTerms(amps, betas);
    splat(re, a, merged.amp, merged.beta);
    if (im !== undefined) {
      const B = Math.max(a.bFactor + 20, floorB);
      const beta = 4 * Math.PI * Math.PI / B; // Å⁻²
      const cross = totalOf(a.z_number) + hcount * totalOf(1);
      // σ_tot (nm²) · scale (V·nm² · nm⁻¹) · (β/π)^{3/2} (Å⁻³ → nm⁻³: ×1e3)
      const amp = a.occupancy * cross * absorptionScale * Math.pow(beta / Math.PI, 1.5) * 1e3;
      splat(im, a, [amp], [beta]);
    }
  }
  const clamp = options.iceClamp ?? true;
  const vIce = clamp ? iceRealPotential() : -Infinity;
  const reOut = new Float32Array(count);
  for (let i = 0; i < count; i++) reOut[i] = Math.max(re[i]!, vIce);
  let imOut: Float32Array | undefined;
  if (im !== undefined) {
    const vIceAbs = clamp ? iceAbsorptionPotential(beam!) : -Infinity;
    imOut = new Float32Array(count);
    for (let i = 0; i < count; i++) imOut[i] = Math.max(im[i]!, vIceAbs);
  }
  return {
    nx,
    ny,
    nz,
    voxelSize: options.voxelSize,
    re: reOut,
    im: imOut,
    centre,
    atomCounts,
    copies: transforms.length,
  };
}

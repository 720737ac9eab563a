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
import {
  type ScatteringFactor,
  scatteringFactorOf,
  scatteringFactorOfZ,
} from "./scattering_factors.ts";

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

/** `text` as a number, or `fallback` when it is not one. */
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

/** Rotation (row-major 3×3) and translation (Å) of one copy transform. */
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

/** The rotations and translations of the copies: the given transforms, or the identity. */
function copyTransforms(
  transforms: readonly PdbTransform[] | undefined,
): { r: number[]; t: number[] }[] {
  return transforms !== undefined && transforms.length > 0
    ? transforms.map(transformMatrix)
    : [{ r: [1, 0, 0, 0, 1, 0, 0, 0, 1], t: [0, 0, 0] }];
}

/** The atoms of every copy of the model, copy by copy. */
function transformedCopies(
  atomsIn: readonly PdbAtom[],
  transforms: readonly { r: number[]; t: number[] }[],
): PdbAtom[] {
  const atoms: PdbAtom[] = [];
  for (const { r, t } of transforms) {
    for (const atom of atomsIn) {
      const p = apply3(r, [atom.x, atom.y, atom.z]);
      atoms.push({ ...atom, x: p[0] + t[0]!, y: p[1] + t[1]!, z: p[2] + t[2]! });
    }
  }
  return atoms;
}

/**
 * Voxel grid bounds of the map: per axis the size (given, or the bounding box plus a 5 Å margin
 * each side), the PDB coordinates of voxel 0 (Å; the grid centred on the box) and of the centre.
 */
function voxelGridBounds(
  atoms: readonly PdbAtom[],
  v: number,
  given: readonly (number | undefined)[],
): { n: [number, number, number]; origin: number[]; centre: [number, number, number] } {
  const { lo, hi } = boundingBox(atoms);
  if (atoms.length === 0) { for (let d = 0; d < 3; d++) lo[d] = hi[d] = 0; }
  const n: [number, number, number] = [0, 0, 0], origin = [0, 0, 0];
  const centre: [number, number, number] = [0, 0, 0];
  for (let d = 0; d < 3; d++) {
    const min = lo[d]! - 5, extent = hi[d]! - lo[d]! + 10;
    n[d] = given[d] ?? Math.max(1, Math.ceil(extent / v));
    origin[d] = min + 0.5 * (extent - (n[d]! - 1) * v);
    centre[d] = min + 0.5 * extent;
  }
  return { n, origin, centre };
}

/** The voxel grid atoms are splatted into, with the per-axis Gaussian profiles (scratch). */
interface VoxelGrid {
  nx: number;
  ny: number;
  nz: number;
  /** Voxel size, Å. */
  v: number;
  /** PDB coordinates of voxel (0, 0, 0), Å. */
  origin: number[];
  /** Gaussian profile of the current term along x, y and z. */
  ex: Float64Array;
  ey: Float64Array;
  ez: Float64Array;
}

/**
 * The voxels an atom's Gaussians reach (inclusive index ranges), the atom's position in voxel
 * units and the squared cut-off radius (reused from atom to atom).
 */
class AtomReach {
  x0 = 0;
  x1 = 0;
  y0 = 0;
  y1 = 0;
  z0 = 0;
  z1 = 0;
  fx = 0;
  fy = 0;
  fz = 0;
  r2max = 0;
}

/** Sets `reach` to the voxels within `radius` (voxels) of atom `a`; false when there are none. */
function atomReach(g: VoxelGrid, a: PdbAtom, radius: number, reach: AtomReach): boolean {
  const v = g.v, nx = g.nx, ny = g.ny, nz = g.nz;
  const fx = (a.x - g.origin[0]!) / v, fy = (a.y - g.origin[1]!) / v, fz = (a.z - g.origin[2]!) / v;
  const x0 = Math.max(0, Math.ceil(fx - radius)), x1 = Math.min(nx - 1, Math.floor(fx + radius));
  const y0 = Math.max(0, Math.ceil(fy - radius)), y1 = Math.min(ny - 1, Math.floor(fy + radius));
  const z0 = Math.max(0, Math.ceil(fz - radius)), z1 = Math.min(nz - 1, Math.floor(fz + radius));
  reach.x0 = x0, reach.x1 = x1, reach.y0 = y0, reach.y1 = y1, reach.z0 = z0, reach.z1 = z1;
  reach.fx = fx, reach.fy = fy, reach.fz = fz;
  reach.r2max = radius * radius;
  return !(x0 > x1 || y0 > y1 || z0 > z1);
}

/** Fills `e[lo … hi]` with the 1-D Gaussian exp(−b·(i − f)²) (b in voxel⁻², f in voxels). */
function gaussianProfile(e: Float64Array, lo: number, hi: number, b: number, f: number): void {
  for (let i = lo; i <= hi; i++) e[i] = Math.exp(-b * (i - f) * (i - f));
}

/**
 * Adds amplitude `A` times the separable Gaussian of the grid's profiles to `target`, on the
 * voxels of `r` within its cut-off sphere.
 */
function addSeparableGaussian(target: Float64Array, g: VoxelGrid, r: AtomReach, A: number): void {
  const nx = g.nx, ny = g.ny, ex = g.ex, ey = g.ey, ez = g.ez;
  const x0 = r.x0, x1 = r.x1, y0 = r.y0, y1 = r.y1, z0 = r.z0, z1 = r.z1;
  const fx = r.fx, fy = r.fy, fz = r.fz, r2max = r.r2max;
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

/**
 * Splats atom `a` into `target` as the Gaussians `amp` (V) · exp(−β·r²) (β in Å⁻²), cut off at
 * exp(−10) of the widest one.
 */
function splatGaussians(
  target: Float64Array,
  g: VoxelGrid,
  reach: AtomReach,
  a: PdbAtom,
  amp: number[],
  beta: number[],
): void {
  const v = g.v;
  // Cut-off: exp(−10) of the widest Gaussian, in voxel units.
  const minBeta = Math.min(...beta);
  const radius = Math.sqrt(10 / (minBeta * v * v));
  if (!atomReach(g, a, radius, reach)) return;
  for (let t = 0; t < amp.length; t++) {
    const b = beta[t]! * v * v;
    gaussianProfile(g.ex, reach.x0, reach.x1, b, reach.fx);
    gaussianProfile(g.ey, reach.y0, reach.y1, b, reach.fy);
    gaussianProfile(g.ez, reach.z0, reach.z1, b, reach.fz);
    addSeparableGaussian(target, g, reach, amp[t]!);
  }
}

/**
 * Appends the five Gaussian terms of scattering factor `f` with weight `weight` (occupancy × atom
 * count): amplitudes (V) and widths β (Å⁻²), B widened by `bFactor` and floored at `floorB`.
 */
function addGaussianTerms(
  amps: number[],
  betas: number[],
  f: ScatteringFactor,
  weight: number,
  bFactor: number,
  floorB: number,
): void {
  for (let i = 0; i < 5; i++) {
    const B = Math.max(f.b[i]! + bFactor, floorB);
    amps.push(weight * f.a[i]! * POTENTIAL_FACTOR_V_A2 * Math.pow(4 * Math.PI / B, 1.5));
    betas.push(4 * Math.PI * Math.PI / B);
  }
}

/** Real-potential Gaussian terms of atom `a` with its `hcount` hydrogens, equal β merged. */
function realPotentialTerms(
  a: PdbAtom,
  hcount: number,
  hydrogen: ScatteringFactor,
  floorB: number,
): { amp: number[]; beta: number[] } {
  const factor = scatteringFactorOfZ(a.z_number);
  const amps: number[] = [], betas: number[] = [];
  addGaussianTerms(amps, betas, factor, a.occupancy, a.bFactor, floorB);
  if (hcount > 0) addGaussianTerms(amps, betas, hydrogen, a.occupancy * hcount, a.bFactor, floorB);
  return mergeTerms(amps, betas);
}

/** Total cross section (nm²) of element `z` at `beam`, memoised in `cache`. */
function cachedCrossSection(cache: Map<number, number>, z: number, beam: Beam): number {
  let s = cache.get(z);
  if (s === undefined) {
    s = crossSection(z, beam).total;
    cache.set(z, s);
  }
  return s;
}

/** Counts atom `element` and its `hcount` added hydrogens in `atomCounts`. */
function countAtom(atomCounts: Map<string, number>, element: string, hcount: number): void {
  atomCounts.set(element, (atomCounts.get(element) ?? 0) + 1);
  if (hcount > 0) atomCounts.set("H", (atomCounts.get("H") ?? 0) + hcount);
}

/**
 * Splats every atom into the real potential `re` and (when given) the absorption potential `im`;
 * returns the atoms used per element symbol.
 */
function splatAtoms(
  atoms: readonly PdbAtom[],
  g: VoxelGrid,
  re: Float64Array,
  im: Float64Array | undefined,
  addHydrogen: boolean,
  beam: Beam | undefined,
): Map<string, number> {
  const v = g.v;
  const floorB = 200 * v * v;
  const absorptionScale = beam === undefined
    ? 0
    : ABSORPTION_FACTOR_V_NM2 * (beam.waveNumber / beam.gamma);
  const hydrogen = scatteringFactorOfZ(1);
  const sigmaTotal = new Map<number, number>();
  const atomCounts = new Map<string, number>();
  const reach = new AtomReach();
  for (const a of atoms) {
    const hcount = addHydrogen ? a.hydrogens : 0;
    countAtom(atomCounts, a.element, hcount);
    if (a.z_number === 0) continue;
    const merged = realPotentialTerms(a, hcount, hydrogen, floorB);
    splatGaussians(re, g, reach, a, merged.amp, merged.beta);
    if (im !== undefined) {
      const B = Math.max(a.bFactor + 20, floorB);
      const beta = 4 * Math.PI * Math.PI / B; // Å⁻²
      const cross = cachedCrossSection(sigmaTotal, a.z_number, beam!) +
        hcount * cachedCrossSection(sigmaTotal, 1, beam!);
      // σ_tot (nm²) · scale (V·nm² · nm⁻¹) · (β/π)^{3/2} (Å⁻³ → nm⁻³: ×1e3)
      const amp = a.occupancy * cross * absorptionScale * Math.pow(beta / Math.PI, 1.5) * 1e3;
      splatGaussians(im, g, reach, a, [amp], [beta]);
    }
  }
  return atomCounts;
}

/** `values` as single precision, each raised to at least `floor`. */
function clampedToFloat32(values: Float64Array, floor: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.max(values[i]!, floor);
  return out;
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
  const transforms = copyTransforms(options.transforms);
  const atoms = transformedCopies(atomsIn, transforms);
  const v = options.voxelSize * 10; // Å
  const given = [options.nx, options.ny, options.nz];
  const { n, origin, centre } = voxelGridBounds(atoms, v, given);
  const [nx, ny, nz] = n;
  const count = nx * ny * nz;
  const re = new Float64Array(count);
  const im = options.imaginary ? new Float64Array(count) : undefined;
  const beam = options.beam;
  if (options.imaginary && beam === undefined) {
    throw new Error("Cannot compute the absorption potential: no electron beam");
  }
  const ex = new Float64Array(nx), ey = new Float64Array(ny), ez = new Float64Array(nz);
  const grid: VoxelGrid = { nx, ny, nz, v, origin, ex, ey, ez };
  const atomCounts = splatAtoms(atoms, grid, re, im, options.addHydrogen, beam);
  const clamp = options.iceClamp ?? true;
  const reOut = clampedToFloat32(re, clamp ? iceRealPotential() : -Infinity);
  const imOut = im === undefined
    ? undefined
    : clampedToFloat32(im, clamp ? iceAbsorptionPotential(beam!) : -Infinity);
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

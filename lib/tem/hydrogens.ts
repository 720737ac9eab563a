/**
 * Number of hydrogen atoms bonded to a heavy atom of a standard residue (spec §3.2
 * `add_hydrogen`): the hydrogens are placed on the heavy atom itself. Counts follow the usual
 * protonation at neutral pH (Lys NZ 3, Arg guanidinium 5, Asp/Glu carboxylates 0, His with both
 * ring nitrogens protonated), water 2, and the RNA/DNA nucleotides. Backbone N (1, 0 for PRO) and
 * CA (1, 2 for GLY) count for every residue name, which reproduces TEM-Simulator's totals.
 *
 * @module
 */

const AMINO_ACID_SIDE_CHAINS: Record<string, Record<string, number>> = {
  ALA: { CB: 3 },
  ARG: { CB: 2, CG: 2, CD: 2, NE: 1, NH1: 2, NH2: 2 },
  ASN: { CB: 2, ND2: 2 },
  ASP: { CB: 2 },
  CYS: { CB: 2, SG: 1 },
  GLN: { CB: 2, CG: 2, NE2: 2 },
  GLU: { CB: 2, CG: 2 },
  GLY: {},
  HIS: { CB: 2, ND1: 1, CD2: 1, CE1: 1, NE2: 1 },
  ILE: { CB: 1, CG1: 2, CG2: 3, CD1: 3 },
  LEU: { CB: 2, CG: 1, CD1: 3, CD2: 3 },
  LYS: { CB: 2, CG: 2, CD: 2, CE: 2, NZ: 3 },
  MET: { CB: 2, CG: 2, CE: 3 },
  PHE: { CB: 2, CD1: 1, CD2: 1, CE1: 1, CE2: 1, CZ: 1 },
  PRO: { CB: 2, CG: 2, CD: 2 },
  SER: { CB: 2, OG: 1 },
  THR: { CB: 1, OG1: 1, CG2: 3 },
  TRP: { CB: 2, CD1: 1, NE1: 1, CE3: 1, CZ2: 1, CZ3: 1, CH2: 1 },
  TYR: { CB: 2, CD1: 1, CD2: 1, CE1: 1, CE2: 1, OH: 1 },
  VAL: { CB: 1, CG1: 3, CG2: 3 },
};

/** Sugar hydrogens of a ribonucleotide (RNA) or deoxyribonucleotide (DNA). */
const RIBOSE: Record<string, number> = {
  "C5'": 2,
  "C4'": 1,
  "C3'": 1,
  "C2'": 1,
  "O2'": 1,
  "C1'": 1,
};
const DEOXYRIBOSE: Record<string, number> = { "C5'": 2, "C4'": 1, "C3'": 1, "C2'": 2, "C1'": 1 };

const BASES: Record<string, Record<string, number>> = {
  A: { C8: 1, N6: 2, C2: 1 },
  G: { C8: 1, N1: 1, N2: 2 },
  C: { N4: 2, C5: 1, C6: 1 },
  U: { N3: 1, C5: 1, C6: 1 },
  T: { N3: 1, C7: 3, C5M: 3, C6: 1 },
};

const NUCLEOTIDES: Record<string, Record<string, number>> = {};
for (const [base, atoms] of Object.entries(BASES)) {
  if (base !== "T") NUCLEOTIDES[base] = { ...RIBOSE, ...atoms };
  NUCLEOTIDES[`D${base}`] = { ...DEOXYRIBOSE, ...atoms };
}

/**
 * Hydrogens bonded to atom `atomName` (PDB columns 13–16, blanks ignored) of residue `resName`
 * (columns 18–20, blanks ignored). 0 for unknown residues and atoms. Needs no permissions.
 */
export function hydrogenCount(resName: string, atomName: string): number {
  const residue = resName.trim().toUpperCase();
  const atom = atomName.trim().toUpperCase();
  if (residue === "HOH" || residue === "WAT") return atom === "O" ? 2 : 0;
  // Backbone atoms count whatever the residue (as TEM-Simulator 1.3 does: an "N" of a ligand gets 1).
  if (atom === "N") return residue === "PRO" ? 0 : 1;
  if (atom === "CA") return residue === "GLY" ? 2 : 1;
  const side = AMINO_ACID_SIDE_CHAINS[residue];
  if (side !== undefined) return side[atom] ?? 0;
  const nucleotide = NUCLEOTIDES[residue];
  if (nucleotide !== undefined) return nucleotide[atom.replace("*", "'")] ?? 0;
  return 0;
}

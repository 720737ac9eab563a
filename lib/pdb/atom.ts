/**
 * Atoms and atomic models, and the alternative-location rule shared by the PDB and mmCIF readers.
 *
 * @module
 */

/** One atom of an atomic model. */
export interface Atom {
  /** Atom serial number (0 when absent). */
  serial: number;
  /** Atom name, trimmed (e.g. "CA", "OXT"). */
  name: string;
  /** Alternative location indicator ("" when none). */
  altLoc: string;
  /** Residue name, trimmed (e.g. "ALA", "HOH"). */
  resName: string;
  /** Chain identifier ("" when blank). */
  chainId: string;
  /** Residue sequence number (0 when absent). */
  resSeq: number;
  /** Insertion code ("" when none). */
  iCode: string;
  /** x in Å. */
  x: number;
  /** y in Å. */
  y: number;
  /** z in Å. */
  z: number;
  /** Occupancy (1 when absent). */
  occupancy: number;
  /** Isotropic B-factor in Å² (0 when absent). */
  bFactor: number;
  /** Element symbol, upper case, e.g. "C", "FE"; "" when unknown. */
  element: string;
  /** HETATM (true) or ATOM (false). */
  hetero: boolean;
}

/** The atoms of one model of a structure. */
export interface AtomicModel {
  /** Atoms in file order (one model; one alternative location per atom). */
  atoms: Atom[];
  /** The structure's name (PDB ID code or mmCIF data block name), when the file gives one. */
  name?: string;
}

/** Options of the model parsers. */
export interface ParseModelOptions {
  /** File name for error messages. */
  fileName?: string;
  /** Model number to read (PDB MODEL serial / mmCIF pdbx_PDB_model_num); default: the first. */
  model?: number;
}

/**
 * Keeps one alternative location per atom: among atoms with the same chain, residue number,
 * insertion code and name that carry an altLoc, the one with the highest occupancy (the first on
 * ties). Where a residue number holds several residue names with altLocs (microheterogeneity),
 * only the residue name with the highest-occupancy atom is kept. Atoms without altLoc are always
 * kept. Order is preserved. Needs no permissions.
 */
export function keepHighestOccupancy(atoms: Atom[]): Atom[] {
  const residueKey = (a: Atom) => `${a.chainId}\u0000${a.resSeq}\u0000${a.iCode}`;
  // Microheterogeneity: residue names competing at one residue number through altLocs.
  const bestResName = new Map<string, { resName: string; occupancy: number }>();
  const namesAt = new Map<string, Set<string>>();
  for (const a of atoms) {
    if (a.altLoc === "") continue;
    const key = residueKey(a);
    let names = namesAt.get(key);
    if (names === undefined) namesAt.set(key, names = new Set());
    names.add(a.resName);
    const best = bestResName.get(key);
    if (best === undefined || a.occupancy > best.occupancy) {
      bestResName.set(key, { resName: a.resName, occupancy: a.occupancy });
    }
  }
  const winner = new Map<string, Atom>();
  for (const a of atoms) {
    if (a.altLoc === "") continue;
    const key = residueKey(a);
    if (namesAt.get(key)!.size > 1 && bestResName.get(key)!.resName !== a.resName) continue;
    const atomKey = `${key}\u0000${a.name}`;
    const best = winner.get(atomKey);
    if (best === undefined || a.occupancy > best.occupancy) winner.set(atomKey, a);
  }
  const kept = new Set(winner.values());
  return atoms.filter((a) => {
    if (a.altLoc === "") {
      const key = residueKey(a);
      // A blank-altLoc atom of a losing residue name in a microheterogeneous residue.
      const names = namesAt.get(key);
      return names === undefined || names.size <= 1 || !names.has(a.resName) ||
        bestResName.get(key)!.resName === a.resName;
    }
    return kept.has(a);
  });
}

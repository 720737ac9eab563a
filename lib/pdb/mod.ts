/**
 * Atomic models: PDB (ATOM/HETATM fixed columns) and mmCIF (`_atom_site` by column name), one
 * model, one alternative location per atom (the highest occupancy), elements upper case (inferred
 * from atom names when the file has none).
 *
 * @module
 */
export type { Atom, AtomicModel, ParseModelOptions } from "./atom.ts";
export { keepHighestOccupancy } from "./atom.ts";
export { atomicNumber, elementFromAtomId, elementFromAtomName } from "./elements.ts";
export { parseHybrid36, parsePdb } from "./pdb.ts";
export { parseMmcif } from "./mmcif.ts";
export { parseAtomicModel, readAtomicModel } from "./read.ts";
export { formatPdb } from "./write.ts";

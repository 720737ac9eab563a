/**
 * Writing atomic models as PDB ATOM/HETATM records (fixed columns, element in columns 77–78),
 * e.g. to hand an mmCIF model to TEM-Simulator, which reads PDB only.
 *
 * @module
 */
import type { AtomicModel } from "./atom.ts";

function coordinate(value: number): string {
  const text = value.toFixed(3);
  if (text.length > 8) throw new RangeError(`coordinate ${value} Å does not fit a PDB record`);
  return text.padStart(8);
}

/**
 * PDB text of a model: one ATOM/HETATM record per atom (serials wrap at 99999), then END.
 * Throws a RangeError for a coordinate beyond ±9999.999 Å. Needs no permissions.
 */
export function formatPdb(model: AtomicModel): string {
  const lines: string[] = [];
  model.atoms.forEach((atom, i) => {
    const name = atom.name.length < 4 && atom.element.length < 2
      ? ` ${atom.name.padEnd(3)}`
      : atom.name.slice(0, 4).padEnd(4);
    lines.push(
      (atom.hetero ? "HETATM" : "ATOM  ") +
        String((i % 99999) + 1).padStart(5) + " " + name +
        (atom.altLoc.slice(0, 1) || " ") + atom.resName.slice(0, 3).padStart(3) + " " +
        (atom.chainId.slice(0, 1) || " ") + String(atom.resSeq % 10000).padStart(4) +
        (atom.iCode.slice(0, 1) || " ") + "   " + coordinate(atom.x) + coordinate(atom.y) +
        coordinate(atom.z) + atom.occupancy.toFixed(2).padStart(6) +
        atom.bFactor.toFixed(2).padStart(6) + "          " + atom.element.slice(0, 2).padStart(2),
    );
  });
  lines.push("END");
  return lines.join("\n") + "\n";
}

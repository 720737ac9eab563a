/**
 * PDB format (wwPDB v3.3 fixed columns): ATOM/HETATM records of one model.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import {
  type Atom,
  type AtomicModel,
  keepHighestOccupancy,
  type ParseModelOptions,
} from "./atom.ts";
import { atomicNumber, elementFromAtomName } from "./elements.ts";

const DIGITS36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * Decodes a PDB integer field: decimal, or hybrid-36 (used for serials ≥ 100000 and residue
 * numbers ≥ 10000). Returns undefined for a blank field and NaN for garbage. Needs no permissions.
 */
export function parseHybrid36(field: string): number | undefined {
  const text = field.trim();
  if (text === "") return undefined;
  if (/^[+-]?\d+$/.test(text)) return Number(text);
  const width = field.length;
  if (text.length !== width || !/^[A-Za-z][0-9A-Za-z]*$/.test(text)) return NaN;
  const upper = text === text.toUpperCase();
  if (!upper && text !== text.toLowerCase()) return NaN;
  let value = 0;
  for (const c of text.toUpperCase()) value = value * 36 + DIGITS36.indexOf(c);
  // "A0000" follows 99999 (width 5) or "A000" follows 9999 (width 4).
  const decimalMax = 10 ** width;
  const first = 10 * 36 ** (width - 1);
  return upper ? value - first + decimalMax : value - first + decimalMax + 26 * 36 ** (width - 1);
}

/**
 * Parses the ATOM/HETATM records of one model of a PDB file. Reads the first MODEL unless
 * `options.model` names another; keeps the highest-occupancy alternative location per atom. The
 * element comes from columns 77-78, or is inferred from the atom name when they are blank.
 * Throws EtsError kind "input" naming the file and line for malformed records, a missing model or
 * a file without atoms. Needs no permissions.
 */
export function parsePdb(text: string, options: ParseModelOptions = {}): AtomicModel {
  const fileName = options.fileName ?? "PDB data";
  const fail = (line: number, reason: string) =>
    inputError(`Cannot read "${fileName}": line ${line}: ${reason}`, { file: fileName, line });
  const atoms: Atom[] = [];
  let name: string | undefined;
  // undefined: before any MODEL record; the file then has one implicit model.
  let currentModel: number | undefined;
  let selectedModel: number | undefined = options.model;
  let sawModel = false;
  let done = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && !done; i++) {
    const line = lines[i]!;
    const record = line.slice(0, 6);
    const lineNumber = i + 1;
    if (record === "HEADER" && name === undefined) {
      const id = line.slice(62, 66).trim();
      if (id !== "") name = id;
    } else if (record === "MODEL ") {
      const serial = parseHybrid36(line.slice(10, 14)) ?? parseInt(line.slice(6).trim(), 10);
      if (!Number.isFinite(serial)) throw fail(lineNumber, `MODEL has no valid serial number`);
      currentModel = serial;
      sawModel = true;
      selectedModel ??= serial;
    } else if (record === "ENDMDL") {
      if (currentModel !== undefined && currentModel === selectedModel) done = true;
      currentModel = undefined;
    } else if (record === "END   " || line === "END") {
      done = true;
    } else if (record === "ATOM  " || record === "HETATM") {
      if (sawModel ? currentModel !== selectedModel : (options.model ?? 1) !== 1) continue;
      atoms.push(parseAtomLine(line, record === "HETATM", (reason) => fail(lineNumber, reason)));
    }
  }
  if (options.model !== undefined && !sawModel && options.model !== 1) {
    throw inputError(`Cannot read "${fileName}": it has no MODEL ${options.model}`, {
      file: fileName,
    });
  }
  if (atoms.length === 0) {
    throw inputError(
      options.model !== undefined && sawModel
        ? `Cannot read "${fileName}": MODEL ${options.model} has no ATOM/HETATM records`
        : `Cannot read "${fileName}": no ATOM/HETATM records`,
      { file: fileName },
    );
  }
  return name === undefined
    ? { atoms: keepHighestOccupancy(atoms) }
    : { atoms: keepHighestOccupancy(atoms), name };
}

function parseAtomLine(raw: string, hetero: boolean, fail: (reason: string) => Error): Atom {
  if (raw.length < 54) throw fail(`ATOM/HETATM record is too short (${raw.length} characters)`);
  const line = raw.padEnd(80, " ");
  const coordinate = (from: number, to: number, label: string): number => {
    const field = line.slice(from, to).trim();
    const value = Number(field);
    if (field === "" || !Number.isFinite(value)) {
      throw fail(`${label} must be a number, got "${field}"`);
    }
    return value;
  };
  const optionalNumber = (from: number, to: number, label: string, fallback: number): number => {
    const field = line.slice(from, to).trim();
    if (field === "") return fallback;
    const value = Number(field);
    if (!Number.isFinite(value)) throw fail(`${label} must be a number, got "${field}"`);
    return value;
  };
  const rawName = line.slice(12, 16);
  const resSeqField = line.slice(22, 26);
  const resSeq = parseHybrid36(resSeqField);
  if (resSeq !== undefined && Number.isNaN(resSeq)) {
    throw fail(`residue number must be an integer, got "${resSeqField.trim()}"`);
  }
  const serial = parseHybrid36(line.slice(6, 11));
  const elementField = line.slice(76, 78).trim().toUpperCase();
  const resName = line.slice(17, 21).trim();
  let element = /^[A-Z]{1,2}$/.test(elementField) && atomicNumber(elementField) > 0
    ? elementField
    : "";
  if (element === "") element = elementFromAtomName(rawName);
  return {
    serial: serial === undefined || Number.isNaN(serial) ? 0 : serial,
    name: rawName.trim(),
    altLoc: line[16]!.trim(),
    resName,
    chainId: line[21]!.trim(),
    resSeq: resSeq ?? 0,
    iCode: line[26]!.trim(),
    x: coordinate(30, 38, "x"),
    y: coordinate(38, 46, "y"),
    z: coordinate(46, 54, "z"),
    occupancy: optionalNumber(54, 60, "occupancy", 1),
    bFactor: optionalNumber(60, 66, "B-factor", 0),
    element,
    hetero,
  };
}

/**
 * mmCIF: the `_atom_site` table of one model, read by column name.
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
import { atomicNumber, elementFromAtomId } from "./elements.ts";

/** A CIF token: its text, whether it was quoted (so "." and "?" are literal), and its line. */
export interface CifToken {
  /** The value without quotes. */
  text: string;
  /** Quoted or a text field. */
  quoted: boolean;
  /** 1-based line. */
  line: number;
}

/**
 * Splits CIF text into tokens: bare words, 'single' or "double" quoted values (a quote closes only
 * before whitespace or the line end), and ;-delimited multi-line text fields; `#` starts a comment
 * outside quotes. Needs no permissions.
 */
export function tokenizeCif(
  text: string,
  fail: (line: number, reason: string) => Error,
): CifToken[] {
  const tokens: CifToken[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith(";")) {
      const start = i + 1;
      const parts = [line.slice(1)];
      i++;
      while (i < lines.length && !lines[i]!.startsWith(";")) parts.push(lines[i++]!);
      if (i >= lines.length) throw fail(start, "unterminated ;-text field");
      tokens.push({ text: parts.join("\n"), quoted: true, line: start });
      // Anything after the closing ";" on its line is tokenized as usual.
      tokenizeLine(lines[i]!.slice(1), i + 1, tokens, fail);
      continue;
    }
    tokenizeLine(line, i + 1, tokens, fail);
  }
  return tokens;
}

function isBlank(c: string | undefined): boolean {
  return c === undefined || c === " " || c === "\t";
}

function tokenizeLine(
  line: string,
  lineNumber: number,
  tokens: CifToken[],
  fail: (line: number, reason: string) => Error,
): void {
  let p = 0;
  const n = line.length;
  while (p < n) {
    while (p < n && isBlank(line[p])) p++;
    if (p >= n) break;
    const c = line[p]!;
    if (c === "#") break;
    if (c === "'" || c === '"') {
      let q = p + 1;
      while (q < n && !(line[q] === c && isBlank(line[q + 1]))) q++;
      if (q >= n) throw fail(lineNumber, `unterminated quoted value ${line.slice(p)}`);
      tokens.push({ text: line.slice(p + 1, q), quoted: true, line: lineNumber });
      p = q + 1;
    } else {
      let q = p;
      while (q < n && !isBlank(line[q])) q++;
      tokens.push({ text: line.slice(p, q), quoted: false, line: lineNumber });
      p = q;
    }
  }
}

function isReserved(token: CifToken): boolean {
  if (token.quoted) return false;
  const t = token.text.toLowerCase();
  return t.startsWith("_") || t === "loop_" || t.startsWith("data_") || t.startsWith("save_") ||
    t === "stop_" || t === "global_";
}

/** The `_atom_site` table: column names (lower case, without the prefix) and rows of tokens. */
interface AtomSiteTable {
  columns: string[];
  rows: CifToken[][];
  blockName?: string;
}

function findAtomSite(
  tokens: CifToken[],
  fail: (line: number, reason: string) => Error,
): AtomSiteTable | undefined {
  let blockName: string | undefined;
  let seenBlock = false;
  const single = new Map<string, CifToken>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const lower = token.quoted ? "" : token.text.toLowerCase();
    if (lower.startsWith("data_")) {
      if (seenBlock && single.size > 0) break; // the first block had a single-row atom_site
      seenBlock = true;
      blockName = token.text.slice(5);
      continue;
    }
    if (lower === "loop_") {
      const columns: string[] = [];
      let j = i + 1;
      while (j < tokens.length && !tokens[j]!.quoted && tokens[j]!.text.startsWith("_")) {
        columns.push(tokens[j]!.text.toLowerCase());
        j++;
      }
      const values: CifToken[] = [];
      while (j < tokens.length && !isReserved(tokens[j]!)) values.push(tokens[j++]!);
      if (columns.length > 0 && columns.every((c) => c.startsWith("_atom_site."))) {
        if (values.length % columns.length !== 0) {
          throw fail(
            tokens[i]!.line,
            `the _atom_site loop has ${values.length} values for ${columns.length} columns`,
          );
        }
        const rows: CifToken[][] = [];
        for (let k = 0; k < values.length; k += columns.length) {
          rows.push(values.slice(k, k + columns.length));
        }
        return {
          columns: columns.map((c) => c.slice("_atom_site.".length)),
          rows,
          blockName,
        };
      }
      i = j - 1;
      continue;
    }
    if (lower.startsWith("_atom_site.") && i + 1 < tokens.length) {
      single.set(lower.slice("_atom_site.".length), tokens[i + 1]!);
      i++;
    }
  }
  if (single.size === 0) return undefined;
  return { columns: [...single.keys()], rows: [[...single.values()]], blockName };
}

/** Builds the one-line input error for a line of the file. */
type LineFail = (line: number, reason: string) => Error;

/** Positions of the `_atom_site` columns read (undefined: the column is absent). */
type AtomSiteColumns = Record<
  | "group"
  | "id"
  | "element"
  | "name"
  | "alt"
  | "resName"
  | "chain"
  | "seq"
  | "labelSeq"
  | "iCode"
  | "x"
  | "y"
  | "z"
  | "occupancy"
  | "b"
  | "model",
  number | undefined
>;

/** Where the loop header puts each column read (auth_* names first); Cartn_x..z are required. */
function atomSiteColumns(columns: string[], fileName: string): AtomSiteColumns {
  const index = (...names: string[]): number | undefined => {
    for (const n of names) {
      const k = columns.indexOf(n.toLowerCase());
      if (k >= 0) return k;
    }
    return undefined;
  };
  const col = {
    group: index("group_PDB"),
    id: index("id"),
    element: index("type_symbol"),
    name: index("auth_atom_id", "label_atom_id"),
    alt: index("label_alt_id", "auth_alt_id"),
    resName: index("auth_comp_id", "label_comp_id"),
    chain: index("auth_asym_id", "label_asym_id"),
    seq: index("auth_seq_id", "label_seq_id"),
    labelSeq: index("label_seq_id"),
    iCode: index("pdbx_PDB_ins_code"),
    x: index("Cartn_x"),
    y: index("Cartn_y"),
    z: index("Cartn_z"),
    occupancy: index("occupancy"),
    b: index("B_iso_or_equiv"),
    model: index("pdbx_PDB_model_num"),
  };
  for (const key of ["x", "y", "z"] as const) {
    if (col[key] === undefined) {
      throw inputError(`Cannot read "${fileName}": _atom_site has no Cartn_${key} column`, {
        file: fileName,
      });
    }
  }
  return col;
}

/** The text in column `k` of a row; undefined for an absent column or an unquoted "." or "?". */
function cifValue(row: CifToken[], k: number | undefined): string | undefined {
  if (k === undefined) return undefined;
  const token = row[k]!;
  if (!token.quoted && (token.text === "." || token.text === "?")) return undefined;
  return token.text;
}

/** The number in column `k` of a row (a standard uncertainty dropped), undefined when absent. */
function cifNumber(
  row: CifToken[],
  k: number | undefined,
  label: string,
  fail: LineFail,
): number | undefined {
  const text = cifValue(row, k);
  if (text === undefined) return undefined;
  // CIF numbers may carry a standard uncertainty: 12.345(6).
  const v = Number(text.replace(/\(\d+\)$/, ""));
  if (!Number.isFinite(v)) throw fail(row[k!]!.line, `${label} must be a number, got "${text}"`);
  return v;
}

/**
 * One `_atom_site` row as an atom. Without group_PDB, atoms without label_seq_id are HETATM;
 * without a known type_symbol, the element comes from the atom name.
 */
function atomOf(row: CifToken[], col: AtomSiteColumns, fail: LineFail): Atom {
  // Without group_PDB (gemmi omits it), non-polymer atoms (label_seq_id ".") count as HETATM.
  const hetero = col.group !== undefined
    ? cifValue(row, col.group)?.toUpperCase() === "HETATM"
    : col.labelSeq !== undefined && cifValue(row, col.labelSeq) === undefined;
  const name = cifValue(row, col.name) ?? "";
  const resName = cifValue(row, col.resName) ?? "";
  const symbol = cifValue(row, col.element)?.toUpperCase();
  const element = symbol !== undefined && atomicNumber(symbol) > 0
    ? symbol
    : elementFromAtomId(name, resName, hetero);
  const coordinate = (k: number | undefined, axis: string): number => {
    const v = cifNumber(row, k, `Cartn_${axis}`, fail);
    if (v === undefined) throw fail(row[k!]!.line, `Cartn_${axis} is missing`);
    return v;
  };
  const seq = cifNumber(row, col.seq, "seq_id", fail);
  return {
    serial: cifNumber(row, col.id, "id", fail) ?? 0,
    name,
    altLoc: cifValue(row, col.alt) ?? "",
    resName,
    chainId: cifValue(row, col.chain) ?? "",
    resSeq: seq ?? 0,
    iCode: cifValue(row, col.iCode) ?? "",
    x: coordinate(col.x, "x"),
    y: coordinate(col.y, "y"),
    z: coordinate(col.z, "z"),
    occupancy: cifNumber(row, col.occupancy, "occupancy", fail) ?? 1,
    bFactor: cifNumber(row, col.b, "B_iso_or_equiv", fail) ?? 0,
    element,
    hetero,
  };
}

/**
 * The atoms of one model: `model`, else the first pdbx_PDB_model_num (rows without one belong to
 * model 1); and whether any row names its model.
 */
function modelAtoms(
  rows: CifToken[][],
  col: AtomSiteColumns,
  model: number | undefined,
  fail: LineFail,
): { atoms: Atom[]; sawModel: boolean } {
  let selected = model;
  const atoms: Atom[] = [];
  let sawModel = false;
  for (const row of rows) {
    const rowModel = cifNumber(row, col.model, "pdbx_PDB_model_num", fail);
    if (rowModel !== undefined) {
      sawModel = true;
      selected ??= rowModel;
      if (rowModel !== selected) continue;
    } else if ((model ?? 1) !== 1) continue;
    atoms.push(atomOf(row, col, fail));
  }
  return { atoms, sawModel };
}

/**
 * Parses the `_atom_site` table of the first data block of an mmCIF file, by column name
 * (preferring auth_* names; without `group_PDB`, atoms with no `label_seq_id` are HETATM), for one
 * model (the first unless `options.model` names another pdbx_PDB_model_num); keeps the
 * highest-occupancy alternative location per atom. Unquoted "." and "?" mean absent. Throws EtsError kind "input" naming the file and line. Needs no
 * permissions.
 */
export function parseMmcif(text: string, options: ParseModelOptions = {}): AtomicModel {
  const fileName = options.fileName ?? "mmCIF data";
  const fail = (line: number, reason: string) =>
    inputError(`Cannot read "${fileName}": line ${line}: ${reason}`, { file: fileName, line });
  const table = findAtomSite(tokenizeCif(text, fail), fail);
  if (table === undefined || table.rows.length === 0) {
    throw inputError(`Cannot read "${fileName}": no _atom_site records`, { file: fileName });
  }
  const col = atomSiteColumns(table.columns, fileName);
  const { atoms, sawModel } = modelAtoms(table.rows, col, options.model, fail);
  if (atoms.length === 0) {
    throw inputError(
      sawModel && options.model !== undefined
        ? `Cannot read "${fileName}": it has no model ${options.model}`
        : `Cannot read "${fileName}": no _atom_site records`,
      { file: fileName },
    );
  }
  const result: AtomicModel = { atoms: keepHighestOccupancy(atoms) };
  if (table.blockName !== undefined && table.blockName !== "") result.name = table.blockName;
  return result;
}

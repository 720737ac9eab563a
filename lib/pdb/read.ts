/**
 * Reading atomic models from files: PDB or mmCIF by extension or content, gzip-compressed or not.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import type { AtomicModel } from "./atom.ts";
import { parseMmcif } from "./mmcif.ts";
import { parsePdb } from "./pdb.ts";

/**
 * Parses PDB or mmCIF text, chosen by the extension of `fileName` (.cif/.mmcif vs .pdb/.ent, a
 * trailing .gz ignored), else by content (mmCIF starts with a `data_` block). First model, highest
 * occupancy per atom. Throws EtsError kind "input". Needs no permissions.
 */
export function parseAtomicModel(text: string, fileName: string): AtomicModel {
  const lower = fileName.toLowerCase().replace(/\.gz$/, "");
  if (/\.(cif|mmcif)$/.test(lower)) return parseMmcif(text, { fileName });
  if (/\.(pdb|ent)$/.test(lower)) return parsePdb(text, { fileName });
  const firstWord = text.replace(/^(\s*#[^\n]*\n)*\s*/, "").slice(0, 5).toLowerCase();
  return firstWord === "data_" ? parseMmcif(text, { fileName }) : parsePdb(text, { fileName });
}

/**
 * Reads an atomic model (PDB or mmCIF, optionally .gz) from `path`. Throws EtsError kind "input"
 * for missing or malformed files. Needs --allow-read on `path`.
 */
export async function readAtomicModel(path: string): Promise<AtomicModel> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw inputError(`Cannot read "${path}": no such file`, { file: path, cause: error });
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw inputError(`Cannot read "${path}": permission denied`, { file: path, cause: error });
    }
    if (error instanceof Deno.errors.IsADirectory) {
      throw inputError(`Cannot read "${path}": is a directory`, { file: path, cause: error });
    }
    throw error;
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
        .pipeThrough(new DecompressionStream("gzip"));
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    } catch (error) {
      throw inputError(`Cannot read "${path}": broken gzip data`, { file: path, cause: error });
    }
  }
  return parseAtomicModel(new TextDecoder().decode(bytes), path);
}

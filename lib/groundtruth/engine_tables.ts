/**
 * The engine's text tables (spec §1.3) as ground truth reads them: through the engine's one table
 * reader (lib/tem/input, `parseTableOf` and its typed parsers), never a parser of its own.
 *
 * @module
 */
import { parseTextTable, TemInputError, type TextTable } from "../tem/input/mod.ts";

/**
 * Parses an engine table with at least `minColumns` columns (rows keep all declared columns;
 * extra tokens and rows past the declared count are ignored). Throws an `input` EtsError naming
 * the file (and the line when there is one) when the text does not have that shape.
 * Needs no permissions.
 *
 * @example
 * parseEngineTable("# x y z\n1 3\n1 2 3\n", "beads.txt", 3).rows // [[1, 2, 3]]
 */
export function parseEngineTable(text: string, fileName: string, minColumns: number): TextTable {
  const table = parseTextTable(text, { fileName });
  if (table.columns < minColumns) {
    throw new TemInputError(
      { fileName },
      `the table has ${table.columns} column(s), needs at least ${minColumns}`,
    );
  }
  return table;
}

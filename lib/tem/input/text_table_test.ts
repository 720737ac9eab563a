import { EtsError } from "../../errors/mod.ts";
import { assertEquals, assertRejects, assertThrows } from "../../testing/mod.ts";
import {
  MAX_TABLE_FILE_BYTES,
  parseCoordinateTable,
  parseDefocusTable,
  parseDoseTable,
  parseGeometryErrorTable,
  parsePdbTransformTable,
  parseTableOf,
  parseTextTable,
  parseTiltAngleTable,
  readCoordinateFile,
  readDoseFile,
} from "./text_table.ts";

const where = { fileName: "coord.txt" };

function failure(fn: () => unknown): string {
  const error = assertThrows(fn, EtsError);
  assertEquals(error.kind, "input");
  return error.oneLine;
}

Deno.test("parseTextTable reads the header, skips comments and blank lines, drops extra tokens", () => {
  const table = parseTextTable(
    "# made by hand\n\n2 2\n# x y\n1 2 extra words\n\n  3.5e1   -4\nignored 5 6\n",
    where,
  );
  assertEquals(table, { columns: 2, rows: [[1, 2], [35, -4]], rowLines: [5, 7] });
  assertEquals(parseTextTable("0 3\n", where).rows, []);
});

Deno.test("parseTextTable rejects malformed tables with file and line", () => {
  assertEquals(
    failure(() => parseTextTable("# nothing\n", where)),
    'Cannot read "coord.txt": the table is empty (expected a "ROWS COLUMNS" header)',
  );
  assertEquals(
    failure(() => parseTextTable("2.0 6\n", where)),
    'Cannot read "coord.txt": line 1: expected the table header "ROWS COLUMNS" (two integers, ' +
      'ROWS ≥ 0 and COLUMNS ≥ 1), got "2.0 6"',
  );
  assertEquals(
    failure(() => parseTextTable("2 3\n1 2 3\n4 5\n", where)),
    'Cannot read "coord.txt": line 3: expected 3 numbers (the header\'s column count), got 2',
  );
  assertEquals(
    failure(() => parseTextTable("1 3\n1 abc 3\n", where)),
    'Cannot read "coord.txt": line 2: column 2: "abc" is not a number (allowed: a finite ' +
      "decimal number such as 12, -0.5 or 1.5e3)",
  );
  assertEquals(
    failure(() => parseTextTable("3 1\n1\n2\n", where)),
    'Cannot read "coord.txt": the header declares 3 rows but the table has 2',
  );
});

Deno.test("parseCoordinateTable takes 6 columns, or 3 with orientation 0", () => {
  assertEquals(parseCoordinateTable("# x y z\n1 6\n-20 15 0 10 20 30 99\n", where), [
    { x: -20, y: 15, z: 0, phi: 10, theta: 20, psi: 30 },
  ]);
  assertEquals(parseCoordinateTable("2 3\n1 2 3\n4 5 6\n", where), [
    { x: 1, y: 2, z: 3, phi: 0, theta: 0, psi: 0 },
    { x: 4, y: 5, z: 6, phi: 0, theta: 0, psi: 0 },
  ]);
  assertEquals(
    failure(() => parseCoordinateTable("1 4\n1 2 3 4\n", where)),
    'Cannot read "coord.txt": the coordinate table has 4 columns, needs 6 (x y z phi theta psi) ' +
      "or 3 (x y z)",
  );
  assertEquals(
    failure(() => parseCoordinateTable("1 6\n1 2 3 4 5\n", where)),
    'Cannot read "coord.txt": line 2: expected 6 numbers (the header\'s column count), got 5',
  );
});

Deno.test("tilt-angle, error, dose, defocus and PDB transformation tables", () => {
  assertEquals(parseTiltAngleTable("1 3\n-0.0 45 0\n", where), [{ psi: -0, theta: 45, phi: 0 }]);
  assertEquals(
    failure(() => parseTiltAngleTable("1 2\n1 2\n", where)),
    'Cannot read "coord.txt": the tilt-angle table has 2 column(s), needs at least 3 ' +
      "(psi theta phi)",
  );
  assertEquals(parseGeometryErrorTable("1 5\n1 2 3 4 5\n", where), [
    { rot: 1, axis: 2, ang: 3, x: 4, y: 5 },
  ]);
  assertEquals(parseDoseTable("2 1\n10000\n9000\n", where), [10000, 9000]);
  assertEquals(parseDefocusTable("1 1\n2.5\n", where), [2.5]);
  assertEquals(parsePdbTransformTable("1 6\n1 2 3 10 20 30\n", where), [
    { kind: "euler", translation: [1, 2, 3], phi: 10, theta: 20, psi: 30 },
  ]);
  assertEquals(parsePdbTransformTable("3 4\n1 0 0 5\n0 1 0 6\n0 0 1 7\n", where), [
    { kind: "matrix", matrix: [1, 0, 0, 5, 0, 1, 0, 6, 0, 0, 1, 7] },
  ]);
  assertEquals(
    failure(() => parsePdbTransformTable("2 4\n1 0 0 5\n0 1 0 6\n", where)),
    'Cannot read "coord.txt": a 4-column PDB transformation table needs 3 rows per matrix, got 2 rows',
  );
});

Deno.test("readCoordinateFile reads a reference file and reports a missing one", async () => {
  const url = new URL("../../../tests/fixtures/tem/map_particles/bead_coord.txt", import.meta.url);
  const rows = await readCoordinateFile(url.pathname);
  assertEquals(rows.length, 3);
  assertEquals(rows[2], { x: 5, y: 25, z: -30, phi: 0, theta: 0, psi: 0 });
  const error = await assertRejects(() => readCoordinateFile("/nonexistent/c.txt"), EtsError);
  assertEquals(error.oneLine, 'Cannot read "/nonexistent/c.txt": no such file');
  assertEquals(error.kind, "input");
});

Deno.test("parseTableOf checks the columns of each kind and keeps each row's line", () => {
  const dose = parseTableOf("dose", "# dose\n2 1\n\n100\n# gap\n90 extra\n", where);
  assertEquals(dose, { columns: 1, rows: [[100], [90]], rowLines: [4, 6] });
  assertEquals(parseTableOf("coordinate", "1 3\n1 2 3\n", where).columns, 3);
  assertEquals(
    failure(() => parseTableOf("geometry-error", "1 4\n1 2 3 4\n", where)),
    'Cannot read "coord.txt": the geometry-error table has 4 column(s), needs at least 5 ' +
      "(rot axis ang x y)",
  );
  assertEquals(
    failure(() => parseTableOf("PDB transformation", "1 5\n1 2 3 4 5\n", where)),
    'Cannot read "coord.txt": the PDB transformation table has 5 columns, needs 6 (tx ty tz phi ' +
      "theta psi) or 4 (3×4 matrices)",
  );
});

Deno.test("table messages quote a short, escaped excerpt of the input, never a whole line", () => {
  const secret = "root:$6$abcdefghijklmnopqrstuvwxyz0123456789:19000:0:99999:7:::";
  const message = failure(() => parseTableOf("tilt-angle", `${secret}\n`, where));
  assertEquals(message.includes("0123456789"), false);
  assertEquals(message.includes('"root:$6$abcdefghijklmnop…"'), true);
  const control = failure(() => parseTableOf("dose", "1 1\n\u001b[31mred\n", where));
  assertEquals(control.includes("\u001b"), false);
  assertEquals(control.includes("\\u001b[31mred"), true);
});

Deno.test("table files above the size cap or holding NUL bytes are refused before parsing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const big = await Deno.open(`${dir}/big.txt`, { write: true, create: true });
    await big.truncate(MAX_TABLE_FILE_BYTES + 1);
    big.close();
    let error = await assertRejects(() => readDoseFile(`${dir}/big.txt`), EtsError);
    assertEquals(
      error.oneLine,
      `Cannot read "${dir}/big.txt": the file has ${
        MAX_TABLE_FILE_BYTES + 1
      } bytes; a table may have at most ${MAX_TABLE_FILE_BYTES}`,
    );
    await Deno.writeFile(`${dir}/bin.txt`, new Uint8Array([49, 32, 49, 10, 0, 10]));
    error = await assertRejects(() => readDoseFile(`${dir}/bin.txt`), EtsError);
    assertEquals(
      error.oneLine,
      `Cannot read "${dir}/bin.txt": not a text file (it holds NUL bytes)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { EtsError } from "../errors/mod.ts";
import { assertEquals, assertThrows } from "../testing/mod.ts";
import { parseEngineTable } from "./engine_tables.ts";

Deno.test("engine tables: rows keep the declared columns; extra tokens and rows ignored; CRLF", () => {
  const t = parseEngineTable("# x y z\r\n2 3\r\n1 2 3 x\r\n4 5 6\r\n7 8 9\r\n", "t.txt", 3);
  assertEquals(t.rows, [[1, 2, 3], [4, 5, 6]]);
  assertEquals(parseEngineTable("1 6\n1 2 3 4 5 6\n", "u.txt", 3).rows, [[1, 2, 3, 4, 5, 6]]);
});

Deno.test("engine tables: bad tables are input errors naming the file and line", () => {
  const e1 = assertThrows(() => parseEngineTable("# c\n3 2\n1 2\n3\n", "a.txt", 2), EtsError);
  assertEquals([e1.kind, e1.file, e1.line], ["input", "a.txt", 4]);
  const e2 = assertThrows(() => parseEngineTable("1 1\nabc\n", "b.txt", 1), EtsError, '"abc"');
  assertEquals(e2.line, 2);
  assertThrows(() => parseEngineTable("2 1\n1\n", "c.txt", 1), EtsError, "declares 2 rows");
  assertThrows(() => parseEngineTable("# only comments\n", "d.txt", 1), EtsError, "is empty");
  const e3 = assertThrows(() => parseEngineTable("2 2\n1 2\n3 4\n", "e.txt", 3), EtsError);
  assertEquals(
    [e3.kind, e3.file, e3.oneLine],
    ["input", "e.txt", 'Cannot read "e.txt": the table has 2 column(s), needs at least 3'],
  );
});

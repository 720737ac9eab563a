import { EtsError } from "../errors/mod.ts";
import { assertEquals, assertThrows, sharedPath } from "../testing/mod.ts";
import {
  parseColumnTable,
  parseEngineTable,
  parseErrorTable,
  parseGeomTable,
} from "./engine_tables.ts";

const REF = sharedPath("reference/tem-simulator/map_particles");

Deno.test("reads TEM-Simulator 1.3's own geom, dose and defocus files", async () => {
  const geom = parseGeomTable(await Deno.readTextFile(`${REF}/geom.txt`), "geom.txt");
  assertEquals(geom.length, 11);
  assertEquals(geom.map((g) => g.theta), [-50, -40, -30, -20, -10, 0, 10, 20, 30, 40, 50]);
  assertEquals(geom[0], { psi: -0, theta: -50, phi: 0 });
  assertEquals(
    parseColumnTable(await Deno.readTextFile(`${REF}/dose.txt`), "dose.txt"),
    Array(11).fill(10000),
  );
  assertEquals(
    parseColumnTable(await Deno.readTextFile(`${REF}/defocus.txt`), "defocus.txt"),
    Array(11).fill(4),
  );
});

Deno.test("reads an error table (rot axis ang x y)", () => {
  const text = [
    "# File created by TEM-simulator, version 1.3.",
    "2  5",
    "#          rot         axis          ang            x            y",
    "       0.5000      12.0000      -0.2500       1.0000      -2.0000",
    "      -0.1000     170.0000       0.1000       0.0000       0.5000",
  ].join("\n");
  assertEquals(parseErrorTable(text, "err.txt"), [
    { rotation: 0.5, errorAxis: 12, tiltError: -0.25, shiftXNm: 1, shiftYNm: -2 },
    { rotation: -0.1, errorAxis: 170, tiltError: 0.1, shiftXNm: 0, shiftYNm: 0.5 },
  ]);
});

Deno.test("extra tokens and rows are ignored; CRLF works", () => {
  const t = parseEngineTable("2 1\r\n1 x\r\n2\r\n3\r\n", "t.txt", 1);
  assertEquals(t.rows, [[1], [2]]);
});

Deno.test("bad tables are input errors naming the file and line", () => {
  const e1 = assertThrows(() => parseEngineTable("# c\n3 2\n1 2\n3\n", "a.txt", 2), EtsError);
  assertEquals([e1.kind, e1.file, e1.line], ["input", "a.txt", 4]);
  const e2 = assertThrows(() => parseEngineTable("1 1\nabc\n", "b.txt", 1), EtsError, '"abc"');
  assertEquals(e2.line, 2);
  assertThrows(() => parseEngineTable("2 1\n1\n", "c.txt", 1), EtsError, "declares 2 rows");
  assertThrows(() => parseEngineTable("# only comments\n", "d.txt", 1), EtsError, "no table size");
  assertThrows(
    () => parseEngineTable("2 2\n1 2\n3 4\n", "e.txt", 3),
    EtsError,
    "at least 3 columns",
  );
});

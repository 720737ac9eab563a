import { assertEquals, assertMatch, assertThrows, sharedPath } from "../testing/mod.ts";
import { InputFileError } from "./config_error.ts";
import { parseCoordTemplate } from "./coord_template.ts";

Deno.test("coord template: ETSimulations' coord.txt (pixels, N 6, comments)", async () => {
  const rows = parseCoordTemplate(
    await Deno.readTextFile(sharedPath("etsimulations/templates/coord.txt")),
    "coord.txt",
  );
  assertEquals(rows.length, 9);
  assertEquals(rows[0], { position: [-706.7, 706.7, 0], orientation: [0, 0, 0] });
});

Deno.test("coord template: 3 columns accepted, short tables and bad rows refused with the line", () => {
  assertEquals(parseCoordTemplate("1 3\n1 2 3\n", "c.txt")[0]?.position, [1, 2, 3]);
  const short = assertThrows(
    () => parseCoordTemplate("3 6\n1 2 3 0 0 0\n", "c.txt"),
    InputFileError,
  );
  assertMatch(short.oneLine, /announces 3 particles, the file has 1/);
  const bad = assertThrows(
    () => parseCoordTemplate("# x\n1 6\n1 2 x 0 0 0\n", "c.txt"),
    InputFileError,
  );
  assertMatch(bad.oneLine, /^Cannot read "c.txt": line 3: expected 6 numbers/);
});

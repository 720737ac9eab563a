import { assert, assertEquals } from "../testing/mod.ts";
import { EtsError, exitCodeFor, LocatedInputError } from "./mod.ts";

Deno.test("a located input error names file, line and reason in one line", () => {
  const cause = new Error("inner");
  const e = new LocatedInputError(
    { fileName: "sim.txt", path: "/tmp/x/sim.txt", line: 12, key: "det_pix_x" },
    '"det_pix_x" must be an integer, got "6.4e1"',
    { cause },
  );
  assert(e instanceof EtsError);
  assertEquals(
    e.message,
    'Cannot read "sim.txt": line 12: "det_pix_x" must be an integer, got "6.4e1"',
  );
  assertEquals(e.oneLine, e.message);
  assertEquals([e.kind, e.file, e.line, e.key], ["input", "/tmp/x/sim.txt", 12, "det_pix_x"]);
  assertEquals(e.cause, cause);
  assertEquals(exitCodeFor(e), 2);
});

Deno.test("without a line or path, and with a file kind", () => {
  const e = new LocatedInputError({ fileName: "run.yaml" }, "empty file", { fileKind: "config" });
  assertEquals(e.message, 'Cannot read config "run.yaml": empty file');
  assertEquals([e.file, e.line, e.key], ["run.yaml", undefined, undefined]);
});

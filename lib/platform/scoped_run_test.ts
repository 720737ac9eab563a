import { assertEquals } from "../testing/mod.ts";
import { parseDenyFlags } from "./scoped_run.ts";

Deno.test("site deny flags: only --deny-NAME[=...] lines pass", () => {
  assertEquals(
    parseDenyFlags(
      "--deny-read=/data/private\n\n--allow-read\n# comment\n--deny-net\n--deny-bogus=1\n--v8-flags=x\n",
    ),
    ["--deny-read=/data/private", "--deny-net"],
  );
});

import { assertEquals } from "../testing/mod.ts";
import { parseThreads, progressMessage } from "./tem_simulator_command.ts";

Deno.test("progress lines are echoed without the log's comment prefix, separators dropped", () => {
  assertEquals(
    progressMessage("# Computing projection number 1."),
    "Computing projection number 1.",
  );
  assertEquals(progressMessage("# Warning: beam parallel"), "Warning: beam parallel");
  assertEquals(progressMessage("# "), undefined);
  assertEquals(progressMessage("#"), undefined);
  assertEquals(progressMessage("#  N : 569"), " N : 569");
});

Deno.test("--threads takes a positive integer literal", () => {
  assertEquals(parseThreads("1"), 1);
  assertEquals(parseThreads("16"), 16);
  for (const bad of ["0", "-1", "1.5", "2e1", "abc", "2000"]) {
    let threw = false;
    try {
      parseThreads(bad);
    } catch {
      threw = true;
    }
    assertEquals(threw, true, bad);
  }
});

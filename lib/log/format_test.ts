import { assertEquals } from "../testing/mod.ts";
import { formatElapsed, formatLogLine } from "./format.ts";

Deno.test("formatElapsed prints H:MM:SS.ffffff like Python's timedelta", () => {
  assertEquals(formatElapsed(0), "0:00:00.000000");
  assertEquals(formatElapsed(1234.567), "0:00:01.234567");
  assertEquals(formatElapsed(3_725_000.001), "1:02:05.000001");
  assertEquals(formatElapsed(-5), "0:00:00.000000");
});

Deno.test("formatLogLine puts elapsed time, source, module, level and message", () => {
  const line = formatLogLine(
    {
      category: ["ets", "generate", "stack"],
      level: "warning",
      message: ["Stack ", 4, " failed: ", "engine exit 1"],
      rawMessage: "",
      timestamp: 10_500,
      properties: { source: "worker-2" },
    },
    10_000,
    "main",
  );
  assertEquals(
    line,
    "0:00:00.500000 worker-2 generate.stack WARNING Stack 4 failed: engine exit 1\n",
  );
});

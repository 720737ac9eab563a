import { assertEquals } from "../testing/mod.ts";
import { etsCommand } from "./invocation.ts";

const flags = ["--allow-read=/data", "--allow-run=/usr/bin/deno"];

Deno.test("etsCommand: the packed launcher runs itself", () => {
  assertEquals(
    etsCommand({
      launcher: "/home/u/bin/ets.run",
      compiled: false,
      execPath: "/home/u/.cache/ets/x/deno",
      mainModule: "file:///home/u/.cache/ets/x/app/main.ts",
    }, flags),
    ["/home/u/bin/ets.run"],
  );
});

Deno.test("etsCommand: a compiled binary runs itself, flags baked in", () => {
  assertEquals(
    etsCommand({
      compiled: true,
      execPath: "/opt/ets",
      mainModule: "file:///tmp/deno-compile-ets/main.ts",
    }, flags),
    ["/opt/ets"],
  );
});

Deno.test("etsCommand: from source, Deno runs main.ts with the given flags", () => {
  assertEquals(
    etsCommand({
      launcher: "",
      compiled: false,
      execPath: "/usr/bin/deno",
      mainModule: "file:///src/my%20ets/main.ts",
    }, flags),
    [
      "/usr/bin/deno",
      "run",
      "--quiet",
      "--no-prompt",
      "--frozen",
      "--cached-only",
      "--no-remote",
      "--node-modules-dir=manual",
      "--unstable-worker-options",
      ...flags,
      "/src/my ets/main.ts",
    ],
  );
});

import { assertEquals, assertThrows } from "../testing/mod.ts";
import { EtsError, exitCodeFor, inputError, LocatedInputError } from "../errors/mod.ts";
import { fromWireError, toWireError } from "./confined_protocol.ts";
import {
  checkDenials,
  grantFlags,
  type Grants,
  splitGrantFlags,
  workerPermissions,
} from "./grants.ts";

const grants: Grants = {
  read: ["/data/in", "/srv/ets"],
  write: ["/scratch/root"],
  run: [],
  net: ["127.0.0.1", "localhost"],
  env: ["HOME", "PATH"],
};

Deno.test("grants: the flags a child gets before its subcommand read back as the same grants", () => {
  const flags = grantFlags(grants);
  assertEquals(flags, [
    "--allow-read=/data/in,/srv/ets",
    "--allow-write=/scratch/root",
    "--allow-net=127.0.0.1,localhost",
    "--allow-env=HOME,PATH",
  ]);
  const split = splitGrantFlags([...flags, "--deny-read=/x", "tem-simulator", "--allow-dir", "a"]);
  assertEquals(split, {
    grants,
    deny: ["--deny-read=/x"],
    args: ["tem-simulator", "--allow-dir", "a"],
  });
  assertEquals(splitGrantFlags(["generate", "--allow-dir", "/x"]), undefined);
});

Deno.test("grants: an unscoped or unknown flag before the subcommand is an input error", () => {
  for (const flag of ["--allow-read", "--allow-all", "--allow-ffi=/lib/x.so", "--allow-sys=x"]) {
    const error = assertThrows(() => splitGrantFlags(["--allow-env=HOME", flag, "version"]));
    assertEquals((error as EtsError).kind, "input", flag);
  }
  assertThrows(() => grantFlags({ ...grants, read: ["/a,b"] }), RangeError);
});

Deno.test("grants: the worker descriptor grants exactly the lists, no sys, ffi or import", () => {
  assertEquals(workerPermissions(grants), {
    read: ["/data/in", "/srv/ets"],
    write: ["/scratch/root"],
    run: [],
    net: ["127.0.0.1", "localhost"],
    env: ["HOME", "PATH"],
    sys: false,
    ffi: false,
    import: false,
  });
});

Deno.test("grants: denials a worker cannot express are refused, others kept", () => {
  checkDenials(grants, ["--deny-read=/etc", "--deny-run", "--deny-sys", "--deny-write=/data"]);
  for (
    const flag of [
      "--deny-read=/data/in/private",
      "--deny-read=/srv",
      "--deny-net",
      "--deny-env=HOME",
    ]
  ) {
    const error = assertThrows(() => checkDenials(grants, [flag]));
    assertEquals(exitCodeFor(error), 2, flag);
  }
});

Deno.test("confined protocol: an error crosses with its fields, printed line and exit code", () => {
  const located = new LocatedInputError({ fileName: "sim.txt", line: 3, key: "ntilts" }, "bad");
  const back = fromWireError(structuredClone(toWireError(located))) as EtsError;
  assertEquals(back.oneLine, located.oneLine);
  assertEquals([back.kind, back.file, back.line, back.key], ["input", "sim.txt", 3, "ntilts"]);
  assertEquals(exitCodeFor(back), 2);
  const keyed = inputError("Cannot use it", { file: "c.yaml", key: "root" });
  assertEquals((fromWireError(toWireError(keyed)) as EtsError).oneLine, keyed.oneLine);
  const stopped = new EtsError("Interrupted", { kind: "interrupted", signal: "SIGTERM" });
  assertEquals(exitCodeFor(fromWireError(toWireError(stopped))), 143);
  const plain = fromWireError(toWireError(new TypeError("x is undefined")));
  assertEquals([plain.name, plain.message, exitCodeFor(plain)], ["TypeError", "x is undefined", 1]);
});

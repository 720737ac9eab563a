import { assert, assertEquals, assertStringIncludes, assertThrows } from "../testing/mod.ts";
import { launcherHeader } from "./launcher.ts";

const hash = "ab".repeat(32);

Deno.test("the header's offset points just past itself", () => {
  const header = launcherHeader({
    version: "1.2.3",
    hash,
    flags: ["--allow-read"],
  });
  const offset = Number(/^ets_offset=(\d+)$/m.exec(header)?.[1]);
  assertEquals(offset, new TextEncoder().encode(header).length + 1);
  assertStringIncludes(header, `ets_key=ets-1.2.3-${hash.slice(0, 16)}`);
  assertStringIncludes(header, "ets_perm='--allow-read\n'");
  assert(header.startsWith("#!/bin/sh\n"));
  assert(header.endsWith("exit 2\n"));
});

Deno.test("the header refuses a hash that is not SHA-256 hex", () => {
  assertThrows(
    () => launcherHeader({ version: "1", hash: "xyz", flags: [] }),
    RangeError,
  );
});

Deno.test({
  name: "the header is valid POSIX sh (sh -n)",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const header = launcherHeader({
      version: "0.1.0",
      hash,
      flags: ["--allow-net=127.0.0.1,localhost", "--it's", "--v8-flags=a b"],
    });
    const child = new Deno.Command("sh", {
      args: ["-n"],
      stdin: "piped",
      stderr: "piped",
    })
      .spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(header));
    await writer.close();
    const out = await child.output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  },
});

Deno.test("the header runs offline and passes the site's deny flags on", () => {
  const header = launcherHeader({
    version: "1",
    hash,
    flags: ["--allow-read", "--v8-flags=x"],
  });
  assertStringIncludes(
    header,
    "--frozen --cached-only --no-remote --node-modules-dir=manual",
  );
  assertStringIncludes(header, "DENO_NO_UPDATE_CHECK=1");
  assertStringIncludes(header, "ets_runtime='--v8-flags=x\n'");
  assertStringIncludes(
    header,
    'for ets_f in "$ets_self.flags" /etc/ets/launcher.flags; do',
  );
  assertStringIncludes(header, "export ETS_SITE_DENY");
});

import { assert, assertEquals, assertThrows } from "../testing/mod.ts";
import { loadConfig } from "../config/mod.ts";
import { EtsError } from "../errors/mod.ts";
import { checkRoot, childPermissionFlags, permissionFlags, permissionPlan } from "./permissions.ts";

Deno.test("permission plan: write on the root and the temp folder only, loopback net", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    const config = await loadConfig(undefined, { root: `${dir}/run` });
    const plan = permissionPlan(config, { execPath: "/opt/deno", tempDir: `${dir}/tmp` });
    assertEquals(plan.write, [`${dir}/run`, `${dir}/tmp`]);
    assertEquals(plan.net, ["127.0.0.1", "localhost"]);
    assertEquals(plan.run, ["/opt/deno"]);
    assert(!plan.read.includes("/") && plan.read.includes(`${dir}/run`), plan.read.join(","));
    const flags = permissionFlags(plan);
    assert(flags.every((flag) => flag.includes("=")), "every grant is scoped");
    const children = childPermissionFlags(config, plan);
    assert(!children.engine.some((flag) => flag.startsWith("--allow-run")), "engine: no run");
    assert(!children.engine.some((flag) => flag.startsWith("--allow-net")), "engine: no net");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkRoot: system folders and / are refused, project folders pass", async () => {
  for (const root of ["/", "/etc/x", "/usr/local/run", "/var/lib/ets", "/proc/1"]) {
    const config = await loadConfig(undefined, { root });
    const error = assertThrows(() => checkRoot(config), EtsError);
    assertEquals(error.kind, "input");
  }
  for (const root of ["/tmp/run", "/home/u/run", "/scratch/run", "/var/tmp/run", "/etcetera"]) {
    checkRoot(await loadConfig(undefined, { root }));
  }
});

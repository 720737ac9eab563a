/**
 * HPC: `module load` sets LD_LIBRARY_PATH, and Deno refuses to spawn with a scoped --allow-run
 * while any LD_* / DYLD_* variable is set. These tests pin Deno's rule, check the child
 * environment helper (lib/platform/child_env.ts) under scoped and unscoped --allow-run, and run
 * `ets generate` (embedded engine + Chimera server children) with LD_LIBRARY_PATH set and the
 * scoped flags derived from its config.
 */
import { loadConfig } from "../lib/config/mod.ts";
import { permissionFlags, permissionPlan } from "../lib/generate/mod.ts";
import { assertEquals, assertStringIncludes } from "../lib/testing/mod.ts";
import { REPO, writeProject } from "./generate_test_helpers.ts";

const decoder = new TextDecoder();
const MODULE_LIB = "/opt/ets-test-module/lib";

/** A probe that spawns our own binary and /usr/bin/env three ways and prints what happened. */
const PROBE = `
import { childEnv } from "${new URL("../lib/platform/child_env.ts", import.meta.url).href}";
const exec = Deno.execPath();
const show = "console.log(JSON.stringify([Deno.env.get('LD_LIBRARY_PATH') ?? null, " +
  "Deno.env.get('ETS_SAVED_LD_LIBRARY_PATH') ?? null]))";
async function attempt(command, args, env) {
  try {
    const out = await new Deno.Command(command, { args, env, stderr: "null" }).output();
    return { ok: true, stdout: new TextDecoder().decode(out.stdout).trim() };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
}
const lines = (text) => text.split("\\n").filter((l) => /^(LD_LIBRARY_PATH|ETS_SAVED_LD_LIBRARY_PATH)=/.test(l)).sort();
const bare = await attempt(exec, ["eval", show]);
const ets = await attempt(exec, ["eval", show], childEnv("ets"));
const external = await attempt("/usr/bin/env", [], childEnv("external"));
console.log(JSON.stringify({
  bare: bare.ok ? JSON.parse(bare.stdout) : bare.error,
  ets: ets.ok ? JSON.parse(ets.stdout) : ets.error,
  external: external.ok ? lines(external.stdout) : external.error,
}));
`;

async function probe(runFlag: string, env: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "ets-ld-" });
  try {
    await Deno.writeTextFile(`${dir}/probe.js`, PROBE);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-prompt", runFlag, "--allow-env", `${dir}/probe.js`],
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? dir,
        ...env,
      },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, decoder.decode(out.stderr));
    return JSON.parse(decoder.decode(out.stdout)) as {
      bare: unknown;
      ets: unknown;
      external: unknown;
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "LD_LIBRARY_PATH: scoped --allow-run refuses a plain spawn; childEnv makes it work",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const result = await probe(`--allow-run=${Deno.execPath()},/usr/bin/env`, {
      LD_LIBRARY_PATH: MODULE_LIB,
    });
    // Deno's rule (2.9): any non-empty LD_* in the child's environment needs unscoped --allow-run
    assertStringIncludes(String(result.bare), "NotCapable");
    assertStringIncludes(String(result.bare), "LD_LIBRARY_PATH");
    // our own binary: loader path blanked, the value kept for descendants
    assertEquals(result.ets, ["", MODULE_LIB]);
    // a real external program cannot get it back under a scoped --allow-run: blanked, and
    // saved as ETS_SAVED_LD_LIBRARY_PATH for a wrapper script to restore
    assertEquals(result.external, ["ETS_SAVED_LD_LIBRARY_PATH=" + MODULE_LIB, "LD_LIBRARY_PATH="]);
  },
});

Deno.test({
  name: "LD_LIBRARY_PATH: unscoped --allow-run (pack, compile) gives it back to external programs",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const result = await probe("--allow-run", { LD_LIBRARY_PATH: MODULE_LIB });
    assertEquals(result.bare, [MODULE_LIB, null]);
    assertEquals(result.ets, ["", MODULE_LIB]);
    assertEquals(result.external, [
      "ETS_SAVED_LD_LIBRARY_PATH=" + MODULE_LIB,
      "LD_LIBRARY_PATH=" + MODULE_LIB,
    ]);
    // as an ets child (blanked, value saved) passes it on to a real program
    const child = await probe("--allow-run", {
      LD_LIBRARY_PATH: "",
      ETS_SAVED_LD_LIBRARY_PATH: MODULE_LIB,
    });
    assertEquals(child.external, [
      "ETS_SAVED_LD_LIBRARY_PATH=" + MODULE_LIB,
      "LD_LIBRARY_PATH=" + MODULE_LIB,
    ]);
  },
});

Deno.test({
  name: "LD_LIBRARY_PATH: `ets generate` with scoped flags runs the engine and Chimera children",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "ets-ld-generate-" });
    try {
      const configPath = await writeProject(`${dir}/project`, {
        keys: { num_stacks: "2", num_cores: "1" },
        detector: 48,
        tilts: 2,
      });
      const config = await loadConfig(configPath);
      const flags = permissionFlags(permissionPlan(config, { execPath: Deno.execPath() }));
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--no-prompt",
          ...flags,
          `${REPO}/main.ts`,
          "generate",
          "-i",
          configPath,
          "--workers",
          "1",
          "--progress",
          "none",
        ],
        env: { LD_LIBRARY_PATH: MODULE_LIB },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = decoder.decode(out.stderr);
      assertEquals(out.code, 0, `${decoder.decode(out.stdout)}\n${stderr}`);
      const records = JSON.parse(await Deno.readTextFile(`${config.root}/sim_metadata.json`));
      assertEquals(records.map((r: { status: string }) => r.status), ["done", "done"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

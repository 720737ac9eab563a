/**
 * `deno task install-launcher BIN_DIR` end to end: the `ets` it installs runs with PATH=BIN_DIR alone
 * (no deno, no node, no other tool), another HOME and another working folder; a second install
 * replaces it in place.
 */
import { assertEquals, assertStringIncludes } from "../lib/testing/mod.ts";

const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();

async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; clearEnv?: boolean } = {},
) {
  const out = await new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test({
  name: "install-launcher: `ets version` and a dry run from BIN_DIR with a minimal PATH",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "ets-install-" });
    try {
      const bin = `${dir}/bin`;
      const install = () =>
        run(Deno.execPath(), ["run", "-A", "--quiet", `${REPO}/scripts/install_launcher.ts`, bin]);
      const first = await install();
      assertEquals(first.code, 0, first.stderr);
      assertStringIncludes(first.stdout, `installed ${bin}/ets (ets `);

      await Deno.mkdir(`${dir}/home`);
      await Deno.mkdir(`${dir}/work`);
      const env = { PATH: bin, HOME: `${dir}/home` };
      const options = { cwd: `${dir}/work`, env, clearEnv: true };
      const probe = await run(
        "/bin/sh",
        ["-c", "command -v deno || command -v node || echo none"],
        options,
      );
      assertEquals(probe.stdout.trim(), "none");

      const version = await run("/bin/sh", ["-c", "ets version"], options);
      assertEquals(version.code, 0, version.stderr);
      assertStringIncludes(version.stdout, "ets ");
      assertStringIncludes(version.stdout, `deno ${Deno.version.deno}`);
      assertEquals(version.stderr, "");

      const plan = await run("/bin/sh", ["-c", "ets generate --dry-run --root ./demo"], options);
      assertEquals(plan.code, 0, plan.stderr);
      // a dry run writes nothing
      assertEquals([...Deno.readDirSync(`${dir}/work`)], []);

      // installing again replaces the launcher atomically, leaving nothing else in BIN_DIR
      const second = await install();
      assertEquals(second.code, 0, second.stderr);
      assertEquals([...Deno.readDirSync(bin)].map((e) => e.name), ["ets"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

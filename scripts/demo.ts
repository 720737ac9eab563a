/**
 * `deno task demo`: runs `ets generate` (on the embedded defaults unless `-i` is given). It starts
 * `main.ts generate ARGS`, which checks the config and then re-runs itself under the grants the
 * config implies (lib/generate/scoped_generate.ts, PERMISSIONS.md): the same scoped grants as
 * every other way of starting ets. Nothing is created before the config is checked. Without
 * arguments it passes `--resume`, so running the demo again finishes or keeps the earlier run in
 * ./ets_demo. Exits with generate's code.
 *
 * Run: deno task demo [-- generate options]
 *
 * @module
 */
import { ETS_CHILD_ENV, OFFLINE_MODULE_FLAGS } from "../lib/platform/mod.ts";

async function main(): Promise<number> {
  const args = Deno.args.length === 0 ? ["--resume"] : [...Deno.args];
  const main = new URL("../main.ts", import.meta.url).pathname;
  // The bootstrap reads the config and re-runs generate scoped; it needs no more than that.
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...OFFLINE_MODULE_FLAGS,
      "-A",
      main,
      "generate",
      ...args,
    ],
    env: { ...ETS_CHILD_ENV },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // Ctrl-C reaches the child from the terminal: do not die before it. SIGTERM and SIGHUP are
  // passed on.
  Deno.addSignalListener("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    Deno.addSignalListener(signal, () => {
      try {
        child.kill(signal);
      } catch {
        // already exited
      }
    });
  }
  const status = await child.status;
  return status.signal === null ? status.code : status.signal === "SIGINT" ? 130 : 143;
}

if (import.meta.main) Deno.exit(await main());

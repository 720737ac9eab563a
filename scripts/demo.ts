/**
 * `deno task demo`: runs `ets generate` (on the embedded defaults unless `-i` is given) with
 * permission flags derived from the config instead of -A: read on the inputs and the root, write
 * on the root, run on the configured programs and our own binary, net on 127.0.0.1/localhost,
 * a few environment variables (lib/generate/permissions.ts, PERMISSIONS.md). It re-executes
 * `deno run <flags> main.ts generate ARGS` and exits with its code. Without arguments it passes
 * `--resume`, so running the demo again finishes or keeps the earlier run in ./ets_demo.
 *
 * Run: deno task demo [-- generate options]   (this script itself runs with -A to read the
 * config and compute the flags)
 *
 * @module
 */
import { loadConfig } from "../lib/config/mod.ts";
import { EtsError } from "../lib/errors/mod.ts";
import { permissionFlags, permissionPlan } from "../lib/generate/mod.ts";

/** The value of an option (`-i X`, `--input=X`) in `args`. */
function optionValue(args: string[], names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    for (const name of names) {
      if (arg === name) return args[i + 1];
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    }
  }
  return undefined;
}

async function main(): Promise<number> {
  const args = Deno.args.length === 0 ? ["--resume"] : [...Deno.args];
  let config;
  try {
    config = await loadConfig(optionValue(args, ["-i", "--input"]), {
      root: optionValue(args, ["--root"]),
    });
  } catch (error) {
    console.error(`ets: ${error instanceof EtsError ? error.oneLine : String(error)}`);
    return 2;
  }
  await Deno.mkdir(config.root, { recursive: true });
  const flags = [
    ...permissionFlags(permissionPlan(config, { execPath: Deno.execPath() })),
    "--unstable-worker-options",
  ];
  const main = new URL("../main.ts", import.meta.url).pathname;
  console.error(`deno run ${flags.join(" ")} main.ts generate ${args.join(" ")}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", ...flags, main, "generate", ...args],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // Ctrl-C reaches the child from the terminal: do not die before it. SIGTERM is forwarded.
  Deno.addSignalListener("SIGINT", () => {});
  Deno.addSignalListener("SIGTERM", () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
  });
  const status = await child.status;
  return status.signal === null ? status.code : status.signal === "SIGTERM" ? 143 : 130;
}

if (import.meta.main) Deno.exit(await main());

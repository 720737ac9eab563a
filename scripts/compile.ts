/**
 * `deno task compile [OUTPUT]`: builds `dist/ets` (default) with `deno compile`: the app, its
 * worker entry files and templates embedded (`--include workers --include templates`), the
 * permission and runtime flags baked in (lib/pack/compile_args.ts, lib/pack/flags.ts).
 * `deno compile` needs Deno's `denort` runtime for the target: it downloads it (network), takes
 * it from its cache, or from `DENORT_BIN` (a path to a `denort` binary of this same Deno
 * version). Without any of these it fails with one line saying so; `deno task
 * pack` builds an offline one-file `ets` instead.
 *
 * Grants: the binary carries the bootstrap grants and `--unstable-worker-options` baked in
 * (lib/pack/flags.ts) and cannot re-run itself under other flags, so its generate checks the
 * config, root and engine-template files as every other start does and then runs its body in a
 * Web Worker holding exactly the scoped grants of the permission plan; its engine and Chimera
 * children (the binary itself) get their grants as flags before the subcommand and confine their
 * body the same way (lib/platform/confined_run.ts; lib/generate/PERMISSIONS.md, "The compiled
 * binary"). The worker entry files are embedded with `--include workers`.
 *
 * @module
 */
import { compileArgs, denortProblem } from "../lib/pack/mod.ts";

const appRoot = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

async function main(): Promise<number> {
  const output = Deno.args[0] ?? `${appRoot}/dist/ets`;
  const version = Deno.version.deno;
  const target = `${Deno.build.target}`;
  const hint = `set DENORT_BIN to a denort ${version} binary (from denort-${target}.zip of the ` +
    `Deno ${version} release), or use "deno task pack" for an offline one-file build`;
  const denortBin = Deno.env.get("DENORT_BIN");
  if (denortBin !== undefined && denortBin !== "") {
    let ok = false;
    try {
      ok = (await Deno.stat(denortBin)).isFile;
    } catch {
      ok = false;
    }
    if (!ok) {
      console.error(`compile: Cannot build "${output}": DENORT_BIN "${denortBin}" is not a file`);
      return 2;
    }
  }
  await Deno.mkdir(output.slice(0, output.lastIndexOf("/")) || ".", { recursive: true });
  const started = performance.now();
  const result = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(output, appRoot),
    cwd: appRoot,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  if (!result.success) {
    const problem = denortProblem(stderr);
    if (problem !== undefined) {
      console.error(
        `compile: Cannot build "${output}": deno compile needs Deno's runtime "denort" ${version} ` +
          `for ${target}, which could not be had (${problem}); ${hint}`,
      );
      return 2;
    }
    console.error(stderr.trimEnd());
    console.error(`compile: Cannot build "${output}": deno compile exited ${result.code}`);
    return 1;
  }
  // the binary must run as ets (a DENORT_BIN that is the full deno CLI builds a binary that
  // ignores the app)
  const check = await new Deno.Command(output, {
    args: ["version"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output().catch((error) => ({ success: false, stdout: new Uint8Array(), error }));
  const printed = new TextDecoder().decode(check.stdout);
  if (!check.success || !printed.startsWith("ets ")) {
    await Deno.remove(output).catch(() => {});
    console.error(
      `compile: Cannot build "${output}": the built binary does not run as ets (is DENORT_BIN a ` +
        `denort ${version} binary, not the deno CLI?)`,
    );
    return 1;
  }
  const size = (await Deno.stat(output)).size;
  console.log(
    `compiled ${output}: ${(size / 1e6).toFixed(1)} MB, deno ${version} (${target}), ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main());

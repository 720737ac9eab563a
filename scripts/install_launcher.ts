/**
 * `deno task install-launcher [BIN_DIR]`: puts an `ets` command in BIN_DIR (default
 * `~/.local/bin`), so `ets …` works as the README writes it, without `deno` on PATH.
 *
 * The command is a small POSIX sh launcher that runs this repository's `main.ts` from source with
 * the Deno runtime this task runs on, copied (hard-linked when possible) into the repository's
 * `.cache/runtime/` (the `npx` cache it came from may be cleaned), the same Deno flags and
 * permission grants as the packed one-file launcher (lib/pack), and the module cache pinned to
 * the one filled here — so it works from any folder, with any PATH, offline. Edits to the source
 * take effect at once; after moving the repository, run the task again. Atomic: the launcher is
 * written to a temp file and renamed, and checked (`ets version` with a PATH of only BIN_DIR and
 * /usr/bin:/bin) before this task reports success.
 *
 * Needs --allow-all in practice (runs deno install, copies the runtime, writes BIN_DIR).
 *
 * @module
 */
import { APP_PERMISSION_FLAGS, APP_RUNTIME_FLAGS } from "../lib/pack/mod.ts";
import { tempPathFor } from "../lib/platform/mod.ts";

const appRoot = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();

/** Module-loading flags as the packed launcher passes them: lock as is, nothing fetched. */
const OFFLINE_FLAGS = ["--frozen", "--cached-only", "--node-modules-dir=manual"];

/** Single-quotes `text` for POSIX sh. Pure. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** What the launcher needs to know. */
export interface LauncherPaths {
  /** Where the launcher itself is installed (absolute). */
  launcher: string;
  /** The Deno runtime it runs (absolute). */
  deno: string;
  /** Deno's module cache (DENO_DIR) holding the app's dependencies. */
  denoDir: string;
  /** The app's entry (absolute path of main.ts). */
  main: string;
}

/** The launcher script's text. Pure. */
export function launcherScript(paths: LauncherPaths): string {
  const flags = [
    "run",
    "--quiet",
    "--no-prompt",
    ...OFFLINE_FLAGS,
    ...APP_PERMISSION_FLAGS,
    ...APP_RUNTIME_FLAGS,
  ];
  return [
    "#!/bin/sh",
    "# ets — written by `deno task install-launcher` (scripts/install_launcher.ts); runs the",
    `# repository ${
      paths.main.replace(/\/main\.ts$/, "")
    } from source. Re-run the task after moving it.`,
    `DENO_DIR=\${ETS_DENO_DIR:-${shellQuote(paths.denoDir)}}`,
    "export DENO_DIR",
    "DENO_NO_UPDATE_CHECK=1",
    "export DENO_NO_UPDATE_CHECK",
    "DENO_NO_PROMPT=1",
    "export DENO_NO_PROMPT",
    `ETS_LAUNCHER=${shellQuote(paths.launcher)}`,
    "export ETS_LAUNCHER",
    `exec ${shellQuote(paths.deno)} ${flags.map(shellQuote).join(" ")} ${
      shellQuote(paths.main)
    } "$@"`,
    "",
  ].join("\n");
}

async function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: appRoot,
    env: { DENO_NO_UPDATE_CHECK: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const why = decoder.decode(out.stderr).trim().split("\n").at(-1) ?? "";
    throw new Error(`"deno ${args.join(" ")}" failed: ${why}`);
  }
  return decoder.decode(out.stdout);
}

/** Copies (or hard-links) this Deno runtime into the repository's cache; returns its path. */
async function installRuntime(): Promise<string> {
  const dir = `${appRoot}/.cache/runtime`;
  const target = `${dir}/deno-${Deno.version.deno}`;
  const source = Deno.execPath();
  const [have, want] = await Promise.all([
    Deno.stat(target).catch(() => undefined),
    Deno.stat(source),
  ]);
  if (have?.isFile && have.size === want.size) return target;
  await Deno.mkdir(dir, { recursive: true });
  const temp = `${target}.${Deno.pid}.tmp`;
  try {
    await Deno.link(source, temp).catch(() => Deno.copyFile(source, temp));
    await Deno.chmod(temp, 0o755);
    await Deno.rename(temp, target);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  return target;
}

async function main(): Promise<number> {
  const home = Deno.env.get("HOME") ?? "";
  const given = Deno.args[0] ?? (home ? `${home}/.local/bin` : "");
  if (given === "" || given.startsWith("-")) {
    console.error("install-launcher: Cannot install: usage: deno task install-launcher [BIN_DIR]");
    return 2;
  }
  const binDir = given.startsWith("/") ? given : `${Deno.cwd()}/${given}`;
  try {
    // the app's npm packages in node_modules and every module in the cache, so the launcher
    // can run with --cached-only
    await run(["install", "--frozen", "--quiet"]);
    await run([
      "install",
      "--frozen",
      "--quiet",
      "--entrypoint",
      "main.ts",
      "workers/generate_worker.ts",
      "workers/tem_tilt_worker.ts",
    ]);
    const info = JSON.parse(await run(["info", "--json"]));
    const denoDir = String(info.denoDir ?? "");
    if (denoDir === "") throw new Error("deno info printed no denoDir");
    const deno = await installRuntime();
    await Deno.mkdir(binDir, { recursive: true });
    const launcher = `${binDir.replace(/\/+$/, "")}/ets`;
    const temp = tempPathFor(launcher);
    try {
      const text = launcherScript({ launcher, deno, denoDir, main: `${appRoot}/main.ts` });
      await Deno.writeTextFile(temp, text, { createNew: true, mode: 0o755 });
      await Deno.chmod(temp, 0o755); // whatever the umask
      await Deno.rename(temp, launcher);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
    // check: it runs with a PATH that has neither deno nor node
    const check = await new Deno.Command(launcher, {
      args: ["version"],
      env: { PATH: `${binDir}:/usr/bin:/bin` },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const printed = decoder.decode(check.stdout);
    if (!check.success || !printed.startsWith("ets ")) {
      const why = decoder.decode(check.stderr).trim().split("\n").at(-1) ?? "";
      throw new Error(`the installed launcher does not run: ${why}`);
    }
    console.log(`installed ${launcher} (${printed.split("\n")[0]})`);
    const onPath = (Deno.env.get("PATH") ?? "").split(":").some((d) =>
      d.replace(/\/+$/, "") === binDir.replace(/\/+$/, "")
    );
    if (!onPath) {
      console.log(`${binDir} is not on PATH: add it, e.g. export PATH="${binDir}:$PATH"`);
    }
    return 0;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    console.error(`install-launcher: Cannot install into "${binDir}": ${why}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main());

/**
 * How this program starts another copy of itself (`ets chimera-server`, `ets tem-simulator`).
 *
 * @module
 */

/** A program and its leading arguments. */
export interface Invocation {
  /** The executable to spawn. */
  command: string;
  /** Arguments that come before the subcommand's own. */
  args: string[];
}

/**
 * True when running as a `deno compile` binary, whose modules live in a virtual `deno-compile-*`
 * folder (told from this module's own URL: `Deno.mainModule` is undefined in a worker). Needs no
 * permissions.
 */
export function isCompiledBinary(): boolean {
  return import.meta.url.includes("/deno-compile-");
}

/** The app's entry `main.ts` (this module's neighbour, also from a worker). */
const APP_MAIN_URL = new URL("../../main.ts", import.meta.url);

/** The app's entry as `deno run` takes it: a path for a `file:` URL. Needs no permissions. */
export function appMainPath(): string {
  return APP_MAIN_URL.protocol === "file:"
    ? decodeURIComponent(APP_MAIN_URL.pathname)
    : APP_MAIN_URL.href;
}

/**
 * Internal, for tests: `ETS_CONFINE=worker` makes a source run confine its commands in Web
 * Workers as the compiled binary must (lib/platform/confined_run.ts), instead of re-running
 * under scoped flags; its `ets` children then start as the compiled binary's do.
 */
export const CONFINE_VARIABLE = "ETS_CONFINE";

/**
 * The grants the compiled binary carries baked in (lib/pack/flags.ts) and the packed launcher
 * passes by default: broad, since neither build knows where it will live and work; every command
 * that touches a config's files narrows them (a scoped re-run, or a confined worker).
 */
export const BOOTSTRAP_PERMISSION_FLAGS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-run",
  "--allow-net=127.0.0.1,localhost",
];

/**
 * Whether scoped commands run in a confined worker rather than a scoped re-run: always in a
 * compiled binary, and from source when {@linkcode CONFINE_VARIABLE} is `worker` (tests). Needs
 * no permissions (reads the variable when allowed).
 */
export function confinesInWorker(): boolean {
  if (isCompiledBinary()) return true;
  try {
    return Deno.permissions.querySync({ name: "env", variable: CONFINE_VARIABLE }).state ===
        "granted" && Deno.env.get(CONFINE_VARIABLE) === "worker";
  } catch {
    return false;
  }
}

/**
 * Deno flags of the imaging engine (`ets tem-simulator`), as in its documented invocation: no V8
 * code cache (its memory-mapped database), a 1 MB young generation (V8 grows it to 16 MB
 * semi-spaces under the engine's short-lived numbers) and V8's size-over-speed heuristics. About
 * 20 MB less peak memory on a 576² grid at no cost in time (scripts/bench/tem_simulator.ts).
 */
const ENGINE_FLAGS = [
  "--no-code-cache",
  "--v8-flags=--max-semi-space-size=1,--optimize-for-size",
];

/**
 * The engine's flags when it is told to use one thread (`--threads 1`, as `ets generate` does when
 * it runs one stack per CPU): V8 single-threaded too, so its garbage collector and compiler do not
 * take the core a parallel stack runs on (2 engines side by side: +2 % wall each instead of +11 %).
 */
const ENGINE_SINGLE_THREAD_FLAGS = [
  "--no-code-cache",
  "--v8-flags=--max-semi-space-size=1,--optimize-for-size,--single-threaded",
];

/**
 * Module-loading flags of every `ets` child run from source or the packed launcher: the lock file
 * as is, nothing fetched (the module cache and `node_modules` only, never the npm registry or
 * any other network). A compiled binary embeds its modules and takes no flags.
 */
export const OFFLINE_MODULE_FLAGS: readonly string[] = [
  "--frozen",
  "--cached-only",
  "--no-remote",
  "--node-modules-dir=manual",
];

function singleThreaded(subcommand: string[]): boolean {
  const i = subcommand.indexOf("--threads");
  return i >= 0 && subcommand[i + 1] === "1";
}

/**
 * The invocation that runs `ets <subcommand>` in a new process under `permissionFlags` (e.g.
 * `--allow-read=/data`, as lib/platform grantFlags writes them). From source or the packed
 * launcher: `deno run` with these flags and {@linkcode OFFLINE_MODULE_FLAGS} (`tem-simulator`
 * also gets the engine's memory flags). A compiled binary carries its flags baked in: the flags
 * go before the subcommand (`ets --allow-read=… tem-simulator …`), and the child runs the
 * subcommand in a worker holding only them (lib/platform/confined_run.ts); under
 * {@linkcode CONFINE_VARIABLE} a source run starts its children that way too, with the bootstrap
 * grants. Needs `--allow-read` for `Deno.execPath()`.
 */
export function selfInvocation(
  subcommand: string[],
  permissionFlags: string[] = [],
): Invocation {
  const exec = Deno.execPath();
  if (isCompiledBinary()) return { command: exec, args: [...permissionFlags, ...subcommand] };
  const engine = subcommand[0] !== "tem-simulator"
    ? []
    : singleThreaded(subcommand)
    ? ENGINE_SINGLE_THREAD_FLAGS
    : ENGINE_FLAGS;
  const asCompiled = permissionFlags.length > 0 && confinesInWorker();
  const deno = asCompiled
    ? [...engine, ...BOOTSTRAP_PERMISSION_FLAGS, "--unstable-worker-options", appMainPath()]
    : [...engine, ...permissionFlags, appMainPath()];
  return {
    command: exec,
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...OFFLINE_MODULE_FLAGS,
      ...deno,
      ...(asCompiled ? permissionFlags : []),
      ...subcommand,
    ],
  };
}

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
 * True when running as a `deno compile` binary, whose main module lives in a virtual
 * `deno-compile-*` folder. Needs no permissions.
 */
export function isCompiledBinary(): boolean {
  return Deno.mainModule.includes("/deno-compile-");
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
 * The invocation that runs `ets <subcommand>` in a new process, with `permissionFlags`
 * (e.g. `--allow-read=/data`) and {@linkcode OFFLINE_MODULE_FLAGS} when running from source or
 * the packed launcher; `tem-simulator` also gets
 * the engine's memory flags. A compiled binary carries its flags baked in, so they are not
 * repeated. Needs `--allow-read` for `Deno.execPath()`.
 */
export function selfInvocation(
  subcommand: string[],
  permissionFlags: string[] = [],
): Invocation {
  const exec = Deno.execPath();
  if (isCompiledBinary()) return { command: exec, args: [...subcommand] };
  const engine = subcommand[0] !== "tem-simulator"
    ? []
    : singleThreaded(subcommand)
    ? ENGINE_SINGLE_THREAD_FLAGS
    : ENGINE_FLAGS;
  return {
    command: exec,
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...OFFLINE_MODULE_FLAGS,
      ...engine,
      ...permissionFlags,
      Deno.mainModule,
      ...subcommand,
    ],
  };
}

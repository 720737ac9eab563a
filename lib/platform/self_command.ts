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
 * The invocation that runs `ets <subcommand>` in a new process, with `permissionFlags`
 * (e.g. `--allow-read=/data`) when running from source or a bundle. A compiled binary
 * carries its flags baked in, so they are not repeated.
 * Needs `--allow-read` for `Deno.execPath()`.
 */
export function selfInvocation(subcommand: string[], permissionFlags: string[] = []): Invocation {
  const exec = Deno.execPath();
  if (isCompiledBinary()) return { command: exec, args: [...subcommand] };
  return {
    command: exec,
    args: ["run", "--quiet", "--no-prompt", ...permissionFlags, Deno.mainModule, ...subcommand],
  };
}

/**
 * How a batch script runs this same `ets`: the packed launcher file, the compiled binary, or
 * Deno with `main.ts` — whichever this process is.
 *
 * @module
 */
import { isCompiledBinary, OFFLINE_MODULE_FLAGS } from "../platform/mod.ts";

/** What this process is, as far as starting it again goes. */
export interface RunningAs {
  /** `ETS_LAUNCHER` (set by the packed launcher to its own absolute path), if any. */
  launcher?: string;
  /** Whether this is a `deno compile` binary. */
  compiled: boolean;
  /** `Deno.execPath()`. */
  execPath: string;
  /** `Deno.mainModule`. */
  mainModule: string;
}

/**
 * The command (program + leading arguments) that runs `ets`: the launcher when packed, the
 * binary when compiled, else `deno run --quiet --no-prompt` with the offline module flags,
 * `--unstable-worker-options` and FLAGS, then `/abs/main.ts`.
 * Pure; needs no permissions.
 */
export function etsCommand(running: RunningAs, permissionFlags: readonly string[]): string[] {
  if (running.launcher !== undefined && running.launcher !== "") return [running.launcher];
  if (running.compiled) return [running.execPath];
  const main = running.mainModule.startsWith("file://")
    ? decodeURIComponent(new URL(running.mainModule).pathname)
    : running.mainModule;
  return [
    running.execPath,
    "run",
    "--quiet",
    "--no-prompt",
    ...OFFLINE_MODULE_FLAGS,
    "--unstable-worker-options",
    ...permissionFlags,
    main,
  ];
}

/**
 * What this process is. Needs --allow-read for `Deno.execPath()`; reads `ETS_LAUNCHER` when
 * --allow-env permits (else treats it as unset).
 */
export function runningAs(): RunningAs {
  let launcher: string | undefined;
  try {
    launcher = Deno.env.get("ETS_LAUNCHER");
  } catch {
    launcher = undefined;
  }
  return {
    launcher,
    compiled: isCompiledBinary(),
    execPath: Deno.execPath(),
    mainModule: Deno.mainModule,
  };
}

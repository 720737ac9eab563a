/**
 * Running `ets` again under narrower grants: a process started with broad grants (`deno run -A`,
 * the packed launcher's bootstrap flags) re-runs a command as a child with only the grants the
 * command needs, waits for it and exits with its code. Also the site's deny flags (the packed
 * launcher's admin file) that every such child keeps.
 *
 * @module
 */
import { onCleanup } from "./cleanup.ts";
import { ETS_CHILD_ENV } from "./child_env.ts";
import { appMainPath, OFFLINE_MODULE_FLAGS } from "./self_command.ts";
import { holdExitUntil, type ShutdownReason, shutdownSignal } from "./signals.ts";

/** The environment variable carrying the site's deny flags (one per line). */
export const SITE_DENY_VARIABLE = "ETS_SITE_DENY";

/** The deny flags of `text` (one per line; anything but `--deny-NAME[=…]` is ignored). Pure. */
export function parseDenyFlags(text: string): string[] {
  return text.split("\n").map((line) => line.trim())
    .filter((line) => /^--deny-(read|write|net|env|sys|run|ffi|import)(=.*)?$/.test(line));
}

/**
 * The site's `--deny-*` flags (from `ETS_SITE_DENY`, set by the packed launcher from the
 * admin's flags file), passed on to every child so that no child gets what the site denies.
 * Needs no permissions (reads the variable when allowed).
 */
export function siteDenyFlags(): string[] {
  try {
    if (
      Deno.permissions.querySync({ name: "env", variable: SITE_DENY_VARIABLE })
        .state !== "granted"
    ) {
      return [];
    }
    return parseDenyFlags(Deno.env.get(SITE_DENY_VARIABLE) ?? "");
  } catch {
    return [];
  }
}

/**
 * True when this process holds unscoped read or write (`-A`, `--allow-read`, the launcher's
 * bootstrap grants): a command that should run scoped must re-run itself. Needs no permissions.
 */
export function hasBroadGrants(): boolean {
  return ["read", "write"].some((name) =>
    Deno.permissions.querySync({ name: name as "read" | "write" }).state ===
      "granted"
  );
}

/** The grants this process does not hold of `paths` (an admin's narrower launcher flags). */
export function missingGrants(
  name: "read" | "write" | "run",
  paths: readonly string[],
): string[] {
  return paths.filter((path) => {
    const descriptor: Deno.PermissionDescriptor = name === "run"
      ? { name, command: path }
      : { name, path };
    try {
      return Deno.permissions.querySync(descriptor).state !== "granted";
    } catch {
      return true;
    }
  });
}

/** The app's entry (`main.ts`) when run from source or the packed launcher. */
const APP_MAIN = new URL("../../main.ts", import.meta.url).href;

/**
 * Whether this process is the `ets` command itself (its main module is the app's `main.ts`), so
 * that re-running `Deno.args` runs the same command again; false when the CLI is used in-process
 * (tests, scripts). Needs no permissions.
 */
export function isEtsEntry(): boolean {
  return Deno.mainModule === APP_MAIN;
}

/** What {@linkcode runScoped} runs. */
export interface ScopedRun {
  /** Deno flags: permissions and runtime flags (module flags are added). */
  flags: string[];
  /** The `ets` arguments (subcommand first). */
  args: string[];
  /** Extra environment for the child. */
  env?: Record<string, string>;
}

/**
 * Runs `deno run FLAGS main.ts ARGS` (this runtime, this app) with stdin/stdout/stderr shared,
 * the site's deny flags and {@linkcode OFFLINE_MODULE_FLAGS} added; a shutdown signal of this
 * process is passed on and the exit waits for the child's own graceful stop. Resolves with the
 * child's exit code (130/143 when a signal killed it). Needs `--allow-run` on `Deno.execPath()`.
 */
export async function runScoped(run: ScopedRun): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...OFFLINE_MODULE_FLAGS,
      ...run.flags,
      ...siteDenyFlags(),
      appMainPath(),
      ...run.args,
    ],
    env: { ...ETS_CHILD_ENV, ...run.env },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const unregister = onCleanup(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
  });
  const forward = () => {
    const reason = shutdownSignal().reason as ShutdownReason | undefined;
    try {
      child.kill(reason?.received ?? reason?.signal ?? "SIGTERM");
    } catch {
      // already exited
    }
  };
  shutdownSignal().addEventListener("abort", forward, { once: true });
  holdExitUntil(child.status);
  try {
    const status = await child.status;
    if (status.signal !== null) return status.signal === "SIGINT" ? 130 : 143;
    return status.code;
  } finally {
    shutdownSignal().removeEventListener("abort", forward);
    unregister();
  }
}

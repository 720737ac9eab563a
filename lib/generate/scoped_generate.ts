/**
 * `ets generate` under the grants its config implies, however it was started: checked first
 * (the root; `loadConfig` checks the engine-template files), then, when this process holds broader grants (`deno run -A`,
 * the packed launcher), re-run as a child with exactly the scoped flags; a process that is
 * already scoped runs the command itself, handing its children their narrower flags.
 *
 * @module
 */
import type { GenerateConfig } from "../config/mod.ts";
import { inputError, runtimeError } from "../errors/mod.ts";
import {
  hasBroadGrants,
  isCompiledBinary,
  isEtsEntry,
  missingGrants,
  onCleanup,
  runScoped,
} from "../platform/mod.ts";
import {
  checkRoot,
  childPermissionFlags,
  permissionFlags,
  type PermissionPlan,
  permissionPlan,
} from "./permissions.ts";
import { clearStaleLocks } from "./lock.ts";

/** Options of {@linkcode prepareScopedGenerate}. */
export interface ScopedGenerateOptions {
  /** Folders granted with `--allow-dir`. */
  allowDirs: string[];
  /** Whether this is a dry run (no temp folder is made). */
  dryRun: boolean;
  /** The `ets` arguments to re-run with (default `Deno.args`). */
  args?: string[];
}

/** What to do: re-run scoped (and exit with `code`), or run here with these child flags. */
export type ScopedGenerate =
  | { relaunched: true; code: number }
  | { relaunched: false; childFlags: { engine: string[]; chimera: string[] } };

function readEnv(name: string): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
    return state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses, with EtsError (input, exit 2), a plan that asks for what this process does not hold
 * (an admin narrowed the launcher's grants). Needs no permissions.
 */
export function checkGrantsHeld(plan: PermissionPlan): void {
  for (const name of ["read", "write", "run"] as const) {
    const missing = missingGrants(name, plan[name]);
    if (missing.length > 0) {
      throw inputError(
        `Cannot grant --allow-${name} on "${missing[0]}": this ets may not ${name} it ` +
          "(the grants it was started with, e.g. the site's launcher grants, do not include " +
          "it); ask your administrator or choose paths inside them",
      );
    }
  }
}

/**
 * Checks the config's root (`loadConfig` checked the engine-template files), then re-runs
 * `ets generate` under the scoped grants when this process holds broader ones (not a compiled
 * binary, whose grants are baked in); a process already scoped must hold the whole plan
 * ({@linkcode checkGrantsHeld}). Needs `--allow-run` on our own binary to re-run, `--allow-write` on the temp folder.
 */
export async function prepareScopedGenerate(
  config: GenerateConfig,
  options: ScopedGenerateOptions,
): Promise<ScopedGenerate> {
  checkRoot(config);
  const execPath = Deno.execPath();
  const denoDir = readEnv("DENO_DIR");
  // in-process uses of the CLI (tests, scripts) have no command line of ets to re-run
  if (!hasBroadGrants() || isCompiledBinary() || (options.args === undefined && !isEtsEntry())) {
    const plan = permissionPlan(config, { execPath, allowDirs: options.allowDirs });
    // already scoped (a re-run, the user's own flags, the site's launcher flags): the run needs
    // all of its plan, and its children get no more than this process holds
    checkGrantsHeld(plan);
    return { relaunched: false, childFlags: childPermissionFlags(config, plan) };
  }
  if (readEnv("ETS_SCOPED_RUN") === "1") {
    // a re-run that still holds broad grants would re-run itself forever
    throw runtimeError(
      "Cannot narrow the grants of ets generate: the scoped re-run still holds broad ones",
    );
  }
  const tempDir = options.dryRun ? undefined : await Deno.makeTempDir({ prefix: "ets-run-" });
  const removeTemp = async () => {
    if (tempDir !== undefined) {
      await Deno.remove(tempDir, { recursive: true }).catch(() => {});
    }
  };
  const unregister = onCleanup(removeTemp);
  try {
    const plan = permissionPlan(config, {
      execPath,
      allowDirs: options.allowDirs,
      tempDir,
      denoDir,
    });
    checkGrantsHeld(plan);
    // the scoped run cannot read /proc to tell a dead lock holder from a live one: done here
    if (!options.dryRun) {
      await clearStaleLocks(config.root, (message) => console.error(`Warning: ${message}`));
    }
    const code = await runScoped({
      flags: [...permissionFlags(plan), "--unstable-worker-options"],
      args: options.args ?? [...Deno.args],
      env: { ETS_SCOPED_RUN: "1", ...(tempDir === undefined ? {} : { TMPDIR: tempDir }) },
    });
    return { relaunched: true, code };
  } finally {
    unregister();
    await removeTemp();
  }
}

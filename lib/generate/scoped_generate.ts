/**
 * `ets generate` under the grants its config implies, however it was started: checked first
 * (the root; `loadConfig` checks the engine-template files), then, when this process holds
 * broader grants (`deno run -A`, the packed launcher), re-run as a child with exactly the scoped
 * flags — or, where it cannot re-run under other flags (the compiled binary, whose flags are
 * baked in), run in a Web Worker holding exactly the same grants (lib/platform runConfined). A
 * process or worker that is already scoped runs the command itself, handing its children their
 * narrower grants.
 *
 * @module
 */
import type { GenerateConfig } from "../config/mod.ts";
import { inputError, runtimeError } from "../errors/mod.ts";
import {
  confinesInWorker,
  hasBroadGrants,
  isCompiledBinary,
  isEtsEntry,
  missingGrants,
  onCleanup,
  runConfined,
  runScoped,
  siteDenyFlags,
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

/**
 * What to do: exit with `code` (the scoped re-run or the confined worker ran the command), or run
 * here with these child flags.
 */
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
 * Checks the config's root (`loadConfig` checked the engine-template files), then, when this
 * process holds broader grants, runs `ets generate` again under the scoped ones: re-run as a
 * child under flags, or in a confined worker where flags cannot change (a compiled binary;
 * `ETS_CONFINE=worker` from source). A process already scoped must hold the whole plan
 * ({@linkcode checkGrantsHeld}). Needs `--allow-run` on our own binary to re-run (or
 * `--unstable-worker-options` to confine), `--allow-write` on the temp folder.
 */
export async function prepareScopedGenerate(
  config: GenerateConfig,
  options: ScopedGenerateOptions,
): Promise<ScopedGenerate> {
  checkRoot(config);
  const execPath = Deno.execPath();
  const denoDir = readEnv("DENO_DIR");
  // in-process uses of the CLI (tests, scripts) have no command line of ets to re-run
  const inProcess = options.args === undefined && !isEtsEntry() && !isCompiledBinary();
  if (!hasBroadGrants() || inProcess) {
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
    const args = options.args ?? [...Deno.args];
    const env: Record<string, string> = {
      ETS_SCOPED_RUN: "1",
      ...(tempDir === undefined ? {} : { TMPDIR: tempDir }),
    };
    if (confinesInWorker()) {
      // a worker has no environment of its own: this process's, which it is about to leave
      for (const [name, value] of Object.entries(env)) Deno.env.set(name, value);
      const code = await runConfined({ grants: plan, args, deny: siteDenyFlags() });
      return { relaunched: true, code };
    }
    const code = await runScoped({
      flags: [...permissionFlags(plan), "--unstable-worker-options"],
      args,
      env,
    });
    return { relaunched: true, code };
  } finally {
    unregister();
    await removeTemp();
  }
}

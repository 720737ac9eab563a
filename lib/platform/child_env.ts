/**
 * The environment every child process gets, so spawns work when `module load` (HPC) has set
 * `LD_LIBRARY_PATH`.
 *
 * Deno 2.9 refuses `new Deno.Command(...)` with a scoped `--allow-run=A,B` whenever the child's
 * environment (inherited plus `env`, unless `clearEnv`) holds a variable whose name starts with
 * `LD_` or `DYLD_` and whose value is not empty (`NotCapable: Requires --allow-run permissions to
 * spawn subprocess with LD_LIBRARY_PATH environment variable`); only an unscoped `--allow-run`
 * lifts it (denoland/deno#25221, #25271; #26843 proposes allowing unchanged values, not done).
 * An empty value passes.
 *
 * So: a child that is `ets` itself (engine, Chimera server: the Deno binary, which needs no
 * loader path) gets each such variable blanked, with its value kept as `ETS_SAVED_<NAME>` so
 * deeper descendants still know it. A real external program (a configured TEM-Simulator or
 * Chimera) gets the original values back when this process may (unscoped `--allow-run`, as the
 * packed launcher and the compiled binary have); under a scoped `--allow-run` (source runs with
 * the flags derived from the config) it gets them blanked too, plus `ETS_SAVED_<NAME>` for a
 * two-line wrapper script to restore:
 *
 *     #!/bin/sh
 *     LD_LIBRARY_PATH=$ETS_SAVED_LD_LIBRARY_PATH exec /opt/TEM-simulator/TEM-simulator "$@"
 *
 * @module
 */

/** Prefix under which a loader variable's original value travels to children. */
export const SAVED_PREFIX = "ETS_SAVED_";

/** Who the child is: another `ets` process (Deno), or a real external program. */
export type ChildKind = "ets" | "external";

/** Names Deno guards (any `LD_*` / `DYLD_*`). */
export function isLoaderVariable(name: string): boolean {
  return name.startsWith("LD_") || name.startsWith("DYLD_");
}

/**
 * Loader variables HPC environments set, blanked even when this process may not read the
 * environment (setting a child's variable needs no permission; reading ours does).
 */
export const COMMON_LOADER_VARIABLES = [
  "LD_LIBRARY_PATH",
  "LD_PRELOAD",
  "LD_RUN_PATH",
  "LD_AUDIT",
  "LD_BIND_NOW",
  "DYLD_LIBRARY_PATH",
  "DYLD_FALLBACK_LIBRARY_PATH",
  "DYLD_INSERT_LIBRARIES",
] as const;

/**
 * The `env` overrides for a child of `kind`, given what this process could read of its
 * environment (`env`) and whether `--allow-run` is unscoped. Pure; needs no permissions.
 */
export function loaderEnvOverrides(
  kind: ChildKind,
  env: Record<string, string>,
  runUnscoped: boolean,
): Record<string, string> {
  const restore = kind === "external" && runUnscoped;
  const overrides: Record<string, string> = {};
  if (!restore) {
    // blank whether or not we could read them: setting a child's variable needs no permission
    for (const name of COMMON_LOADER_VARIABLES) overrides[name] = "";
  }
  const originals = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    const saved = name.startsWith(SAVED_PREFIX) ? name.slice(SAVED_PREFIX.length) : undefined;
    if (saved !== undefined && isLoaderVariable(saved) && value !== "") {
      originals.set(saved, value);
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (isLoaderVariable(name) && value !== "") originals.set(name, value);
  }
  for (const [name, value] of originals) {
    overrides[SAVED_PREFIX + name] = value;
    overrides[name] = restore ? value : "";
  }
  return overrides;
}

function readEnvironment(): Record<string, string> {
  try {
    // ask first: a bare toObject() under a scoped --allow-env would prompt on a terminal
    if (Deno.permissions.querySync({ name: "env" }).state !== "granted") {
      throw new Deno.errors.NotCapable("no unscoped --allow-env");
    }
    return Deno.env.toObject();
  } catch {
    // no unscoped --allow-env: read what we may, one name at a time
    const env: Record<string, string> = {};
    for (const name of COMMON_LOADER_VARIABLES) {
      for (const key of [name, SAVED_PREFIX + name]) {
        try {
          if (
            Deno.permissions.querySync({ name: "env", variable: key }).state !==
              "granted"
          ) {
            continue;
          }
          const value = Deno.env.get(key);
          if (value !== undefined) env[key] = value;
        } catch {
          // not allowed to read this one
        }
      }
    }
    return env;
  }
}

/** True when `--allow-run` is granted for every program. Needs no permissions. */
export function runPermissionUnscoped(): boolean {
  return Deno.permissions.querySync({ name: "run" }).state === "granted";
}

/**
 * What every `ets` child (Deno) is told besides: no update check (a network request to
 * dl.deno.land), never prompt.
 */
export const ETS_CHILD_ENV: Readonly<Record<string, string>> = {
  DENO_NO_UPDATE_CHECK: "1",
  DENO_NO_PROMPT: "1",
};

/**
 * The `env` option for `new Deno.Command(program, { env })`: `extra` plus the loader-variable
 * overrides for a child of `kind` (see the module doc), and {@linkcode ETS_CHILD_ENV} for `ets`
 * children. Works without `--allow-env` (then only
 * the common loader variables are blanked, and only readable values are saved); with it, every
 * `LD_*`/`DYLD_*` variable is handled. Needs no permissions (reads the environment where allowed).
 */
export function childEnv(
  kind: ChildKind,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...loaderEnvOverrides(kind, readEnvironment(), runPermissionUnscoped()),
    ...(kind === "ets" ? ETS_CHILD_ENV : {}),
    ...extra,
  };
}

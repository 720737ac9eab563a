/**
 * The Deno permissions `ets generate` needs for a config, derived from it: read on the inputs
 * and the root, write on the root, run on the configured programs and our own binary, net on
 * 127.0.0.1/localhost only, and a few environment variables. Used by the `demo` task (which
 * re-executes `main.ts generate` with these flags) and for the engine and Chimera children.
 * See lib/generate/PERMISSIONS.md.
 *
 * @module
 */
import { findAssembler, isAssemblerModulePath } from "../assemblers/mod.ts";
import {
  dirnameOf,
  type GenerateConfig,
  resolvePath,
  SimTemplate,
  templatesDir,
} from "../config/mod.ts";
import { isCompiledBinary } from "../platform/mod.ts";

/** Paths and hosts per permission. */
export interface PermissionPlan {
  /** --allow-read */
  read: string[];
  /** --allow-write */
  write: string[];
  /** --allow-run */
  run: string[];
  /** --allow-net */
  net: string[];
  /** --allow-env */
  env: string[];
}

/**
 * Environment variables generate (and the programs it starts) may read: lookups, the loader path
 * and its saved copy (lib/platform childEnv: children of a process started under `module load`),
 * and the Slurm array variables the shard is told by (lib/slurm SLURM_ARRAY_VARIABLES).
 */
export const GENERATE_ENV_VARS: readonly string[] = [
  "PATH",
  "HOME",
  "TMPDIR",
  "NO_COLOR",
  "TERM",
  "LD_LIBRARY_PATH",
  "ETS_SAVED_LD_LIBRARY_PATH",
  "DENO_DIR",
  "SLURM_ARRAY_TASK_ID",
  "SLURM_ARRAY_TASK_MIN",
  "SLURM_ARRAY_TASK_MAX",
  "SLURM_ARRAY_TASK_STEP",
  "SLURM_ARRAY_TASK_COUNT",
  "SLURM_ARRAY_JOB_ID",
  "SLURM_JOB_ID",
];

function unique(paths: (string | undefined)[]): string[] {
  return [...new Set(paths.filter((path): path is string => path !== undefined && path !== ""))];
}

/**
 * The source tree when running from source (children re-executing `main.ts` read it, e.g. npm
 * packages' WASM files in node_modules); nothing for a compiled binary. Needs no permissions.
 */
export function sourceTree(): string[] {
  if (isCompiledBinary()) return [];
  const url = new URL("../../", import.meta.url);
  return url.protocol === "file:" ? [decodeURIComponent(url.pathname).replace(/\/$/, "")] : [];
}

/** Options of {@linkcode permissionPlan}. */
export interface PermissionPlanOptions {
  /** Our own executable (`Deno.execPath()`), run for the embedded engine and Chimera server. */
  execPath: string;
  /** More paths to read (e.g. the source tree when running from source). */
  extraRead?: string[];
}

/**
 * The permissions of a generate run of `config`. Needs no permissions.
 */
export function permissionPlan(
  config: GenerateConfig,
  options: PermissionPlanOptions,
): PermissionPlan {
  const definition = findAssembler(config.assembler);
  const assemblerInputs = definition === undefined
    ? []
    : Object.values(definition.inputFiles(config.assemblerOptions));
  const templateDir = dirnameOf(config.simTemplate);
  const templateInputs = new SimTemplate(config.simTemplateText).inputFiles().map(
    ({ parameter }) => resolvePath(templateDir, parameter.value),
  );
  const read = unique([
    config.configFile,
    config.embedded ? templatesDir() : undefined,
    config.simTemplate,
    config.coordTemplate,
    config.model,
    config.beadMap,
    // a user's assembler module (docs/assemblers.md): read only the module file itself
    isAssemblerModulePath(config.assembler) ? config.assembler : undefined,
    ...assemblerInputs,
    ...templateInputs,
    config.root,
    options.execPath,
    config.temSimulatorExecutable,
    config.chimeraExecPath,
    ...sourceTree(),
    ...(options.extraRead ?? []),
  ]);
  return {
    read,
    write: [config.root],
    run: unique([options.execPath, config.temSimulatorExecutable, config.chimeraExecPath]),
    net: ["127.0.0.1", "localhost"],
    env: [...GENERATE_ENV_VARS],
  };
}

/** `--allow-x=a,b` flags of a plan (paths with commas are refused). Needs no permissions. */
export function permissionFlags(plan: PermissionPlan): string[] {
  const flag = (name: string, values: string[]): string[] => {
    if (values.length === 0) return [];
    for (const value of values) {
      if (value.includes(",")) {
        throw new RangeError(`Cannot grant --allow-${name} on "${value}": the path has a comma`);
      }
    }
    return [`--allow-${name}=${values.join(",")}`];
  };
  return [
    ...flag("read", plan.read),
    ...flag("write", plan.write),
    ...flag("run", plan.run),
    ...flag("net", plan.net),
    ...flag("env", plan.env),
  ];
}

/** Flags for the embedded engine child: read and write only (plus env). Needs no permissions. */
export function engineFlags(plan: PermissionPlan): string[] {
  return permissionFlags({ ...plan, run: [], net: [] });
}

/** Flags for the embedded Chimera server children: read, write, net. Needs no permissions. */
export function chimeraFlags(plan: PermissionPlan): string[] {
  return permissionFlags({ ...plan, run: [] });
}

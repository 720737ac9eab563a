/**
 * The Deno permissions `ets generate` needs for a config, derived from it: read on the declared
 * inputs, the root, the runtime's files and a private temp folder; write on the root and that
 * temp folder; run on the configured programs and our own binary; net on 127.0.0.1/localhost
 * only; a few environment variables. `ets generate` started with broader grants (`-A`, the
 * packed launcher) re-runs itself under exactly these (lib/generate/scoped_run.ts); the engine
 * and Chimera children get less. See lib/generate/PERMISSIONS.md.
 *
 * @module
 */
import { findAssembler, isAssemblerModulePath } from "../assemblers/mod.ts";
import {
  dirnameOf,
  type GenerateConfig,
  isInside,
  readableUnder,
  SimTemplate,
  templateInputs,
  templateReadDirs,
  templatesDir,
} from "../config/mod.ts";
import { inputError } from "../errors/mod.ts";
import { CONFINE_VARIABLE, grantFlags, type Grants, siteDenyFlags } from "../platform/mod.ts";

/**
 * Paths and hosts per permission: the one source of a run's grants, turned into `--allow-*`
 * flags ({@linkcode permissionFlags}) for a scoped re-run and into a worker's permissions
 * (lib/platform workerPermissions) for a confined run.
 */
export type PermissionPlan = Grants;

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
  "ETS_LAUNCHER",
  "ETS_SITE_DENY",
  "ETS_SCOPED_RUN",
  CONFINE_VARIABLE,
  "SLURM_ARRAY_TASK_ID",
  "SLURM_ARRAY_TASK_MIN",
  "SLURM_ARRAY_TASK_MAX",
  "SLURM_ARRAY_TASK_STEP",
  "SLURM_ARRAY_TASK_COUNT",
  "SLURM_ARRAY_JOB_ID",
  "SLURM_JOB_ID",
];

function unique(paths: (string | undefined)[]): string[] {
  return [
    ...new Set(
      paths.filter((path): path is string => path !== undefined && path !== ""),
    ),
  ];
}

/**
 * The app's folder: the source tree when running from source (children re-executing `main.ts`
 * read it, e.g. npm packages' WASM files in node_modules; workers load their entry files from
 * it), the binary's embedded folder when compiled (its worker entries and templates, which Deno
 * reads under read permission too). Needs no permissions.
 */
export function sourceTree(): string[] {
  const url = new URL("../../", import.meta.url);
  return url.protocol === "file:" ? [decodeURIComponent(url.pathname).replace(/\/$/, "")] : [];
}

/** Options of {@linkcode permissionPlan}. */
export interface PermissionPlanOptions {
  /** Our own executable (`Deno.execPath()`), run for the embedded engine and Chimera server. */
  execPath: string;
  /** More paths to read (e.g. the source tree when running from source). */
  extraRead?: string[];
  /** Folders granted with `--allow-dir`: files an engine template names may sit there too. */
  allowDirs?: string[];
  /** A private temp folder (read and write), made for the run after validation. */
  tempDir?: string;
  /** The runtime's module cache (`DENO_DIR`), read when set. */
  denoDir?: string;
}

/** System folders no run may use as its root (a root there is refused, never created). */
const SYSTEM_DIRS = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/proc",
  "/run",
  "/sbin",
  "/sys",
  "/usr",
  "/var/lib",
  "/var/log",
  "/var/spool",
];

/**
 * Refuses (EtsError input, exit 2) a root that is `/`, a system folder or inside one: the run
 * writes there, so a typo must not become a write grant on `/etc`. Needs no permissions.
 */
export function checkRoot(config: GenerateConfig): void {
  const root = config.root.replace(/\/+$/, "") || "/";
  const system = root === "/" ? "/" : SYSTEM_DIRS.find((dir) => isInside(root, dir));
  if (system === undefined) return;
  throw inputError(
    `Cannot use the root "${config.root}": ${
      system === "/" ? "it is the file system's top" : `it is inside the system folder "${system}"`
    }; a run writes its root, so choose a project folder (e.g. under your home or scratch)`,
    { file: config.configFile, key: "root" },
  );
}

/**
 * The permissions of a generate run of `config`. Engine-template files are granted only inside
 * the config's folder and `allowDirs` (lib/config/template_access.ts; `loadConfig` refuses the
 * others).
 * Needs no permissions (reads real paths where allowed).
 */
export function permissionPlan(
  config: GenerateConfig,
  options: PermissionPlanOptions,
): PermissionPlan {
  const definition = findAssembler(config.assembler);
  const assemblerInputs = definition === undefined
    ? []
    : Object.values(definition.inputFiles(config.assemblerOptions));
  const dirs = templateReadDirs({
    configFile: config.configFile,
    embedded: config.embedded,
    allowDirs: options.allowDirs ?? [],
  });
  const engineInputs = templateInputs(new SimTemplate(config.simTemplateText), config.simTemplate)
    .map((input) => input.path).filter((path) => readableUnder(path, dirs));
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
    ...engineInputs,
    config.root,
    options.tempDir,
    options.denoDir,
    options.execPath,
    config.temSimulatorExecutable,
    config.chimeraExecPath,
    ...sourceTree(),
    // the host name recorded in the run lock (lib/platform hostName's fallback)
    "/proc/sys/kernel/hostname",
    ...(options.extraRead ?? []),
  ]);
  return {
    read,
    write: unique([config.root, options.tempDir]),
    run: unique([
      options.execPath,
      config.temSimulatorExecutable,
      config.chimeraExecPath,
    ]),
    net: ["127.0.0.1", "localhost"],
    env: [...GENERATE_ENV_VARS],
  };
}

/**
 * The folders the embedded Chimera servers serve (`--allow-dir`): the root and the folders of
 * the model and the assembler's maps. Needs no permissions.
 */
export function chimeraServedDirs(config: GenerateConfig): string[] {
  const definition = findAssembler(config.assembler);
  const inputs = [
    ...(config.model === undefined ? [] : [config.model]),
    ...(definition === undefined
      ? []
      : Object.values(definition.inputFiles(config.assemblerOptions))),
  ];
  return unique([config.root, ...inputs.map((file) => dirnameOf(file))]);
}

/**
 * The flags of the engine and Chimera children of a run under `plan` (as `runGenerate`'s
 * `childPermissionFlags`), the site's deny flags appended. A child run from source gets them as
 * `deno run` flags; a child of the compiled binary before its subcommand, and runs it in a worker
 * holding exactly them (lib/platform selfInvocation). Needs no permissions.
 */
export function childPermissionFlags(
  config: GenerateConfig,
  plan: PermissionPlan,
): { engine: string[]; chimera: string[] } {
  const deny = siteDenyFlags();
  return {
    engine: [...engineFlags(plan), ...deny],
    chimera: [
      ...chimeraFlags({
        ...plan,
        read: unique([...chimeraServedDirs(config), ...plan.read]),
      }),
      ...deny,
    ],
  };
}

/**
 * `--allow-x=a,b` flags of a plan (lib/platform grantFlags; paths with commas are refused).
 * Needs no permissions.
 */
export function permissionFlags(plan: PermissionPlan): string[] {
  return grantFlags(plan);
}

/** Flags for the embedded engine child: read and write only (plus env). Needs no permissions. */
export function engineFlags(plan: PermissionPlan): string[] {
  return permissionFlags({ ...plan, run: [], net: [] });
}

/** Flags for the embedded Chimera server children: read, write, net. Needs no permissions. */
export function chimeraFlags(plan: PermissionPlan): string[] {
  return permissionFlags({ ...plan, run: [] });
}

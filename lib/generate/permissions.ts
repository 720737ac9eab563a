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
  resolvePath,
  SimTemplate,
  templatesDir,
} from "../config/mod.ts";
import { inputError, LocatedInputError } from "../errors/mod.ts";
import { isCompiledBinary, siteDenyFlags } from "../platform/mod.ts";

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
  "ETS_LAUNCHER",
  "ETS_SITE_DENY",
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
  /** Folders granted with `--allow-dir`: files an engine template names may sit there too. */
  allowDirs?: string[];
  /** A private temp folder (read and write), made for the run after validation. */
  tempDir?: string;
  /** The runtime's module cache (`DENO_DIR`), read when set. */
  denoDir?: string;
}

/** Whether `path` is `dir` or inside it (both absolute, normalised). Needs no permissions. */
export function isInside(path: string, dir: string): boolean {
  const folder = dir.endsWith("/") ? dir : `${dir}/`;
  return path === dir || path.startsWith(folder) || dir === "/";
}

/** The real path of `path` (symbolic links resolved), or `path` itself when it cannot be had. */
function realOrSelf(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

/** A file named by the engine template (`*_file_in`): where it is named and what it is. */
export interface TemplateInput {
  /** The parameter, e.g. `error_file_in`. */
  key: string;
  /** 1-based line in the template. */
  line: number;
  /** The absolute path. */
  path: string;
}

/** The files the engine template names, resolved against its folder. Needs no permissions. */
export function templateInputs(config: GenerateConfig): TemplateInput[] {
  const templateDir = dirnameOf(config.simTemplate);
  return new SimTemplate(config.simTemplateText).inputFiles().map((
    { parameter },
  ) => ({
    key: parameter.name,
    line: parameter.lineIndex + 1,
    path: resolvePath(templateDir, parameter.value),
  }));
}

/**
 * The folders engine-template files may be read from: the config's folder (the embedded
 * templates for the default config) and the `--allow-dir` folders. Needs no permissions.
 */
export function templateReadDirs(
  config: GenerateConfig,
  allowDirs: readonly string[],
): string[] {
  const base = config.embedded ? templatesDir() : dirnameOf(config.configFile);
  return unique([
    base,
    ...allowDirs.map((dir) => resolvePath(Deno.cwd(), dir)),
  ]);
}

/**
 * Refuses (EtsError input, exit 2) an engine-template file outside {@linkcode templateReadDirs}
 * — its real path, so a symbolic link out of the folder is refused too — naming the template
 * line and the `--allow-dir` that would grant it. Needs read on the files to resolve links
 * (without it, the names are judged as written).
 */
export function checkTemplateInputs(
  config: GenerateConfig,
  allowDirs: readonly string[],
): void {
  const dirs = templateReadDirs(config, allowDirs);
  const realDirs = dirs.map(realOrSelf);
  for (const input of templateInputs(config)) {
    const real = realOrSelf(input.path);
    const inside = dirs.some((dir) => isInside(input.path, dir)) &&
      realDirs.some((dir) => isInside(real, dir));
    if (inside) continue;
    throw new LocatedInputError(
      { fileName: config.simTemplate, line: input.line, key: input.key },
      `"${input.key}" names "${input.path}"${real === input.path ? "" : ` (really "${real}")`}, ` +
        `outside the config's folder "${dirs[0]}": files the engine template names are read ` +
        `only there or in a folder granted with --allow-dir (e.g. --allow-dir ${
          dirnameOf(input.path)
        })`,
    );
  }
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
 * {@linkcode templateReadDirs} (check them first with {@linkcode checkTemplateInputs}).
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
  const dirs = templateReadDirs(config, options.allowDirs ?? []);
  const engineInputs = templateInputs(config).map((input) => input.path)
    .filter((path) => dirs.some((dir) => isInside(path, dir)));
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
 * `childPermissionFlags`), the site's deny flags appended. Needs no permissions.
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

/** `--allow-x=a,b` flags of a plan (paths with commas are refused). Needs no permissions. */
export function permissionFlags(plan: PermissionPlan): string[] {
  const flag = (name: string, values: string[]): string[] => {
    if (values.length === 0) return [];
    for (const value of values) {
      if (value.includes(",")) {
        throw new RangeError(
          `Cannot grant --allow-${name} on "${value}": the path has a comma`,
        );
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

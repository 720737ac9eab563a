/**
 * Which files an engine template (sim.txt) may make `ets` read: its `*_file_in` files are read
 * only under the config's folder (the embedded templates for the default config) or a folder the
 * user grants with `--allow-dir` — judged on real paths, so a symbolic link out of the folder is
 * refused too. Checked before any of them is opened, so that a template line such as
 * `error_file_in = /etc/shadow` never gets a byte of that file read, let alone echoed.
 *
 * @module
 */
import { LocatedInputError } from "../errors/mod.ts";
import { dirnameOf, resolvePath } from "./paths.ts";
import type { SimTemplate } from "./sim_template.ts";
import { templatesDir } from "./templates.ts";

/** Whether `path` is `dir` or inside it (both absolute, normalised). Needs no permissions. */
export function isInside(path: string, dir: string): boolean {
  const folder = dir.endsWith("/") ? dir : `${dir}/`;
  return dir === "/" || path === dir || path.startsWith(folder);
}

/** The real path of `path` (links resolved), or `path` itself when it cannot be had. */
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

/** The files `template` (at `templatePath`) names, resolved against its folder. Pure. */
export function templateInputs(template: SimTemplate, templatePath: string): TemplateInput[] {
  const templateDir = dirnameOf(templatePath);
  return template.inputFiles().map(({ parameter }) => ({
    key: parameter.name,
    line: parameter.lineIndex + 1,
    path: resolvePath(templateDir, parameter.value),
  }));
}

/** Where the engine template's files may be read from. */
export interface TemplateAccess {
  /** The config file. */
  configFile: string;
  /** Whether it is the embedded default (its folder: the embedded templates). */
  embedded: boolean;
  /** Folders granted with `--allow-dir` (relative ones against the current folder). */
  allowDirs: readonly string[];
}

/**
 * The folders engine-template files may be read from: the config's folder, then the
 * `--allow-dir` folders. Needs no permissions.
 */
export function templateReadDirs(access: TemplateAccess): string[] {
  const base = access.embedded ? templatesDir() : dirnameOf(access.configFile);
  const granted = access.allowDirs.map((dir) => resolvePath(Deno.cwd(), dir));
  return [...new Set([base, ...granted])];
}

/** Whether `path` may be read under `dirs`, judged as written and as really resolved. */
export function readableUnder(path: string, dirs: readonly string[]): boolean {
  const real = realOrSelf(path);
  return dirs.some((dir) => isInside(path, dir)) &&
    dirs.map(realOrSelf).some((dir) => isInside(real, dir));
}

/**
 * Refuses (LocatedInputError, exit 2) a file the template names outside
 * {@linkcode templateReadDirs}, naming the template line and the `--allow-dir` that would grant
 * it. Opens none of the files. Needs read on them to resolve links (without it, the names are
 * judged as written).
 */
export function checkTemplateAccess(
  template: SimTemplate,
  templatePath: string,
  access: TemplateAccess,
): void {
  const dirs = templateReadDirs(access);
  for (const input of templateInputs(template, templatePath)) {
    if (readableUnder(input.path, dirs)) continue;
    const real = realOrSelf(input.path);
    throw new LocatedInputError(
      { fileName: templatePath, line: input.line, key: input.key },
      `"${input.key}" names "${input.path}"${real === input.path ? "" : ` (really "${real}")`}, ` +
        `outside the config's folder "${dirs[0]}": files the engine template names are read ` +
        `only there or in a folder granted with --allow-dir (e.g. --allow-dir ${
          dirnameOf(input.path)
        })`,
    );
  }
}

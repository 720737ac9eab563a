/**
 * A config's project folder (`root`): the `--root` flag, else the key, else `./ets_demo` for the
 * embedded default; it must be a folder or not exist yet.
 *
 * @module
 */
import { EtsError as EtsErrorType } from "../errors/mod.ts";
import type { ConfigScope } from "./config_scope.ts";
import { normalizePath, resolvePath } from "./paths.ts";
import type { RawConfig } from "./schema.ts";
import { DEFAULT_ROOT_NAME } from "./templates.ts";

/** Where the root may come from besides the config: the `--root` flag, the embedded default. */
export interface RootOptions {
  /** `--root` override, resolved against the current folder. */
  root?: string;
  /** Whether the config is the embedded default. */
  embedded?: boolean;
}

/**
 * The absolute project folder; a config file without `root` and no `--root` fails. Needs
 * `--allow-read` on the current folder.
 */
export function projectRoot(raw: RawConfig, options: RootOptions, scope: ConfigScope): string {
  const rootValue = options.root !== undefined
    ? resolvePath(Deno.cwd(), options.root)
    : raw.root !== undefined
    ? scope.resolve(raw.root)
    : options.embedded
    ? resolvePath(Deno.cwd(), DEFAULT_ROOT_NAME)
    : scope.fail(undefined, 'missing key "root" (or give --root)', "root");
  return normalizePath(rootValue);
}

/**
 * Refuses a root that names a file, or lies under one (one line, exit 2). Needs --allow-read on
 * the root's existing ancestors.
 */
export async function requireRootFolder(
  root: string,
  fail: (reason: string) => never,
): Promise<void> {
  let path = root;
  while (true) {
    try {
      const info = await Deno.stat(path);
      if (!info.isDirectory) {
        fail(
          path === root
            ? `"root": "${root}" is a file, not a folder`
            : `"root": "${root}" lies under "${path}", which is a file, not a folder`,
        );
      }
      return;
    } catch (error) {
      if (error instanceof EtsErrorType) throw error;
      const missing = error instanceof Deno.errors.NotFound ||
        error instanceof Deno.errors.NotADirectory;
      if (!missing) return;
    }
    const slash = path.lastIndexOf("/");
    if (slash <= 0) return;
    path = path.slice(0, slash);
  }
}

/**
 * The input files a config names (dotted key → absolute path): they must exist and be files,
 * programs must be executable, and text inputs are read capped (lib/config/input_contents.ts).
 *
 * @module
 */
import type { ConfigScope } from "./config_scope.ts";
import { ContentProblem, readTextCapped } from "./input_contents.ts";

/** An input file: its dotted config key and its absolute path (undefined → not given). */
export type NamedInput = [key: string, path: string | undefined];

/**
 * Checks, in order, that each given input exists and is a file (programs: executable); the
 * first that is not is the config's error at its key. Needs `--allow-read` on the files.
 */
export async function requireInputFiles(
  files: readonly NamedInput[],
  scope: ConfigScope,
): Promise<void> {
  for (const [key, file] of files) {
    if (file === undefined) continue;
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(file);
    } catch (error) {
      const reason = error instanceof Deno.errors.NotFound
        ? "does not exist"
        : `cannot be read (${error instanceof Error ? error.message : String(error)})`;
      return scope.failAtKey(key, `"${key}": file "${file}" ${reason}`);
    }
    if (!info.isFile) scope.failAtKey(key, `"${key}": "${file}" is not a file`);
    if (key.endsWith("_executable") || key === "chimera_exec_path") {
      if (((info.mode ?? 0o111) & 0o111) === 0) {
        scope.failAtKey(key, `"${key}": "${file}" is not executable`);
      }
    }
  }
}

/**
 * The text of the input at `key`; a file too large or not text is the config's error at the key.
 * Needs `--allow-read` on the file.
 */
export async function readInputText(
  key: string,
  path: string,
  scope: ConfigScope,
): Promise<string> {
  try {
    return await readTextCapped(path);
  } catch (error) {
    if (!(error instanceof ContentProblem)) throw error;
    return scope.failAtKey(key, `"${key}": "${path}" ${error.message}`);
  }
}

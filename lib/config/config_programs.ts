/**
 * The external programs a config may name instead of the embedded ones: TEM-Simulator
 * (`tem_simulator_executable`) and Chimera/ChimeraX (`chimera_exec_path`).
 *
 * @module
 */
import type { ConfigScope } from "./config_scope.ts";
import { findOnPath } from "./paths.ts";
import type { RawConfig } from "./schema.ts";

/** The config keys that name an external program. */
export type ProgramKey = "tem_simulator_executable" | "chimera_exec_path";

/**
 * The program's absolute path: a bare name is looked up on PATH (not found → the config's error
 * at the key), a path resolves against the config's folder; undefined → the embedded one. Needs
 * `--allow-env=PATH` and `--allow-read` on PATH's folders for bare names.
 */
export function externalProgram(
  raw: RawConfig,
  key: ProgramKey,
  scope: ConfigScope,
): string | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (!value.includes("/")) {
    const found = findOnPath(value);
    if (found === undefined) scope.failAtKey(key, `"${key}": program "${value}" is not on PATH`);
    return found;
  }
  return scope.resolve(value);
}

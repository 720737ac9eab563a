/**
 * The config being loaded, as its helpers see it: its folder (relative paths resolve against it),
 * the line of each key, and the one-line failure (`Cannot read config "run.yaml": line 12: …`,
 * exit 2).
 *
 * @module
 */
import { ConfigError } from "./config_error.ts";
import { dirnameOf, resolvePath } from "./paths.ts";
import type { YamlLocations } from "./yaml_locate.ts";

/** Raises the config's one-line error at a line (undefined → none), naming a key if given. */
export type FailAt = (line: number | undefined, reason: string, key?: string) => never;

/** The config being loaded: where its paths resolve and how its problems are raised. */
export interface ConfigScope {
  /** The config file's folder. */
  configDir: string;
  /** The line of each key. */
  locations: YamlLocations;
  /** Raises the config's error at a line. */
  fail: FailAt;
  /** Raises the config's error at the line of a dotted key, naming it. */
  failAtKey: (key: string, reason: string) => never;
  /** A path from the config made absolute against its folder. */
  resolve: (value: string) => string;
}

/** The failure of the config `fileName` (absolute path `configFile`). Needs no permissions. */
export function configFailure(fileName: string, configFile: string): FailAt {
  return (line, reason, key) => {
    throw new ConfigError({ fileName, path: configFile, line, key }, reason);
  };
}

/** The scope of a config whose keys are at `locations`. Needs no permissions. */
export function configScope(
  configFile: string,
  locations: YamlLocations,
  fail: FailAt,
): ConfigScope {
  const configDir = dirnameOf(configFile);
  return {
    configDir,
    locations,
    fail,
    failAtKey: (key, reason) => fail(locations.lineOf(key.split(".")), reason, key),
    resolve: (value) => resolvePath(configDir, value),
  };
}

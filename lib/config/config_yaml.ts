/**
 * A config's YAML read as PyYAML reads it (YAML 1.1, so ETSimulations' configs read the same):
 * a mapping of keys to values, and the line of each key.
 *
 * @module
 */
import * as yaml from "js-yaml";
import type { FailAt } from "./config_scope.ts";
import { locateYamlKeys, type YamlLocations } from "./yaml_locate.ts";

/** A config's top-level mapping and the lines of its keys. */
export interface ConfigYaml {
  /** The mapping, not yet validated. */
  data: Record<string, unknown>;
  /** The line of each key. */
  locations: YamlLocations;
}

/**
 * Parses config text; a YAML error, an empty file or a top level that is not a mapping fails
 * (one line, exit 2). Needs no permissions.
 */
export function readConfigYaml(text: string, fileName: string, fail: FailAt): ConfigYaml {
  let data: unknown;
  let locations: YamlLocations;
  try {
    data = yaml.load(text, { schema: yaml.YAML11_SCHEMA, filename: fileName });
    locations = locateYamlKeys(text);
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      const line = error.mark === undefined ? undefined : error.mark.line + 1;
      return fail(line, error.reason, undefined);
    }
    throw error;
  }
  if (data === null || data === undefined) fail(undefined, "the file is empty");
  if (typeof data !== "object" || Array.isArray(data)) {
    fail(1, "the config must be a mapping of keys to values");
  }
  return { data: data as Record<string, unknown>, locations };
}

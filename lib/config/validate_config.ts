/**
 * A config's keys validated with zod: the top-level schema, then the assembler's `custom_configs`
 * schema; the first problem in file order is the config's one-line error (exit 2).
 *
 * @module
 */
import type { AssemblerDefinition } from "../assemblers/mod.ts";
import { lookUpAssembler, requireKnownAssembler } from "./config_assembler.ts";
import type { ConfigScope } from "./config_scope.ts";
import { type ConfigProblem, describeIssues, dottedPath } from "./issues.ts";
import { CONFIG_KEYS, type RawConfig, rawConfigSchema } from "./schema.ts";

/** A validated config: its keys, its assembler and the assembler's parsed options. */
export interface ValidConfig {
  /** The config's keys as the schema parsed them. */
  raw: RawConfig;
  /** The assembler it names. */
  assembler: AssemblerDefinition<unknown>;
  /** `custom_configs` as the assembler's schema parsed it (paths not yet resolved). */
  customOptions: unknown;
}

/**
 * Validates the mapping: the assembler is looked up first (it decides the `custom_configs`
 * schema), then the keys, the assembler's name and its options are checked in that order. Needs
 * what {@linkcode lookUpAssembler} needs.
 */
export async function validateConfig(
  data: Record<string, unknown>,
  scope: ConfigScope,
): Promise<ValidConfig> {
  const definition = await lookUpAssembler(data, scope);
  const knownKeys = knownKeysOf(definition);
  const parsed = rawConfigSchema.safeParse(data);
  if (!parsed.success) {
    reportFirstProblem(describeIssues(parsed.error.issues, data, [], knownKeys), scope);
  }
  const raw = parsed.data as RawConfig;
  const assembler = requireKnownAssembler(definition, raw.assembler, scope);
  const custom = assembler.customConfigSchema.safeParse(raw.custom_configs ?? {});
  if (!custom.success) {
    reportFirstProblem(
      describeIssues(custom.error.issues, raw.custom_configs ?? {}, ["custom_configs"], knownKeys),
      scope,
    );
  }
  return { raw, assembler, customOptions: custom.data };
}

/**
 * Raises the first problem: problems at a line first, in file order (an unknown key often
 * explains a missing one). Needs no permissions.
 */
function reportFirstProblem(problems: ConfigProblem[], scope: ConfigScope): never {
  const { locations } = scope;
  const sorted = [...problems].sort((a, b) =>
    (locations.lineOf(a.path) ?? Infinity) - (locations.lineOf(b.path) ?? Infinity)
  );
  const first = sorted[0] as ConfigProblem;
  return scope.fail(locations.lineOf(first.path), first.reason, dottedPath(first.path));
}

/** The keys allowed at a key path (for "did you mean"), given the assembler. */
function knownKeysOf(
  definition: AssemblerDefinition<unknown> | undefined,
): (at: readonly PropertyKey[]) => readonly string[] {
  return (at) => {
    if (at.length === 0) return CONFIG_KEYS;
    if (at.length === 1 && at[0] === "coord_error") return ["mu", "sigma"];
    if (at[0] === "custom_configs" && definition) {
      if (at.length === 1) return keysOfSchema(definition.customConfigSchema);
      return ["mu", "sigma"];
    }
    return [];
  };
}

/** The keys of an object schema's shape; none for other schemas. */
function keysOfSchema(schema: unknown): string[] {
  if (schema !== null && typeof schema === "object" && "shape" in schema) {
    const shape = (schema as { shape: unknown }).shape;
    if (shape !== null && typeof shape === "object") return Object.keys(shape);
  }
  return [];
}

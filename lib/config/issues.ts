/**
 * Turns zod issues into one readable reason per problem, with the key path and "did you mean".
 *
 * @module
 */
import type { z } from "zod";
import { didYouMean } from "./suggest.ts";

/** A located problem: the key path and the reason (without the file/line prefix). */
export interface ConfigProblem {
  /** Key path from the document root. */
  path: PropertyKey[];
  /** The reason, e.g. `"num_stacks" must be an integer, got "abc"`. */
  reason: string;
}

/** The value at `path` in `data`, if any. */
export function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = data;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[part as string];
  }
  return current;
}

/** A dotted key path: `custom_configs.coord_error.mu`, `defocus_values[1]`. */
export function dottedPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text;
}

/** How a value is shown in a message. */
export function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return `"${value.toISOString().slice(0, 10)}" (a date)`;
  if (typeof value === "object") return "a mapping";
  const text = String(value);
  return `"${text.length > 60 ? text.slice(0, 57) + "..." : text}"`;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

/** Keys whose values are integers (zod reports their wrong type as "expected number"). */
const INTEGER_KEYS = new Set([
  "num_stacks",
  "num_cores",
  "num_chimera_windows",
  "seed",
  "retries",
  "workers",
  "num_rods",
  "max_shift",
]);

function bound(issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean }): string {
  return String(issue.minimum ?? issue.maximum);
}

/**
 * The problems described by zod `issues` on `data`, keys relative to `prefix`. `knownKeys`
 * returns the allowed keys of the mapping at a path (for "did you mean"). Needs no permissions.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  prefix: readonly PropertyKey[],
  knownKeys: (path: readonly PropertyKey[]) => readonly string[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const name = `"${dottedPath(path)}"`;
    const value = valueAt(data, issue.path);
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) {
          problems.push({
            path: [...path, key],
            reason: `unknown key "${dottedPath([...path, key])}"${
              didYouMean(key, knownKeys(path))
            }`,
          });
        }
        break;
      case "invalid_type":
        problems.push({
          path,
          reason: value === undefined
            ? `missing key ${name}`
            : `${name} must be ${
              issue.expected === "number" && INTEGER_KEYS.has(String(path[path.length - 1]))
                ? "an integer"
                : EXPECTED[issue.expected] ?? issue.expected
            }, got ${shown(value)}`,
        });
        break;
      case "too_small":
        problems.push({
          path,
          reason: issue.origin === "array"
            ? `${name} must have at least ${bound(issue)} item(s)`
            : issue.origin === "string"
            ? `${name} must not be empty`
            : `${name} must be ${issue.inclusive ? "at least" : "greater than"} ${
              bound(issue)
            }, got ${shown(value)}`,
        });
        break;
      case "too_big":
        problems.push({
          path,
          reason: issue.origin === "array"
            ? `${name} must have at most ${bound(issue)} item(s)`
            : `${name} must be ${issue.inclusive ? "at most" : "less than"} ${bound(issue)}, got ${
              shown(value)
            }`,
        });
        break;
      case "invalid_value":
        problems.push({
          path,
          reason: `${name} must be one of ${
            issue.values.map((v) => `"${String(v)}"`).join(", ")
          }, got ${shown(value)}`,
        });
        break;
      default:
        problems.push({
          path,
          reason: `${name} ${issue.message}${
            issue.code === "custom" && value !== undefined && issue.message.startsWith("must") &&
              !issue.message.includes("got")
              ? `, got ${shown(value)}`
              : ""
          }`,
        });
    }
  }
  return problems;
}

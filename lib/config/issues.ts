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

/** The zod issue of one `code`. */
type IssueOf<C extends z.core.$ZodIssue["code"]> = Extract<z.core.$ZodIssue, { code: C }>;

/** One "unknown key" problem per key of an `unrecognized_keys` issue, with "did you mean". */
function unknownKeyProblems(
  issue: IssueOf<"unrecognized_keys">,
  path: PropertyKey[],
  knownKeys: (path: readonly PropertyKey[]) => readonly string[],
): ConfigProblem[] {
  return issue.keys.map((key) => ({
    path: [...path, key],
    reason: `unknown key "${dottedPath([...path, key])}"${didYouMean(key, knownKeys(path))}`,
  }));
}

/** The reason of an `invalid_type` issue: a missing key, or the type the key must have. */
function invalidTypeReason(
  issue: IssueOf<"invalid_type">,
  path: PropertyKey[],
  name: string,
  value: unknown,
): string {
  return value === undefined
    ? `missing key ${name}`
    : `${name} must be ${
      issue.expected === "number" && INTEGER_KEYS.has(String(path[path.length - 1]))
        ? "an integer"
        : EXPECTED[issue.expected] ?? issue.expected
    }, got ${shown(value)}`;
}

/** The reason of a `too_small` issue: too few items, an empty string or a low number. */
function tooSmallReason(issue: IssueOf<"too_small">, name: string, value: unknown): string {
  return issue.origin === "array"
    ? `${name} must have at least ${bound(issue)} item(s)`
    : issue.origin === "string"
    ? `${name} must not be empty`
    : `${name} must be ${issue.inclusive ? "at least" : "greater than"} ${bound(issue)}, got ${
      shown(value)
    }`;
}

/** The reason of a `too_big` issue: too many items or a high number. */
function tooBigReason(issue: IssueOf<"too_big">, name: string, value: unknown): string {
  return issue.origin === "array"
    ? `${name} must have at most ${bound(issue)} item(s)`
    : `${name} must be ${issue.inclusive ? "at most" : "less than"} ${bound(issue)}, got ${
      shown(value)
    }`;
}

/** The reason of an `invalid_value` issue: the allowed values. */
function invalidValueReason(issue: IssueOf<"invalid_value">, name: string, value: unknown): string {
  return `${name} must be one of ${issue.values.map((v) => `"${String(v)}"`).join(", ")}, got ${
    shown(value)
  }`;
}

/** The reason of any other issue: zod's message, with the value when a custom check omits it. */
function otherReason(issue: z.core.$ZodIssue, name: string, value: unknown): string {
  return `${name} ${issue.message}${
    issue.code === "custom" && value !== undefined && issue.message.startsWith("must") &&
      !issue.message.includes("got")
      ? `, got ${shown(value)}`
      : ""
  }`;
}

/** The reason of one issue at `path` (every code but `unrecognized_keys`). */
function issueReason(
  issue: z.core.$ZodIssue,
  path: PropertyKey[],
  value: unknown,
): string {
  const name = `"${dottedPath(path)}"`;
  if (issue.code === "invalid_type") return invalidTypeReason(issue, path, name, value);
  if (issue.code === "too_small") return tooSmallReason(issue, name, value);
  if (issue.code === "too_big") return tooBigReason(issue, name, value);
  if (issue.code === "invalid_value") return invalidValueReason(issue, name, value);
  return otherReason(issue, name, value);
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
    if (issue.code === "unrecognized_keys") {
      problems.push(...unknownKeyProblems(issue, path, knownKeys));
    } else {
      problems.push({ path, reason: issueReason(issue, path, valueAt(data, issue.path)) });
    }
  }
  return problems;
}

/**
 * The line syntax of the input file (spec §1.1): comments, component headings, assignments and
 * quoted strings, into raw blocks of text values.
 *
 * Deliberate differences from TEM-Simulator, which warns and goes on: a line that is neither a
 * comment, a heading nor an assignment, an assignment before the first heading, an unknown
 * component, text after a value (other than a `#` comment) and an unterminated quote are errors.
 * Lines longer than 200 characters are read whole (TEM-Simulator cuts them).
 *
 * @module
 */
import { TemInputError } from "./input_error.ts";
import { COMPONENT_ORDER, isComponentType } from "./schema.ts";
import type { ComponentType } from "./types.ts";

/** One `name = value` line. */
export interface RawAssignment {
  /** The parameter name. */
  name: string;
  /** The value text (without quotes). */
  value: string;
  /** Whether the value was written in double quotes. */
  quoted: boolean;
  /** 1-based line. */
  line: number;
}

/** One component block as written. */
export interface RawBlock {
  /** The component type. */
  type: ComponentType;
  /** The name from the heading, `""` if none. */
  name: string;
  /** 1-based line of the heading. */
  line: number;
  /** Assignments in file order (a name may repeat). */
  assignments: RawAssignment[];
}

/** Where messages point. */
export interface SyntaxLocation {
  /** The file as the user named it. */
  fileName: string;
  /** Its absolute path, if known. */
  path?: string;
}

/** Shows a line in a message, shortened. */
function shown(text: string): string {
  const trimmed = text.trim();
  return JSON.stringify(trimmed.length > 60 ? `${trimmed.slice(0, 57)}...` : trimmed);
}

/** Throws the input error of `reason` at `line` (and `key`) of the input file. */
function fail(where: SyntaxLocation, line: number, reason: string, key?: string): never {
  throw new TemInputError({ fileName: where.fileName, path: where.path, line, key }, reason);
}

/**
 * Reads a component heading `=== type [name] ===` into an empty block; `undefined` for
 * `=== end ===` (where reading stops).
 */
function readHeading(
  where: SyntaxLocation,
  line: string,
  lineNumber: number,
): RawBlock | undefined {
  const tokens = line.split(/[=\s]+/).filter((token) => token !== "");
  const type = tokens[0];
  if (type === undefined) fail(where, lineNumber, "component heading without a component type");
  if (type === "end") return undefined;
  if (!isComponentType(type)) {
    fail(
      where,
      lineNumber,
      `unknown component "${type}" (known: ${COMPONENT_ORDER.join(", ")}, end)`,
    );
  }
  if (tokens.length > 2) {
    fail(
      where,
      lineNumber,
      `component heading ${shown(line)} has more than a type and a name`,
    );
  }
  return { type, name: tokens[1] ?? "", line: lineNumber, assignments: [] };
}

/**
 * Reads the value after the `=` of parameter `name`: a double-quoted string or one word, followed
 * by nothing but an optional `#` comment.
 */
function readValue(
  where: SyntaxLocation,
  rest: string,
  name: string,
  lineNumber: number,
): { value: string; quoted: boolean } {
  let value: string;
  let after: string;
  let quoted = false;
  if (rest.startsWith('"')) {
    const close = rest.indexOf('"', 1);
    if (close < 0) fail(where, lineNumber, `the value of "${name}" has no closing quote`, name);
    value = rest.slice(1, close);
    after = rest.slice(close + 1);
    quoted = true;
  } else {
    const match = /^\S*/.exec(rest);
    value = match?.[0] ?? "";
    after = rest.slice(value.length);
  }
  if (!quoted && value === "") fail(where, lineNumber, `"${name}" has no value`, name);
  const tail = after.trim();
  if (tail !== "" && !tail.startsWith("#")) {
    fail(where, lineNumber, `unexpected ${shown(tail)} after the value of "${name}"`, name);
  }
  return { value, quoted };
}

/** Reads a `name = value` line and adds it to the current block (there must be one). */
function addAssignment(
  where: SyntaxLocation,
  line: string,
  lineNumber: number,
  current: RawBlock | undefined,
): void {
  const equals = line.indexOf("=");
  if (equals < 0) {
    fail(
      where,
      lineNumber,
      `expected "name = value" or a "=== component ===" heading, got ${shown(line)}`,
    );
  }
  const names = line.slice(0, equals).trim().split(/\s+/);
  const name = names[0] ?? "";
  if (name === "" || names.length > 1) {
    fail(where, lineNumber, `expected "name = value", got ${shown(line)}`);
  }
  if (current === undefined) {
    fail(where, lineNumber, `"${name}" comes before the first "=== component ===" heading`, name);
  }
  const rest = line.slice(equals + 1).replace(/^\s+/, "");
  const { value, quoted } = readValue(where, rest, name, lineNumber);
  current.assignments.push({ name, value, quoted, line: lineNumber });
}

/**
 * Splits an input text into component blocks. Reading stops at `=== end ===` (and at
 * `=== end of input ===`, which log files contain). Needs no permissions.
 */
export function splitInputText(text: string, where: SyntaxLocation): RawBlock[] {
  const lines = text.split(/\r\n|\n|\r/);
  const blocks: RawBlock[] = [];
  let current: RawBlock | undefined;
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const line = lines[index] ?? "";
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (line.startsWith("=")) {
      current = readHeading(where, line, lineNumber);
      if (current === undefined) break;
      blocks.push(current);
      continue;
    }
    addAssignment(where, line, lineNumber, current);
  }
  return blocks;
}

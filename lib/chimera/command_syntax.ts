/**
 * Chimera 1 command-line syntax: `;`-separated commands, whitespace tokens (quotes group),
 * keyword options that are case-insensitive and may be truncated to a unique prefix, and the
 * value forms (numbers, comma vectors with no spaces, booleans).
 *
 * @module
 */
import type { Vector3 } from "./transform.ts";

/**
 * A command failure reported to the client as one error line (Chimera's MidasError).
 * Needs no permissions.
 */
export class CommandError extends Error {
  override name = "CommandError";
}

/**
 * Splits a command string on `;` outside quotes into trimmed, non-empty commands.
 * Needs no permissions.
 */
export function splitCommands(text: string): string[] {
  const out: string[] = [];
  let quote = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== "") {
      if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ";") {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((c) => c.trim()).filter((c) => c !== "");
}

/**
 * Splits one command into whitespace-separated tokens; `"…"` or `'…'` group a token (the quotes
 * are removed). Throws CommandError for an unterminated quote. Needs no permissions.
 */
export function tokenize(command: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < command.length) {
    while (i < command.length && /\s/.test(command[i]!)) i++;
    if (i >= command.length) break;
    let token = "";
    while (i < command.length && !/\s/.test(command[i]!)) {
      const ch = command[i]!;
      if (ch === '"' || ch === "'") {
        const end = command.indexOf(ch, i + 1);
        if (end < 0) throw new CommandError(`Unterminated quote in "${command}"`);
        token += command.slice(i + 1, end);
        i = end + 1;
      } else {
        token += ch;
        i++;
      }
    }
    tokens.push(token);
  }
  return tokens;
}

/** How a keyword option is written: followed by a value, or a bare flag. */
export type OptionKind = "value" | "flag";

/**
 * Resolves `word` against `names` case-insensitively: an exact match, else a unique prefix.
 * Returns undefined when nothing matches; throws CommandError when the prefix is ambiguous.
 * Needs no permissions.
 */
export function matchKeyword(word: string, names: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exact = names.find((n) => n.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  const matches = names.filter((n) => n.toLowerCase().startsWith(lower));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new CommandError(`Ambiguous keyword "${word}" (${matches.join(", ")})`);
  }
  return undefined;
}

/** Parsed keyword options: canonical name → value (`""` for flags). */
export type Options = Map<string, string>;

/**
 * Parses `tokens` as keyword options of `command` (`kinds`: canonical name → kind). Every
 * token must be a keyword (or its value). Throws CommandError for unknown keywords and
 * missing values. Needs no permissions.
 */
export function parseOptions(
  command: string,
  tokens: readonly string[],
  kinds: Record<string, OptionKind>,
): Options {
  const names = Object.keys(kinds);
  const options: Options = new Map();
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i]!;
    const name = matchKeyword(word, names);
    if (name === undefined) throw new CommandError(`Unknown ${command} keyword "${word}"`);
    if (kinds[name] === "flag") {
      options.set(name, "");
      continue;
    }
    const value = tokens[i + 1];
    if (value === undefined) throw new CommandError(`Missing value for ${command} ${name}`);
    options.set(name, value);
    i++;
  }
  return options;
}

/** Whether `text` is a number as Chimera writes them. Needs no permissions. */
export function isNumber(text: string): boolean {
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text);
}

/** Parses a finite number; throws CommandError naming `what`. Needs no permissions. */
export function parseNumber(text: string, what: string): number {
  if (!isNumber(text)) throw new CommandError(`${what} must be a number, got "${text}"`);
  const value = Number(text);
  if (!Number.isFinite(value)) throw new CommandError(`${what} must be finite, got "${text}"`);
  return value;
}

/** Parses an integer; throws CommandError naming `what`. Needs no permissions. */
export function parseInteger(text: string, what: string): number {
  const value = parseNumber(text, what);
  if (!Number.isInteger(value)) throw new CommandError(`${what} must be an integer, got "${text}"`);
  return value;
}

/** Parses `n1,n2,…` (no spaces); throws CommandError naming `what`. Needs no permissions. */
export function parseNumberList(text: string, what: string): number[] {
  return text.split(",").map((part) => parseNumber(part, what));
}

/**
 * Parses `x,y,z`, or one number used on all three axes when `allowScalar`. Throws
 * CommandError naming `what`. Needs no permissions.
 */
export function parseVector3(text: string, what: string, allowScalar = false): Vector3 {
  const parts = parseNumberList(text, what);
  if (parts.length === 1 && allowScalar) return [parts[0]!, parts[0]!, parts[0]!];
  if (parts.length !== 3) {
    throw new CommandError(`${what} must be 3 comma-separated numbers, got "${text}"`);
  }
  return [parts[0]!, parts[1]!, parts[2]!];
}

/**
 * Parses a boolean (`true|false|1|0`, and `t|f|yes|no|on|off`). Throws CommandError.
 * Needs no permissions.
 */
export function parseBoolean(text: string, what: string): boolean {
  const lower = text.toLowerCase();
  if (["true", "t", "1", "yes", "on"].includes(lower)) return true;
  if (["false", "f", "0", "no", "off"].includes(lower)) return false;
  throw new CommandError(`${what} must be true or false, got "${text}"`);
}

/**
 * Parses an axis: `x|y|z` (optionally signed) or `ax,ay,az`. Throws CommandError.
 * Needs no permissions.
 */
export function parseAxis(text: string, what = "axis"): Vector3 {
  const m = text.toLowerCase().match(/^([-+]?)([xyz])$/);
  if (m !== null) {
    const sign = m[1] === "-" ? -1 : 1;
    const axis: Vector3 = [0, 0, 0];
    axis["xyz".indexOf(m[2]!)] = sign;
    return axis;
  }
  return parseVector3(text, what);
}

/** Whether `text` parses as an axis. Needs no permissions. */
export function isAxis(text: string): boolean {
  if (/^[-+]?[xyzXYZ]$/.test(text)) return true;
  const parts = text.split(",");
  return parts.length === 3 && parts.every(isNumber);
}

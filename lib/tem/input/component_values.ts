/**
 * An input file's raw assignments → typed component values: conversion by parameter type and
 * range, defaults, repeated and duplicate components, and required parameters (spec §1.2, §8).
 *
 * @module
 */
import { isAbsolute, join, normalize } from "node:path";
import { parseIntegerLiteral, parseRealLiteral } from "./numbers.ts";
import { fail, title } from "./parse_context.ts";
import type { Context, Values } from "./parse_context.ts";
import { PARAMETERS } from "./schema.ts";
import type { ParameterSpec } from "./schema.ts";
import type { RawAssignment, RawBlock } from "./syntax.ts";
import type { ComponentType } from "./types.ts";

/** A parameter's allowed range in words ("between 1 and 3", "at least 0"). */
function describeRange(spec: ParameterSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) {
    return `between ${spec.min} and ${spec.max}`;
  }
  if (spec.min !== undefined) return `at least ${spec.min}`;
  return `at most ${spec.max}`;
}

/** Converts one raw value by its parameter's type; throws a located input error. */
function convertValue(context: Context, spec: ParameterSpec, raw: RawAssignment): unknown {
  const { value, line } = raw;
  const bad = (expected: string): never =>
    fail(
      context,
      line,
      `"${spec.name}" must be ${expected}, got ${JSON.stringify(value)}`,
      spec.name,
    );
  switch (spec.type) {
    case "boolean":
      if (value === "yes") return true;
      if (value === "no") return false;
      return bad('"yes" or "no"');
    case "integer":
    case "real": {
      const number = spec.type === "integer" ? parseIntegerLiteral(value) : parseRealLiteral(value);
      if (number === undefined) return bad(spec.type === "integer" ? "an integer" : "a number");
      if (
        (spec.min !== undefined && number < spec.min) ||
        (spec.max !== undefined && number > spec.max)
      ) {
        return bad(describeRange(spec));
      }
      return number;
    }
    case "enum":
      if (spec.values?.includes(value)) return value;
      return bad(`one of ${(spec.values ?? []).map((v) => `"${v}"`).join(", ")}`);
    case "string":
      return value;
    case "input_file":
    case "output_file":
      if (value === "") return bad("a file name");
      return normalize(isAbsolute(value) ? value : join(context.baseDir, value));
  }
}
/** Builds one component from its assignments: converted values, then defaults. */
export function buildComponent(
  context: Context,
  type: ComponentType,
  name: string,
  line: number,
  assignments: RawAssignment[],
): Values {
  const specs = PARAMETERS[type];
  const given: Record<string, number> = {};
  const values: Values = { name, location: { line, given } };
  for (const assignment of assignments) {
    const spec = specs.find((candidate) => candidate.name === assignment.name);
    if (spec === undefined) {
      fail(
        context,
        assignment.line,
        `unknown parameter "${assignment.name}" in component "${type}"`,
        assignment.name,
      );
    }
    const earlier = given[spec.name];
    if (earlier !== undefined) {
      context.warnings.push(
        `${context.fileName}: line ${assignment.line}: "${spec.name}" was already given at line ` +
          `${earlier}; the last value is used`,
      );
    }
    values[spec.name] = convertValue(context, spec, assignment);
    given[spec.name] = assignment.line;
  }
  for (const spec of specs) {
    if (!(spec.name in values) && spec.default !== undefined) values[spec.name] = spec.default;
  }
  return values;
}

/** Checks the required parameters of a used component, and a conditional list. */
export function requireParameters(
  context: Context,
  type: ComponentType,
  component: Values,
  names: readonly string[],
  because?: string,
): void {
  for (const name of names) {
    if (component[name] === undefined) {
      const reason = because === undefined ? "" : ` (required when ${because})`;
      fail(
        context,
        component.location.line,
        `component ${title(component, type)} needs "${name}"${reason}`,
        name,
      );
    }
  }
}

/** Checks the parameters the schema marks as always required for the type. */
export function requireTableParameters(
  context: Context,
  type: ComponentType,
  component: Values,
): void {
  const required = PARAMETERS[type].filter((spec) => spec.required).map((spec) => spec.name);
  requireParameters(context, type, component, required);
}

/** The first block of a single component type; a second one is an error. */
export function single(
  context: Context,
  blocks: RawBlock[],
  type: ComponentType,
): Values | undefined {
  const ofType = blocks.filter((block) => block.type === type);
  const [first, second] = ofType;
  if (first === undefined) return undefined;
  if (second !== undefined) {
    fail(
      context,
      second.line,
      `a second "${type}" component (the first is at line ${first.line}); only one is allowed`,
    );
  }
  return buildComponent(context, type, first.name, first.line, first.assignments);
}

/** All blocks of a repeatable component type; two with the same non-empty name are an error. */
export function repeated(context: Context, blocks: RawBlock[], type: ComponentType): Values[] {
  const seen = new Map<string, number>();
  const result: Values[] = [];
  for (const block of blocks) {
    if (block.type !== type) continue;
    if (block.name !== "") {
      const earlier = seen.get(block.name);
      if (earlier !== undefined) {
        fail(
          context,
          block.line,
          `a second component "${type} ${block.name}" (the first is at line ${earlier})`,
        );
      }
      seen.set(block.name, block.line);
    }
    result.push(buildComponent(context, type, block.name, block.line, block.assignments));
  }
  return result;
}

/** The component a generate flag needs, or an error at the flag's line. */
export function needComponent<T>(
  context: Context,
  simulation: Values,
  flag: string,
  component: T | undefined,
  type: ComponentType,
): T {
  if (component === undefined) {
    fail(
      context,
      simulation.location.given[flag],
      `${flag} = yes needs a "=== ${type} ===" component`,
      flag,
    );
  }
  return component;
}

/**
 * The context an input file is parsed in (where messages point, where relative paths resolve, the
 * warnings collected), its located errors, and the component values with their type tags.
 *
 * @module
 */
import { TemInputError } from "./input_error.ts";
import type { ComponentBase, ComponentType } from "./types.ts";

/** A component's values by parameter name, with its name and location. */
export type Values = ComponentBase & Record<string, unknown>;

/** Where messages point, where relative paths resolve, and the warnings collected. */
export interface Context {
  fileName: string;
  path: string;
  baseDir: string;
  warnings: string[];
}

/** Throws the located input error of `reason`. */
export function fail(
  context: Context,
  line: number | undefined,
  reason: string,
  key?: string,
): never {
  throw new TemInputError(
    { fileName: context.fileName, path: context.path, line: line || undefined, key },
    reason,
  );
}

/** A component as named in messages: `"type"` or `"type name"`. */
export function title(component: Values, type: ComponentType): string {
  return component.name === "" ? `"${type}"` : `"${type} ${component.name}"`;
}

/** The component type of each built component (set by {@linkcode tag}). */
const TYPE_OF = new WeakMap<Values, ComponentType>();

/** The type a component was tagged with. */
export function componentType(component: Values): ComponentType {
  const type = TYPE_OF.get(component);
  if (type === undefined) throw new Error("component without a type");
  return type;
}

/** Records the type of a component (if any) and returns it. */
export function tag<T extends Values | undefined>(type: ComponentType, component: T): T {
  if (component !== undefined) TYPE_OF.set(component, type);
  return component;
}

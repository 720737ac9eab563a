/**
 * Assemblers users write: `assembler: ./my_assembler.ts` (or `.js`, `.mjs`, `.mts`) loads a
 * module whose default export is a class implementing {@linkcode Assembler}
 * (`setUpTiltSeries(sim)`, `resetTempDir()`, `close()`), constructed once per worker with the
 * {@linkcode AssemblerContext} and the config's `custom_configs`. Optional named exports:
 * `summary` (string), `usesChimera` (boolean, default true: a Chimera server pool is started),
 * `requiresModel` (boolean, default false), `coordOptional` (boolean, default false),
 * `inputFiles(options)` (files to check and to grant read on, dotted key → path) and
 * `checkOptions(options)` (returns a one-line problem, or undefined). Guide: docs/assemblers.md.
 *
 * A process holding broad grants never imports such a module: it takes the module's
 * {@linkcode AssemblerModuleFacts} from a child that may read only the module (lib/config
 * assembler_module.ts) and registers them ({@linkcode useAssemblerModuleFacts}).
 *
 * @module
 */
import { z } from "zod";
import type { Assembler, AssemblerContext, AssemblerDefinition } from "./assembler.ts";

/** The interface a user module's default export must implement. */
export const ASSEMBLER_METHODS = ["setUpTiltSeries", "resetTempDir", "close"] as const;

/** Whether an `assembler` value names a module file rather than a registered name. */
export function isAssemblerModulePath(name: string): boolean {
  return /\.(ts|js|mjs|mts)$/i.test(name) && (name.includes("/") || !/^[a-z0-9_-]+$/i.test(name));
}

/** A problem with a user module; the message is one line. */
export class AssemblerModuleError extends Error {
  override name = "AssemblerModuleError";
}

const loaded = new Map<string, AssemblerDefinition<Record<string, unknown>>>();

type AssemblerClass = new (
  context: AssemblerContext,
  options: Record<string, unknown>,
) => Assembler;

function optionalBoolean(module: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = module[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new AssemblerModuleError(`its export "${key}" must be true or false`);
  }
  return value;
}

function optionalFunction<T>(module: Record<string, unknown>, key: string): T | undefined {
  const value = module[key];
  if (value === undefined) return undefined;
  if (typeof value !== "function") {
    throw new AssemblerModuleError(`its export "${key}" must be a function`);
  }
  return value as T;
}

/** The one-line problem `checkOptions` finds with `options` (its failure is one too). */
function optionsProblemOf(
  checkOptions: ((o: Record<string, unknown>) => string | undefined) | undefined,
  options: Record<string, unknown>,
): string | undefined {
  try {
    const problem = checkOptions?.(options);
    return typeof problem === "string" ? problem : undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `the module's checkOptions() failed: ${reason.split("\n")[0]}`;
  }
}

/**
 * Checks a loaded module against the interface and makes its registry entry (named by `path`).
 * Throws an {@linkcode AssemblerModuleError}. Needs no permissions.
 */
export function definitionOfModule(
  path: string,
  module: Record<string, unknown>,
): AssemblerDefinition<Record<string, unknown>> {
  const exported = module.default;
  if (typeof exported !== "function" || typeof exported.prototype !== "object") {
    throw new AssemblerModuleError(
      `it does not implement the Assembler interface: its default export must be a class with ${
        ASSEMBLER_METHODS.map((m) => `${m}()`).join(", ")
      } (see docs/assemblers.md)`,
    );
  }
  const missing = ASSEMBLER_METHODS.filter((m) => typeof exported.prototype[m] !== "function");
  if (missing.length > 0) {
    throw new AssemblerModuleError(
      `it does not implement the Assembler interface: its default export has no ${
        missing.map((m) => `${m}()`).join(", ")
      } method (see docs/assemblers.md)`,
    );
  }
  const usesChimera = optionalBoolean(module, "usesChimera", true);
  const requiresModel = optionalBoolean(module, "requiresModel", false);
  const coordOptional = optionalBoolean(module, "coordOptional", false);
  const inputFiles = optionalFunction<(o: Record<string, unknown>) => Record<string, string>>(
    module,
    "inputFiles",
  );
  const checkOptions = optionalFunction<(o: Record<string, unknown>) => string | undefined>(
    module,
    "checkOptions",
  );
  const summary = typeof module.summary === "string" ? module.summary : `user assembler ${path}`;
  const Constructor = exported as AssemblerClass;
  return {
    name: path,
    summary,
    customConfigSchema: z.record(z.string(), z.unknown()).superRefine((options, ctx) => {
      const problem = optionsProblemOf(checkOptions, options);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    }),
    requiresModel,
    coordOptional,
    resolvePaths: (options) => options,
    inputFiles: (options) => {
      const files = inputFiles?.(options) ?? {};
      const out: Record<string, string> = {};
      for (const [key, file] of Object.entries(files)) {
        if (typeof file === "string") out[`custom_configs.${key}`] = file;
      }
      return out;
    },
    usesChimera: () => usesChimera,
    create: (context, options) => new Constructor(context, options),
  };
}

/**
 * Imports the assembler module at `path` (absolute) once per isolate and returns its registry
 * entry. Throws an {@linkcode AssemblerModuleError} (one line) when it cannot be imported or does
 * not implement the interface. Needs --allow-read on `path` (and on what it imports).
 */
export async function loadAssemblerModule(
  path: string,
): Promise<AssemblerDefinition<Record<string, unknown>>> {
  const cached = loaded.get(path);
  if (cached !== undefined) return cached;
  let module: Record<string, unknown>;
  try {
    module = await import(
      new URL(`file://${path.split("/").map(encodeURIComponent).join("/")}`).href
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new AssemblerModuleError(`cannot load it: ${reason}`, { cause: error });
  }
  const definition = definitionOfModule(path, module);
  loaded.set(path, definition);
  return definition;
}

/** The user module already loaded (or described) from `path`, if any. Needs no permissions. */
export function loadedAssemblerModule(
  path: string,
): AssemblerDefinition<Record<string, unknown>> | undefined {
  return loaded.get(path) ?? described.get(path);
}

/**
 * What a process that must not run a user module's code needs of it for one config: the
 * module's declarations, and what its functions answer for the config's `custom_configs`. Made
 * where the module may run ({@linkcode describeAssemblerModule}), carried as JSON.
 */
export interface AssemblerModuleFacts {
  /** Its `summary`, or the default. */
  summary: string;
  /** Its `usesChimera` (default true). */
  usesChimera: boolean;
  /** Its `requiresModel` (default false). */
  requiresModel: boolean;
  /** Its `coordOptional` (default false). */
  coordOptional: boolean;
  /** Its `inputFiles(options)`, keys dotted as `custom_configs.KEY`. */
  inputFiles: Record<string, string>;
  /** The one-line problem its `checkOptions(options)` found, if any. */
  optionsProblem?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Imports the module at `path` (absolute) in this isolate, with this isolate's grants, and
 * returns its facts for `options` (the config's `custom_configs`). Throws an
 * {@linkcode AssemblerModuleError} (one line) as {@linkcode loadAssemblerModule} does.
 * Needs --allow-read on `path`.
 */
export async function describeAssemblerModule(
  path: string,
  options: unknown,
): Promise<AssemblerModuleFacts> {
  const definition = await loadAssemblerModule(path);
  const record = isRecord(options) ? options : {};
  const parsed = definition.customConfigSchema.safeParse(record);
  let inputFiles: Record<string, string>;
  try {
    inputFiles = definition.inputFiles(record);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AssemblerModuleError(`its inputFiles() failed: ${reason.split("\n")[0]}`, {
      cause: error,
    });
  }
  return {
    summary: definition.summary,
    usesChimera: definition.usesChimera(record),
    requiresModel: definition.requiresModel,
    coordOptional: definition.coordOptional ?? false,
    inputFiles,
    ...(parsed.success ? {} : { optionsProblem: parsed.error.issues[0]?.message ?? "invalid" }),
  };
}

/** The wire form of {@linkcode AssemblerModuleFacts} (a child's answer is checked with it). */
export const assemblerModuleFactsSchema: z.ZodType<AssemblerModuleFacts> = z.strictObject({
  summary: z.string().max(1000),
  usesChimera: z.boolean(),
  requiresModel: z.boolean(),
  coordOptional: z.boolean(),
  inputFiles: z.record(z.string(), z.string()),
  optionsProblem: z.string().max(4000).optional(),
});

const described = new Map<string, AssemblerDefinition<Record<string, unknown>>>();

/**
 * Registers (under `path`, for {@linkcode loadedAssemblerModule}) and returns the registry
 * entry of a module known only by its facts: it answers for the options it was described with
 * and cannot create an assembler — its code runs only where the run's scoped grants hold.
 * Needs no permissions.
 */
export function useAssemblerModuleFacts(
  path: string,
  facts: AssemblerModuleFacts,
): AssemblerDefinition<Record<string, unknown>> {
  const definition: AssemblerDefinition<Record<string, unknown>> = {
    name: path,
    summary: facts.summary,
    customConfigSchema: z.record(z.string(), z.unknown()).superRefine((_options, ctx) => {
      if (facts.optionsProblem !== undefined) {
        ctx.addIssue({ code: "custom", message: facts.optionsProblem });
      }
    }),
    requiresModel: facts.requiresModel,
    coordOptional: facts.coordOptional,
    resolvePaths: (options) => options,
    inputFiles: () => ({ ...facts.inputFiles }),
    usesChimera: () => facts.usesChimera,
    create: () => {
      throw new AssemblerModuleError(
        "its code runs only under the run's scoped grants, not in this process",
      );
    },
  };
  described.set(path, definition);
  return definition;
}

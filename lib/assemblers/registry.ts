/**
 * The assembler registry: config `assembler` names → definitions (ETSimulations'
 * `assembler_registry`), plus the modules users write (`assembler: ./my_assembler.ts`, see
 * user_module.ts), found under their absolute path once loaded.
 *
 * @module
 */
import type { AssemblerDefinition } from "./assembler.ts";
import { basicAssemblerDefinition } from "./basic_assembler.ts";
import { crowdedAssemblerDefinition } from "./crowded_assembler.ts";
import { membraneAssemblerDefinition } from "./membrane_assembler.ts";
import {
  isAssemblerModulePath,
  loadAssemblerModule,
  loadedAssemblerModule,
} from "./user_module.ts";

// deno-lint-ignore no-explicit-any
const DEFINITIONS: readonly AssemblerDefinition<any>[] = [
  basicAssemblerDefinition,
  membraneAssemblerDefinition,
  crowdedAssemblerDefinition,
];

/** Every registered assembler. Needs no permissions. */
export function assemblerDefinitions(): readonly AssemblerDefinition<unknown>[] {
  return DEFINITIONS;
}

/** Every accepted `assembler` name, aliases included. Needs no permissions. */
export function assemblerNames(): string[] {
  return DEFINITIONS.flatMap((definition) => [definition.name, ...(definition.aliases ?? [])]);
}

/**
 * The definition registered under `name` (or an alias), or the user module loaded from the
 * absolute path `name`, if any. Needs no permissions.
 */
export function findAssembler(name: string): AssemblerDefinition<unknown> | undefined {
  return DEFINITIONS.find((definition) =>
    definition.name === name || (definition.aliases ?? []).includes(name)
  ) ?? (loadedAssemblerModule(name) as AssemblerDefinition<unknown> | undefined);
}

/**
 * Like {@linkcode findAssembler}, loading the user module first when `name` is a module path
 * (absolute). Throws an AssemblerModuleError for a module that cannot be used.
 * Needs --allow-read on the module.
 */
export async function resolveAssembler(
  name: string,
): Promise<AssemblerDefinition<unknown> | undefined> {
  if (isAssemblerModulePath(name) && findAssembler(name) === undefined) {
    return (await loadAssemblerModule(name)) as AssemblerDefinition<unknown>;
  }
  return findAssembler(name);
}

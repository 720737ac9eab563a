/**
 * The assembler registry: config `assembler` names → definitions (ETSimulations'
 * `assembler_registry`). Add a custom assembler by adding its definition here.
 *
 * @module
 */
import type { AssemblerDefinition } from "./assembler.ts";
import { basicAssemblerDefinition } from "./basic_assembler.ts";
import { membraneAssemblerDefinition } from "./membrane_assembler.ts";

// deno-lint-ignore no-explicit-any
const DEFINITIONS: readonly AssemblerDefinition<any>[] = [
  basicAssemblerDefinition,
  membraneAssemblerDefinition,
];

/** Every registered assembler. Needs no permissions. */
export function assemblerDefinitions(): readonly AssemblerDefinition<unknown>[] {
  return DEFINITIONS;
}

/** Every accepted `assembler` name, aliases included. Needs no permissions. */
export function assemblerNames(): string[] {
  return DEFINITIONS.flatMap((definition) => [definition.name, ...(definition.aliases ?? [])]);
}

/** The definition registered under `name` (or an alias), if any. Needs no permissions. */
export function findAssembler(name: string): AssemblerDefinition<unknown> | undefined {
  return DEFINITIONS.find((definition) =>
    definition.name === name || (definition.aliases ?? []).includes(name)
  );
}

/**
 * A config's assembler: a registry name or a module the user wrote (docs/assemblers.md), looked
 * up before validation because it decides the `custom_configs` schema.
 *
 * @module
 */
import {
  type AssemblerDefinition,
  assemblerNames,
  findAssembler,
  isAssemblerModulePath,
} from "../assemblers/mod.ts";
import { userAssembler } from "./assembler_module.ts";
import type { ConfigScope } from "./config_scope.ts";
import { didYouMean } from "./suggest.ts";

/**
 * The assembler the config's `assembler` key names (default `basic`), undefined when it is none
 * (reported after validation). A module that does not load fails at the key. Needs
 * `--allow-read` on the module and what its grants allow (lib/config/assembler_module.ts).
 */
export async function lookUpAssembler(
  data: Record<string, unknown>,
  scope: ConfigScope,
): Promise<AssemblerDefinition<unknown> | undefined> {
  const rawAssembler = data.assembler;
  const assemblerName = typeof rawAssembler === "string" ? rawAssembler : "basic";
  let definition = findAssembler(assemblerName);
  if (definition === undefined && isAssemblerModulePath(assemblerName)) {
    // A module the user wrote (docs/assemblers.md): its path resolves against the config's folder.
    // Its code runs only under grants no broader than the scoped run's (assembler_module.ts).
    const modulePath = scope.resolve(assemblerName);
    try {
      definition = await userAssembler(modulePath, data.custom_configs ?? {});
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      scope.failAtKey("assembler", `module "${modulePath}": ${reason}`);
    }
  }
  return definition;
}

/**
 * The assembler found, or the config's error naming the unknown one, the closest known name and
 * the known ones. Needs no permissions.
 */
export function requireKnownAssembler(
  definition: AssemblerDefinition<unknown> | undefined,
  name: string,
  scope: ConfigScope,
): AssemblerDefinition<unknown> {
  if (definition === undefined) {
    scope.failAtKey(
      "assembler",
      `unknown assembler "${name}"${didYouMean(name, assemblerNames())}; known: ${
        assemblerNames().join(", ")
      }, or a module you wrote ("./my_assembler.ts", docs/assemblers.md)`,
    );
  }
  return definition as AssemblerDefinition<unknown>;
}

/**
 * `ets validate`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EtsError } from "../errors/mod.ts";

/** Builds the `validate` subcommand. Needs no permissions to build; running it needs more. */
export function validateCommand() {
  return new Command("validate")
    .description("validate (not available yet)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new EtsError('Cannot run "validate": not available yet', { kind: "unavailable" });
    });
}

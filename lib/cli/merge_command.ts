/**
 * `ets merge`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EtsError } from "../errors/mod.ts";

/** Builds the `merge` subcommand. Needs no permissions to build; running it needs more. */
export function mergeCommand() {
  return new Command("merge")
    .description("merge (not available yet)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new EtsError('Cannot run "merge": not available yet', { kind: "unavailable" });
    });
}

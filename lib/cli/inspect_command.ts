/**
 * `ets inspect`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EtsError } from "../errors/mod.ts";

/** Builds the `inspect` subcommand. Needs no permissions to build; running it needs more. */
export function inspectCommand() {
  return new Command("inspect")
    .description("inspect (not available yet)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new EtsError('Cannot run "inspect": not available yet', { kind: "unavailable" });
    });
}

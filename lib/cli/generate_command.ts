/**
 * `ets generate`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EtsError } from "../errors/mod.ts";

/** Builds the `generate` subcommand. Needs no permissions to build; running it needs more. */
export function generateCommand() {
  return new Command("generate")
    .description("generate (not available yet)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new EtsError('Cannot run "generate": not available yet', { kind: "unavailable" });
    });
}

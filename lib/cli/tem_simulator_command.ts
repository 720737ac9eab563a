/**
 * `ets tem-simulator`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EtsError } from "../errors/mod.ts";

/** Builds the `tem-simulator` subcommand. Needs no permissions to build; running it needs more. */
export function temSimulatorCommand() {
  return new Command("tem-simulator")
    .description("tem-simulator (not available yet)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new EtsError('Cannot run "tem-simulator": not available yet', { kind: "unavailable" });
    });
}

/**
 * `ets chimera-server`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EtsError } from "../errors/mod.ts";

/** Builds the `chimera-server` subcommand. Needs no permissions to build; running it needs more. */
export function chimeraServerCommand() {
  return new Command("chimera-server")
    .description("chimera-server (not available yet)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new EtsError('Cannot run "chimera-server": not available yet', { kind: "unavailable" });
    });
}

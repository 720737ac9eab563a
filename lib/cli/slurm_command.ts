/**
 * `ets slurm`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EtsError } from "../errors/mod.ts";

/** Builds the `slurm` subcommand. Needs no permissions to build; running it needs more. */
export function slurmCommand() {
  return new Command("slurm")
    .description("slurm (not available yet)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new EtsError('Cannot run "slurm": not available yet', { kind: "unavailable" });
    });
}

/**
 * The `ets` command line: one commander program with a subcommand per file.
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { EtsError, exitCodeFor } from "../errors/mod.ts";
import { chimeraServerCommand } from "./chimera_server_command.ts";
import { generateCommand } from "./generate_command.ts";
import { inspectCommand } from "./inspect_command.ts";
import { mergeCommand } from "./merge_command.ts";
import { slurmCommand } from "./slurm_command.ts";
import { temSimulatorCommand } from "./tem_simulator_command.ts";
import { validateCommand } from "./validate_command.ts";
import { ETS_VERSION, versionCommand } from "./version_command.ts";

export { ETS_VERSION };

/** Builds the whole `ets` program. Needs no permissions to build. */
export function buildProgram(): Command<[], { debug?: true }> {
  const program = new Command()
    .name("ets")
    .description(
      "Simulated cryo-electron-tomography tilt series with known ground truth.",
    )
    .version(ETS_VERSION, "-V, --version")
    .option("--debug", "print stack traces on errors")
    .showHelpAfterError('(run "ets --help" for usage)')
    .exitOverride();
  const commands = [
    generateCommand(),
    temSimulatorCommand(),
    chimeraServerCommand(),
    inspectCommand(),
    validateCommand(),
    mergeCommand(),
    slurmCommand(),
    versionCommand(),
  ];
  for (const command of commands) program.addCommand(command.exitOverride());
  return program;
}

/**
 * Runs the program on `args` and returns the exit code: 0 success, 1 runtime failure,
 * 2 usage or input error, 130/143 when interrupted. Prints one line on error
 * (a stack trace too with `--debug`). Needs whatever the chosen subcommand needs.
 */
export async function runCli(args: string[]): Promise<number> {
  const program = buildProgram();
  const debug = args.includes("--debug");
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (or help/version)
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      if (error.code === "commander.help") return 0;
      return 2;
    }
    if (error instanceof EtsError) {
      console.error(`ets: ${error.oneLine}`);
    } else if (error instanceof Error) {
      console.error(`ets: ${error.message}`);
    } else {
      console.error(`ets: ${String(error)}`);
    }
    if (debug && error instanceof Error && error.stack) console.error(error.stack);
    return exitCodeFor(error);
  }
}

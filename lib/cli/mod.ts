/**
 * The `ets` command line: one commander program with a subcommand per file.
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { EtsError, exitCodeFor } from "../errors/mod.ts";
import { ETS_VERSION, versionCommand } from "./version_command.ts";

export { ETS_VERSION };

type AnyCommand = Command<unknown[], Record<string, unknown>, Record<string, unknown>>;

/**
 * The subcommands, each loaded on demand: a run of `ets tem-simulator` (spawned once per stack)
 * then loads only the engine, not the orchestrator, the Chimera server or the PNG encoder.
 */
const SUBCOMMANDS: Record<string, () => Promise<AnyCommand>> = {
  generate: async () => (await import("./generate_command.ts")).generateCommand() as AnyCommand,
  "tem-simulator": async () =>
    (await import("./tem_simulator_command.ts")).temSimulatorCommand() as AnyCommand,
  "chimera-server": async () =>
    (await import("./chimera_server_command.ts")).chimeraServerCommand() as AnyCommand,
  inspect: async () => (await import("./inspect_command.ts")).inspectCommand() as AnyCommand,
  validate: async () => (await import("./validate_command.ts")).validateCommand() as AnyCommand,
  merge: async () => (await import("./merge_command.ts")).mergeCommand() as AnyCommand,
  slurm: async () => (await import("./slurm_command.ts")).slurmCommand() as AnyCommand,
  reconstruct: async () =>
    (await import("./reconstruct_command.ts")).reconstructCommand() as AnyCommand,
  version: () => Promise.resolve(versionCommand() as AnyCommand),
};

/**
 * Builds the `ets` program with the subcommands `only` names (all when undefined).
 * Needs no permissions to build.
 */
export async function buildProgram(only?: string): Promise<Command<[], { debug?: true }>> {
  const program = new Command()
    .name("ets")
    .description(
      "Simulated cryo-electron-tomography tilt series with known ground truth.",
    )
    .version(ETS_VERSION, "-V, --version")
    .option("--debug", "print stack traces on errors")
    .showHelpAfterError('(run "ets --help" for usage)')
    .exitOverride();
  const names = only !== undefined && only in SUBCOMMANDS ? [only] : Object.keys(SUBCOMMANDS);
  for (const name of names) {
    const command = await SUBCOMMANDS[name]!();
    program.addCommand(command.exitOverride());
  }
  return program;
}

/** The subcommand named in `args` (the first argument that is not a global option). */
function subcommandOf(args: string[]): string | undefined {
  return args.find((arg) => !arg.startsWith("-"));
}

/**
 * Runs the program on `args` and returns the exit code: 0 success, 1 runtime failure,
 * 2 usage or input error, 130/143 when interrupted. Prints one line on error
 * (a stack trace too with `--debug`). Needs whatever the chosen subcommand needs.
 */
export async function runCli(args: string[]): Promise<number> {
  const program = await buildProgram(subcommandOf(args));
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

/**
 * The `ets` command line: one commander program with a subcommand per file.
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { EtsError, exitCodeFor } from "../errors/mod.ts";
import { runConfined, splitGrantFlags } from "../platform/mod.ts";
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
  // internal: a user assembler module's facts, asked by a broad-grant parent (lib/config)
  "assembler-facts": async () =>
    (await import("./assembler_facts_command.ts")).assemblerFactsCommand() as AnyCommand,
};

/** Internal subcommands, left out of `--help`. */
const HIDDEN = new Set(["assembler-facts"]);

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
    program.addCommand(command.exitOverride(), { hidden: HIDDEN.has(name) });
  }
  return program;
}

/** The subcommand named in `args` (the first argument that is not a global option). */
function subcommandOf(args: string[]): string | undefined {
  return args.find((arg) => !arg.startsWith("-"));
}

/**
 * Runs the program on `args` and returns 0, or commander's code after it printed a usage error
 * or help; throws the command's failure. Arguments that start with `--allow-NAME=…` flags (the
 * compiled binary's children, lib/platform selfInvocation) run the rest in a worker holding only
 * those grants (lib/platform runConfined), whose failure is thrown here again.
 * Needs whatever the chosen subcommand needs.
 */
export async function runCommandLine(args: string[]): Promise<number> {
  const confined = splitGrantFlags(args);
  if (confined !== undefined) {
    return await runConfined({ grants: confined.grants, deny: confined.deny, args: confined.args });
  }
  const program = await buildProgram(subcommandOf(args));
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // commander already printed its message (or help/version)
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
    if (error.code === "commander.help") return 0;
    return 2;
  }
}

/**
 * Prints one line for a failure (a stack trace too with `debug`) and returns its exit code.
 * Needs no permissions.
 */
export function reportCliError(error: unknown, debug: boolean): number {
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

/**
 * Runs the program on `args` and returns the exit code: 0 success, 1 runtime failure,
 * 2 usage or input error, 130/143 when interrupted. Prints one line on error
 * (a stack trace too with `--debug`). Needs whatever the chosen subcommand needs.
 */
export async function runCli(args: string[]): Promise<number> {
  try {
    return await runCommandLine(args);
  } catch (error) {
    return reportCliError(error, args.includes("--debug"));
  }
}

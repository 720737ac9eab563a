/**
 * `ets tem-simulator FILE [--threads N]`: a drop-in replacement for TEM-Simulator 1.3.
 *
 * The input file is read and checked completely (values, required parameters, input files and
 * tables, output folders) before anything is written, so bad input exits 2 with one line and no
 * output. Then the simulation runs (`runTemSimulation` of lib/tem/mod.ts, imported lazily so the
 * other subcommands start without the engine); exit 0 on success, 1 on a runtime failure.
 *
 * @module
 */
import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { EtsError } from "../errors/mod.ts";
import { shutdownSignal } from "../platform/mod.ts";
import { checkOutputPaths, outputPaths, parseSimulationFile } from "../tem/input/mod.ts";

/** Parses `--threads`: a positive integer literal. Needs no permissions. */
export function parseThreads(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1024) {
    throw new InvalidArgumentError(`"${value}" is not a number of threads (1 to 1024).`);
  }
  return Number(value);
}

/** Whether a path exists. Needs --allow-read on PATH. */
async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the `tem-simulator` subcommand. Needs no permissions to build; running it needs
 * --allow-read on the input file and the files it names, --allow-write on the output folders,
 * and what the simulation's workers need.
 */
export function temSimulatorCommand() {
  return new Command("tem-simulator")
    .description(
      "Simulate micrographs, volumes or particle maps from a TEM-Simulator 1.3 input file " +
        "(drop-in replacement: same input file, same outputs).",
    )
    .argument(
      "<file>",
      "TEM-Simulator input file (relative paths in it resolve against its folder)",
    )
    .option("--threads <n>", "worker threads (default: one per CPU)", parseThreads)
    .action(async (file, options) => {
      const input = await parseSimulationFile(file);
      await checkOutputPaths(input);
      const outputs = outputPaths(input).map((output) => output.path);
      const existing = new Set<string>();
      for (const path of outputs) if (await exists(path)) existing.add(path);
      try {
        // Loaded here so that the other subcommands start without the engine.
        const { runTemSimulation } = await import("../tem/mod.ts");
        await runTemSimulation(file, { threads: options.threads, signal: shutdownSignal() });
      } catch (error) {
        if (error instanceof EtsError && error.kind === "input") {
          // Bad input found while running: leave no output behind.
          for (const path of outputs) {
            if (!existing.has(path)) await Deno.remove(path).catch(() => {});
          }
        }
        throw error;
      }
    });
}

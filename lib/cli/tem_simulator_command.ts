/**
 * `ets tem-simulator FILE [--threads N]`: a drop-in replacement for TEM-Simulator 1.3.
 *
 * The input file is read and checked completely (values, required parameters, input files and
 * tables, output folders) before anything is written, so bad input exits 2 with one line and no
 * output. Then the simulation runs (`runTemSimulation` of lib/tem/mod.ts, imported lazily so the
 * other subcommands start without the engine), echoing its progress to stdout like TEM-Simulator;
 * exit 0 on success, 1 on a runtime failure.
 *
 * Documented invocation (memory: see lib/platform selfInvocation, which spawns it the same way):
 * `deno run -A --unstable-worker-options --no-code-cache
 * --v8-flags=--max-semi-space-size=1,--optimize-for-size main.ts tem-simulator FILE`.
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

/**
 * The stdout line for a line of the simulation log, as TEM-Simulator prints its progress: the
 * message without the log's `# ` prefix, or undefined for the log's empty separator lines.
 * Needs no permissions.
 */
export function progressMessage(logLine: string): string | undefined {
  const message = logLine.replace(/^# ?/, "");
  return message === "" ? undefined : message;
}

const encoder = new TextEncoder();
let stdoutOpen = true;

/**
 * Echoes a progress line of the log to stdout ({@linkcode progressMessage}). A closed stdout
 * (e.g. `| head`) ends the echo, not the simulation. Needs no permissions.
 */
export function echoProgress(logLine: string): void {
  const message = progressMessage(logLine);
  if (message === undefined || !stdoutOpen) return;
  const bytes = encoder.encode(message + "\n");
  try {
    for (let written = 0; written < bytes.length;) {
      written += Deno.stdout.writeSync(bytes.subarray(written));
    }
  } catch {
    stdoutOpen = false;
  }
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
    .option(
      "--threads <n>",
      "threads for the tilts (default: 1 for grids up to about 720², else one per CPU)",
      parseThreads,
    )
    .action(async (file, options) => {
      const input = await parseSimulationFile(file);
      await checkOutputPaths(input);
      const outputs = outputPaths(input).map((output) => output.path);
      const existing = new Set<string>();
      for (const path of outputs) if (await exists(path)) existing.add(path);
      try {
        // Loaded here so that the other subcommands start without the engine.
        const { runTemSimulation } = await import("../tem/mod.ts");
        await runTemSimulation(file, {
          threads: options.threads,
          signal: shutdownSignal(),
          echo: echoProgress,
        });
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

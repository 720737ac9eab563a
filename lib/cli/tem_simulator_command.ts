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
// The engine child loads only the engine-input checks, not the whole config loader (memory).
import { requireEngineInputFits } from "../config/engine_input.ts";
import { ContentProblem, readTextCapped } from "../config/input_contents.ts";
import { inputError } from "../errors/mod.ts";

/** Padded grids above this many pixels run on every CPU by default (lib/tem SINGLE_THREAD_GRID). */
const SINGLE_THREAD_GRID = 1 << 19;

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
      "--compare <dir>",
      "run into a temp folder and compare every tilt with the stacks of the same names in DIR " +
        "(TEM-Simulator's outputs): four figures per tilt, exit 1 when a bar fails",
    )
    .option(
      "--threads <n>",
      "threads for the tilts (default: 1 for grids up to about 720², else one per CPU)",
      parseThreads,
    )
    .action(async (file, options) => {
      if (options.compare !== undefined) {
        await compareRun(file, options.compare, options.threads);
        return;
      }
      // a device or a huge file is refused before the parser reads it whole
      await readTextCapped(file).catch((error) => {
        if (error instanceof ContentProblem) {
          throw inputError(`Cannot read "${file}": the file ${error.message}`, { file });
        }
      });
      const input = await parseSimulationFile(file);
      await checkOutputPaths(input);
      // maps and models read, sizes estimated: before the engine allocates anything
      const grid = Math.max(
        0,
        ...input.detectors.map((d) =>
          (d.det_pix_x + 2 * d.padding) * (d.det_pix_y + 2 * d.padding)
        ),
      );
      const threads = options.threads ??
        (grid > SINGLE_THREAD_GRID ? navigator.hardwareConcurrency || 1 : 1);
      await requireEngineInputFits(input, threads);
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

/**
 * `--compare DIR`: runs `file` with every output in a temp folder (removed afterwards), then
 * prints the four equivalence figures of every tilt against DIR's stacks and the worst of each;
 * throws a runtime EtsError (exit 1) when a figure fails its bar. Needs --allow-read on the input,
 * its files and DIR, --allow-write on the temp folder, and the simulation's worker permissions.
 */
async function compareRun(file: string, referenceFolder: string, threads?: number): Promise<void> {
  const input = await parseSimulationFile(file);
  const info = await Deno.stat(referenceFolder).catch(() => undefined);
  if (info === undefined || !info.isDirectory) {
    throw new EtsError(`Cannot compare: "${referenceFolder}" is not a folder`, {
      kind: "input",
      file: referenceFolder,
    });
  }
  const { runTemSimulation, compareWithReference, failedFigures, formatFigures, worstFigures } =
    await import("../tem/mod.ts");
  const folder = await Deno.makeTempDir({ prefix: "ets_compare_" });
  try {
    await runTemSimulation(file, { threads, signal: shutdownSignal(), outputFolder: folder });
    let comparisons;
    try {
      comparisons = await compareWithReference(input, referenceFolder, folder);
    } catch (error) {
      throw new EtsError(
        `Cannot compare: ${error instanceof Error ? error.message : String(error)}`,
        { kind: "input", file: referenceFolder, cause: error },
      );
    }
    const all = comparisons.flatMap((c) => c.tilts);
    for (const comparison of comparisons) {
      const names = [comparison.noiseFree, comparison.noisy].filter(Boolean).join(" + ");
      for (const tilt of comparison.tilts) {
        echoProgress(`${names} tilt ${tilt.tilt}: ${formatFigures(tilt)}`);
      }
    }
    const worst = worstFigures(all);
    const failed = failedFigures(worst);
    echoProgress(`worst: ${formatFigures(worst)}`);
    if (failed.length > 0) {
      throw new EtsError(
        `Cannot confirm equivalence with "${referenceFolder}": over the bar: ${failed.join(", ")}`,
        { kind: "runtime" },
      );
    }
    echoProgress("equivalent: every figure within its bar");
  } finally {
    await Deno.remove(folder, { recursive: true }).catch(() => {});
  }
}

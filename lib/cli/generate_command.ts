/**
 * `ets generate [-i config.yaml]`: the main job (ETSimulations' ets_generate_data.py). Without
 * `-i` it runs the embedded defaults (templates/config.yaml) into `./ets_demo` (or `--root`).
 *
 * @module
 */
import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { type GenerateConfig, loadConfig } from "../config/mod.ts";
import { runtimeError } from "../errors/mod.ts";
import {
  type GenerateResult,
  preflightGenerate,
  prepareScopedGenerate,
  runGenerate,
  type RunGenerateOptions,
} from "../generate/mod.ts";
import { runCleanups } from "../platform/mod.ts";
import { resolveShard, type Shard, slurmArrayEnv } from "../slurm/mod.ts";

/** Parses `--workers`: a positive integer. Needs no permissions. */
export function parseWorkers(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 4096) {
    throw new InvalidArgumentError(
      `"${value}" is not a number of workers (1 to 4096).`,
    );
  }
  return Number(value);
}

/** The parsed options of `ets generate`. */
interface GenerateOptions {
  input?: string;
  root?: string;
  resume?: boolean;
  shard?: string;
  dryRun?: boolean;
  preview: boolean;
  allowDir?: string[];
  workers?: number;
  engineThreads?: number;
  progress: string;
}

/** The options of {@linkcode runGenerate} for the command line's options. */
function generateRunOptions(
  options: GenerateOptions,
  config: GenerateConfig,
  shard: Shard | undefined,
  childPermissionFlags: RunGenerateOptions["childPermissionFlags"],
): RunGenerateOptions {
  return {
    childPermissionFlags,
    config,
    shard,
    resume: options.resume === true,
    dryRun: options.dryRun === true,
    preview: options.preview,
    workers: options.workers,
    engineThreads: options.engineThreads,
    progress: options.progress as "auto" | "tty" | "plain" | "none",
  };
}

/** Prints what a (not dry) run did; throws a runtime error when stacks failed. */
function reportGenerate(result: GenerateResult, shard: Shard | undefined): void {
  const complete = result.kept.length + result.done.length;
  console.log(
    `${complete}/${result.planned} stack(s)` +
      (shard === undefined ? "" : ` of shard ${shard.index}/${shard.count}`) +
      ` complete in ${result.root}/raw_data` +
      (result.kept.length > 0 ? ` (${result.kept.length} kept from before)` : "") +
      `; metadata ${result.metadataPath}; log ${result.logPath}`,
  );
  if (result.failed.length > 0) {
    throw runtimeError(
      `Cannot finish: ${result.failed.length} of ${result.planned} stack(s) failed ` +
        `(${result.failed.join(", ")}); see "${result.logPath}"`,
    );
  }
}

/**
 * The action of `ets generate`: loads and checks the config, re-runs under scoped grants when
 * needed (exiting with that run's code), else runs and reports. Needs what the command needs.
 */
async function generateAction(options: GenerateOptions): Promise<void> {
  // `--shard`, else a Slurm array task's position (SLURM_ARRAY_TASK_*), else the whole run
  const shard = resolveShard(options.shard, slurmArrayEnv());
  const config = await loadConfig(options.input, {
    root: options.root,
    allowDirs: options.allowDir,
  });
  // sizes checked here: the scoped re-run cannot read the machine's memory
  await preflightGenerate({
    config,
    shard,
    workers: options.workers,
    engineThreads: options.engineThreads,
  });
  // the scoped grants, however ets was started: re-run under them, or hand them to children
  const scoped = await prepareScopedGenerate(config, {
    allowDirs: options.allowDir ?? [],
    dryRun: options.dryRun === true,
  });
  if (scoped.relaunched) {
    await runCleanups();
    Deno.exit(scoped.code);
  }
  const result = await runGenerate(generateRunOptions(options, config, shard, scoped.childFlags));
  if (result.dryRun) return;
  reportGenerate(result, shard);
}

/** The `--progress <mode>` option: auto, tty, plain or none (default auto). */
function progressOption() {
  return new Option("--progress <mode>", "progress display").choices([
    "auto",
    "tty",
    "plain",
    "none",
  ])
    .default("auto");
}

/**
 * Builds the `generate` subcommand. Needs no permissions to build; running it needs read on the
 * config, its inputs and the root, write on the root, run on the engine, Chimera and our own
 * binary, net on 127.0.0.1, env on GENERATE_ENV_VARS (see lib/generate/PERMISSIONS.md).
 */
export function generateCommand() {
  return new Command("generate")
    .description(
      "Generate simulated tilt series from an ETSimulations config: particles assembled " +
        "through Chimera servers, imaged by the TEM engine, stacks run by parallel workers. " +
        "Without -i, runs the embedded demo config into ./ets_demo.",
    )
    .option(
      "-i, --input <config>",
      "the YAML config (default: the embedded templates/config.yaml)",
    )
    .option("--root <dir>", "project folder (overrides the config's root)")
    .option(
      "--resume",
      "keep complete stacks of an earlier run in root and redo the rest",
    )
    .option(
      "--shard <I/N>",
      "run only shard I of N (0-based; default inside a Slurm array job: the task's position)",
    )
    .option(
      "--dry-run",
      "print the plan (stacks, defocus and seed, workers, servers, disk) and stop",
    )
    .option("--no-preview", "do not write the per-stack preview.png files")
    .option(
      "--allow-dir <dir>",
      "also read files the engine template (sim.txt) names from this folder (repeatable; " +
        "default: only the config's folder)",
      (
        value: string,
        previous: string[] | undefined,
      ) => [...(previous ?? []), value],
    )
    .option(
      "--workers <n>",
      "number of workers (default: config workers, num_cores, or CPUs)",
      parseWorkers,
    )
    .option(
      "--engine-threads <n>",
      "threads of the embedded engine per stack (default: CPUs / workers)",
      parseWorkers,
    )
    .addOption(progressOption())
    .action(generateAction);
}

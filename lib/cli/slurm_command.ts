/**
 * `ets slurm -i config.yaml --array N [--partition P] [--time T] [--cpus-per-task C] [--mem M]`:
 * writes ROOT/slurm/generate.sbatch (an array job, one task per shard), merge.sbatch (runs
 * `ets merge ROOT` after every task succeeded), submit.sh (sbatches both) and plan.json.
 *
 * @module
 */
import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { type GenerateConfig, loadConfig, resolvePath } from "../config/mod.ts";
import { inputError } from "../errors/mod.ts";
import { checkRoot, permissionFlags, permissionPlan, shardStackIds } from "../generate/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";
import {
  buildSlurmScripts,
  etsCommand,
  planPath,
  runningAs,
  SCRIPT_NAMES,
  shellQuote,
  slurmDir,
  type SlurmScripts,
  writePlan,
} from "../slurm/mod.ts";

/** Parses a positive integer option. Needs no permissions. */
export function parsePositiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`"${value}" is not a positive integer.`);
  }
  return Number(value);
}

/** Parses `--time` as Slurm reads it (minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]], UNLIMITED). */
export function parseSlurmTime(value: string): string {
  if (
    !/^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}(:\d{1,2}(:\d{1,2})?)?|UNLIMITED|INFINITE)$/i
      .test(value)
  ) {
    throw new InvalidArgumentError(
      `"${value}" is not a Slurm time (minutes, HH:MM:SS or D-HH:MM:SS).`,
    );
  }
  return value;
}

/**
 * Parses `--mem` as Slurm reads it: a whole number with an optional K, M, G or T unit, which may
 * be followed by B (`8G`, `8GB`, `4000M`, `4000`: megabytes).
 */
export function parseSlurmMemory(value: string): string {
  if (!/^\d+([KMGT]B?)?$/i.test(value)) {
    throw new InvalidArgumentError(
      `"${value}" is not a Slurm memory size (a number with K, M, G or T, e.g. 8G, 8GB or 4000M).`,
    );
  }
  return value;
}

/** Parses `--partition` (one name or a comma-separated list). */
export function parsePartition(value: string): string {
  if (!/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/.test(value)) {
    throw new InvalidArgumentError(`"${value}" is not a partition name.`);
  }
  return value;
}

function ranges(ids: number[]): string {
  if (ids.length === 0) return "none";
  const first = ids[0] as number;
  const last = ids[ids.length - 1] as number;
  return first === last ? `${first}` : `${first}-${last}`;
}

/** The parsed options of `ets slurm`. */
interface SlurmOptions {
  input?: string;
  root?: string;
  array: number;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  mem?: string;
  allowDir?: string[];
}

/** Throws an input error when the config cannot be split into `shards` array tasks. */
function checkSlurmPlan(config: GenerateConfig, shards: number): void {
  checkRoot(config);
  if (config.seed === undefined) {
    throw inputError(
      `Cannot plan a Slurm run: the config has no "seed", and every array task must use the same one (add e.g. "seed: 1234")`,
      { file: config.configFile, key: "seed" },
    );
  }
  if (shards > config.numStacks) {
    throw inputError(
      `Cannot plan a Slurm run: "--array" ${shards} is more tasks than the ${config.numStacks} stack(s) of the run`,
      { key: "--array" },
    );
  }
}

/**
 * The scripts of a run, each task invoking ets with the run's permission flags; a value the
 * #SBATCH lines cannot carry is an input error. Needs --allow-read for `Deno.execPath()`.
 */
function slurmScripts(
  config: GenerateConfig,
  options: SlurmOptions,
  allowDirs: string[],
  dir: string,
): SlurmScripts {
  const flags = permissionFlags(
    permissionPlan(config, { execPath: Deno.execPath(), allowDirs }),
  );
  try {
    return buildSlurmScripts({
      invocation: etsCommand(runningAs(), flags),
      configPath: config.embedded ? undefined : config.configFile,
      root: config.root,
      name: config.name,
      shards: options.array,
      scriptDir: dir,
      logDir: `${dir}/logs`,
      partition: options.partition,
      time: options.time,
      cpusPerTask: options.cpusPerTask,
      mem: options.mem,
      workersFlag: true,
      allowDirs,
    });
  } catch (error) {
    if (error instanceof RangeError) {
      throw inputError(`Cannot write the Slurm scripts: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Writes the scripts into `dir` (executable), after creating its logs folder. */
async function writeSlurmScripts(dir: string, scripts: SlurmScripts): Promise<void> {
  await Deno.mkdir(`${dir}/logs`, { recursive: true });
  for (const [key, name] of Object.entries(SCRIPT_NAMES)) {
    const path = `${dir}/${name}`;
    await writeFileAtomic(path, scripts[key as keyof typeof SCRIPT_NAMES]);
    await Deno.chmod(path, 0o755);
  }
}

/** Prints the stacks of each array task, the files written and how to submit. */
function reportSlurm(config: GenerateConfig, dir: string, stacks: number[][]): void {
  console.log(
    `${stacks.length} array task(s) for ${config.numStacks} stack(s): ` +
      stacks.map((ids, index) => `task ${index}: stacks ${ranges(ids)}`).join("; "),
  );
  console.log(
    `wrote ${dir}/${SCRIPT_NAMES.generate}, ${dir}/${SCRIPT_NAMES.merge}, ${planPath(config.root)}`,
  );
  console.log(`submit both jobs with: sh ${shellQuote(`${dir}/${SCRIPT_NAMES.submit}`)}`);
}

/**
 * The action of `ets slurm`: checks the config, writes the scripts and plan.json, and prints
 * the plan. Needs what the command needs.
 */
async function slurmAction(options: SlurmOptions): Promise<void> {
  const allowDirs = (options.allowDir ?? []).map((dir) => resolvePath(Deno.cwd(), dir));
  const config = await loadConfig(options.input, { root: options.root, allowDirs });
  checkSlurmPlan(config, options.array);
  const dir = slurmDir(config.root);
  const scripts = slurmScripts(config, options, allowDirs, dir);
  const stacks = Array.from(
    { length: options.array },
    (_, index) => shardStackIds(config.numStacks, { index, count: options.array }),
  );
  await writeSlurmScripts(dir, scripts);
  await writePlan({
    version: 1,
    config: config.embedded ? undefined : config.configFile,
    root: config.root,
    name: config.name,
    num_stacks: config.numStacks,
    shards: options.array,
    stacks,
    array_script: `${dir}/${SCRIPT_NAMES.generate}`,
  });
  reportSlurm(config, dir, stacks);
}

/**
 * Builds the `slurm` subcommand. Needs no permissions to build; running it needs read on the
 * config and its inputs, write on ROOT/slurm.
 */
export function slurmCommand() {
  return new Command("slurm")
    .description(
      "Write a Slurm array job that runs one shard of the config per task " +
        "(ROOT/slurm/generate.sbatch), a merge job that runs after every task succeeded " +
        "(merge.sbatch) and submit.sh, which submits both.",
    )
    .option("-i, --input <config>", "the YAML config (default: the embedded templates/config.yaml)")
    .option("--root <dir>", "project folder (overrides the config's root)")
    .requiredOption("--array <n>", "number of array tasks (shards)", parsePositiveInteger)
    .option("--partition <p>", "Slurm partition", parsePartition)
    .option("--time <t>", "time limit per task, e.g. 02:00:00", parseSlurmTime)
    .option(
      "--cpus-per-task <c>",
      "CPUs per task; each task runs one worker per CPU (default 1)",
      parsePositiveInteger,
    )
    .option("--mem <m>", "memory per task, e.g. 8G", parseSlurmMemory)
    .option(
      "--allow-dir <dir>",
      "also read files the engine template (sim.txt) names from this folder (repeatable; " +
        "default: only the config's folder)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .action(slurmAction);
}

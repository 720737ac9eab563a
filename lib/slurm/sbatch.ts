/**
 * The scripts `ets slurm` writes: an sbatch array script (one task per shard), a merge script
 * that runs after the array succeeded, and a submit wrapper that sbatches both.
 *
 * @module
 */

/** Resource requests passed through to `#SBATCH` lines. */
export interface SlurmResources {
  /** `--partition`. */
  partition?: string;
  /** `--time`, e.g. `02:00:00`. */
  time?: string;
  /** `--cpus-per-task`; also the number of workers each task runs. */
  cpusPerTask?: number;
  /** `--mem`, e.g. `8G`. */
  mem?: string;
}

/** Everything the scripts need. */
export interface SlurmScriptOptions extends SlurmResources {
  /** The command that runs `ets` (program and leading arguments). */
  invocation: string[];
  /** Absolute path of the run's config file; undefined for the embedded demo config. */
  configPath?: string;
  /** Absolute path of the run's root folder. */
  root: string;
  /** The run's name (job names, log names). */
  name: string;
  /** Number of array tasks = shards. */
  shards: number;
  /** Absolute folder the scripts are written to. */
  scriptDir: string;
  /** Absolute folder for Slurm's per-task output files. */
  logDir: string;
  /** Whether `ets generate` takes `--workers` (then each task runs one per allocated CPU). */
  workersFlag?: boolean;
  /** Folders granted with `--allow-dir` (absolute), passed on to every task's generate. */
  allowDirs?: string[];
}

/** The three scripts' text. */
export interface SlurmScripts {
  /** The sbatch array script. */
  generate: string;
  /** The sbatch merge script. */
  merge: string;
  /** The POSIX sh wrapper that submits both. */
  submit: string;
}

/** File names of the scripts inside the script folder. */
export const SCRIPT_NAMES = {
  generate: "generate.sbatch",
  merge: "merge.sbatch",
  submit: "submit.sh",
} as const;

/**
 * Quotes `value` for POSIX sh (single quotes; embedded quotes escaped). Needs no permissions.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

function sbatchLine(option: string, value: string | number | undefined): string[] {
  if (value === undefined) return [];
  const text = String(value);
  if (/[\s#]/.test(text)) {
    // #SBATCH lines are not shell-parsed: a value with blanks cannot be written safely
    throw new RangeError(`"--${option}" value must not contain blanks or "#", got "${text}"`);
  }
  return [`#SBATCH --${option}=${text}`];
}

/** A job name Slurm and humans both read easily. */
function jobName(name: string, suffix = ""): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 40) || "run";
  return `ets-${clean}${suffix}`;
}

function resourceLines(options: SlurmResources): string[] {
  return [
    ...sbatchLine("partition", options.partition),
    ...sbatchLine("time", options.time),
  ];
}

/** Throws a RangeError for a shard count or a path the #SBATCH lines cannot carry. */
function checkScriptOptions(options: SlurmScriptOptions): void {
  if (!Number.isSafeInteger(options.shards) || options.shards < 1) {
    throw new RangeError(`shards must be a positive integer, got ${options.shards}`);
  }
  for (const [what, path] of [["root", options.root], ["log folder", options.logDir]]) {
    if (/[\s#]/.test(path ?? "")) {
      // #SBATCH lines are not shell-parsed: a path with blanks cannot be written safely
      throw new RangeError(
        `the ${what} "${path}" must not contain blanks or "#" for #SBATCH lines`,
      );
    }
  }
}

/** The `#SBATCH` lines of the array script (job name, array range, logs, resources). */
function arrayHeaderLines(options: SlurmScriptOptions): string[] {
  return [
    `#SBATCH --job-name=${jobName(options.name)}`,
    `#SBATCH --array=0-${options.shards - 1}`,
    `#SBATCH --output=${options.logDir}/${jobName(options.name)}-%A_%a.out`,
    `#SBATCH --chdir=${options.root}`,
    ...resourceLines(options),
    ...sbatchLine("cpus-per-task", options.cpusPerTask),
    ...sbatchLine("mem", options.mem),
  ];
}

/** The `ets generate` line of an array task: its shard, `--resume`, workers and folders. */
function generateExecLine(options: SlurmScriptOptions, ets: string): string {
  const input = options.configPath === undefined ? "" : ` -i ${shellQuote(options.configPath)}`;
  // one worker per allocated CPU (Slurm sets SLURM_CPUS_PER_TASK only with --cpus-per-task;
  // a task gets one CPU otherwise), not one per CPU of the node
  const workers = options.workersFlag ? ' --workers "${SLURM_CPUS_PER_TASK:-1}"' : "";
  const allowDirs = (options.allowDirs ?? []).map((dir) => ` --allow-dir ${shellQuote(dir)}`)
    .join("");
  return `exec ${ets} generate${input} --root ${
    shellQuote(options.root)
  } --shard "\${SLURM_ARRAY_TASK_ID}/${options.shards}" --resume${workers}${allowDirs}`;
}

/** The sbatch array script: one task per shard. */
function arrayScript(options: SlurmScriptOptions, ets: string): string {
  const generatePath = `${options.scriptDir}/${SCRIPT_NAMES.generate}`;
  return [
    "#!/bin/bash",
    `# Written by "ets slurm": ${options.shards} array tasks, one per shard of`,
    `#   ${options.configPath ?? "the embedded demo config"}`,
    "# Submit with submit.sh (this array, then the merge job). To redo some shards, e.g. 1 and 4:",
    `#   sbatch --array=1,4 ${shellQuote(generatePath)}`,
    ...arrayHeaderLines(options),
    "set -euo pipefail",
    "export DENO_NO_UPDATE_CHECK=1 # compute nodes: no network but the loopback",
    'if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then',
    '  echo "generate.sbatch: not an array task (SLURM_ARRAY_TASK_ID is unset)" >&2',
    "  exit 2",
    "fi",
    generateExecLine(options, ets),
    "",
  ].join("\n");
}

/** The sbatch merge script: `ets merge ROOT` on one CPU. */
function mergeScript(options: SlurmScriptOptions, ets: string): string {
  return [
    "#!/bin/bash",
    `# Written by "ets slurm": joins the shards' metadata once every array task succeeded.`,
    `#SBATCH --job-name=${jobName(options.name, "-merge")}`,
    `#SBATCH --output=${options.logDir}/${jobName(options.name, "-merge")}-%j.out`,
    `#SBATCH --chdir=${options.root}`,
    ...resourceLines(options),
    "#SBATCH --ntasks=1",
    "#SBATCH --cpus-per-task=1",
    "set -euo pipefail",
    "export DENO_NO_UPDATE_CHECK=1",
    `exec ${ets} merge ${shellQuote(options.root)}`,
    "",
  ].join("\n");
}

/** The POSIX sh wrapper that sbatches the array, then the merge job depending on it. */
function submitScript(options: SlurmScriptOptions): string {
  return [
    "#!/bin/sh",
    '# Written by "ets slurm": submits the array job, then the merge job that waits for it.',
    "# Extra arguments go to both sbatch calls (e.g. --account=ABC or --qos=short).",
    "set -eu",
    `dir=${shellQuote(options.scriptDir)}`,
    `array=$(sbatch --parsable "$@" "$dir/${SCRIPT_NAMES.generate}")`,
    "array=${array%%;*}",
    `merge=$(sbatch --parsable "$@" --dependency=afterok:"$array" --kill-on-invalid-dep=yes "$dir/${SCRIPT_NAMES.merge}")`,
    "merge=${merge%%;*}",
    'echo "array job $array (tasks 0-' + (options.shards - 1) + '), merge job $merge"',
    `echo ${
      shellQuote(
        `if a task fails, the merge job is cancelled; "ets merge ${options.root}" lists the tasks to resubmit`,
      )
    }`,
    "",
  ].join("\n");
}

/**
 * Builds the array, merge and submit scripts. Each array task runs
 * `ets generate -i CONFIG --shard $SLURM_ARRAY_TASK_ID/N --resume`: the explicit shard keeps a
 * resubmission of a few indices (`sbatch --array=1,4 generate.sbatch`) on the right stacks, and
 * `--resume` lets a resubmitted task keep the complete stacks of its shard and redo the rest.
 * Pure; needs no permissions.
 */
export function buildSlurmScripts(options: SlurmScriptOptions): SlurmScripts {
  checkScriptOptions(options);
  const ets = options.invocation.map(shellQuote).join(" ");
  const generate = arrayScript(options, ets);
  const merge = mergeScript(options, ets);
  const submit = submitScript(options);
  return { generate, merge, submit };
}

/**
 * `ets merge ROOT`: joins the shards' metadata into ROOT/sim_metadata.json once every stack is
 * present and complete; otherwise lists what is missing and the array tasks to resubmit (exit 1).
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { loadConfig, resolvePath } from "../config/mod.ts";
import { inputError, runtimeError } from "../errors/mod.ts";
import {
  describeHolder,
  type LockHolder,
  runningShards,
  shardStackIds,
  type StackRecord,
  writeContactSheet,
} from "../generate/mod.ts";
import {
  layoutFromRecords,
  type MergeReport,
  mergeShards,
  readPlan,
  readShardFiles,
  type ShardLayout,
  shellQuote,
  type SlurmPlan,
} from "../slurm/mod.ts";
import { parsePositiveInteger } from "./slurm_command.ts";

/** The stack count of a run told by its shard files, when every shard wrote one. */
function stacksFromFiles(files: Map<number, StackRecord[]>, count: number): number | undefined {
  for (let index = 0; index < count; index++) if (!files.has(index)) return undefined;
  const ids = new Set<number>();
  for (const records of files.values()) {
    for (const record of records) ids.add(record.global_stack_no);
  }
  return ids.size;
}

/** The parsed options of `ets merge`. */
interface MergeOptions {
  input?: string;
  shards?: number;
}

/** How the run's stacks split into shards, and the array script to resubmit failed tasks. */
interface MergePlan {
  /** The stacks of each shard. */
  layout: ShardLayout;
  /** The array script of ROOT/slurm/plan.json, when the layout comes from it. */
  arrayScript?: string;
}

/** The plan of ROOT/slurm/plan.json; `--shards`, when given, must agree with it. */
function planFromFile(root: string, plan: SlurmPlan, shards: number | undefined): MergePlan {
  if (shards !== undefined && shards !== plan.shards) {
    throw inputError(
      `Cannot merge "${root}": "--shards" ${shards} differs from the ${plan.shards} of "${root}/slurm/plan.json"`,
      { key: "--shards" },
    );
  }
  return { layout: { stacks: plan.stacks }, arrayScript: plan.array_script };
}

/**
 * The plan told by the shard files, with the stack count of `-i CONFIG` or, when every shard
 * wrote metadata, of the files. Needs read on ROOT (and on the config with -i).
 */
async function planFromShardFiles(root: string, options: MergeOptions): Promise<MergePlan> {
  const files = await readShardFiles(root);
  let numStacks: number | undefined;
  if (options.input !== undefined) {
    numStacks = (await loadConfig(options.input, { root })).numStacks;
  }
  const probe = layoutFromRecords(files, () => [], options.shards);
  const count = probe.stacks.length;
  numStacks ??= stacksFromFiles(files, count);
  if (numStacks === undefined) {
    throw inputError(
      `Cannot merge "${root}": no "slurm/plan.json" and not every shard wrote metadata, so the number of stacks is unknown; pass "-i CONFIG"`,
    );
  }
  const stacks = numStacks;
  const layout = layoutFromRecords(
    files,
    (index, shards) => shardStackIds(stacks, { index, count: shards }),
    count,
  );
  return { layout };
}

/** Prints each missing or incomplete stack, or that its task is still running. */
function printProblems(report: MergeReport, running: Map<number, LockHolder>): void {
  console.error(
    `${report.problems.length} of ${report.planned} stack(s) missing or incomplete:`,
  );
  for (const problem of report.problems) {
    const holder = running.get(problem.shard);
    const reason = holder === undefined
      ? problem.reason
      : `still running (${describeHolder(holder)})`;
    console.error(`  stack ${problem.id} (array task ${problem.shard}): ${reason}`);
  }
}

/** What to do next: wait for the running tasks, resubmit (or rerun) the failed ones. */
function resubmitHint(
  report: MergeReport,
  running: Map<number, LockHolder>,
  arrayScript: string | undefined,
): string {
  const busy = report.resubmit.filter((index) => running.has(index));
  const failed = report.resubmit.filter((index) => !running.has(index));
  const indices = failed.join(",");
  const hints: string[] = [];
  if (busy.length > 0) {
    hints.push(`array task(s) ${busy.join(",")} still running: merge again when they finish`);
  }
  if (failed.length > 0) {
    hints.push(
      arrayScript === undefined
        ? `rerun shard(s) ${indices}`
        : `resubmit with: sbatch --array=${indices} ${shellQuote(arrayScript)}`,
    );
  }
  return hints.join("; ");
}

/** Lists what is missing and what to do, then throws the runtime error of an incomplete run. */
async function reportIncomplete(
  root: string,
  report: MergeReport,
  arrayScript: string | undefined,
): Promise<never> {
  // a task whose lock is held is still running: its stacks are not failed yet
  const running = await runningShards(root);
  printProblems(report, running);
  const hint = resubmitHint(report, running, arrayScript);
  console.error(hint);
  throw runtimeError(
    `Cannot merge "${root}": ${report.problems.length} of ${report.planned} stack(s) missing or incomplete in array task(s) ${
      report.resubmit.join(",")
    }; ${hint}`,
  );
}

/**
 * The action of `ets merge`: finds the plan, merges the shards and writes the contact sheet, or
 * reports what is missing (exit 1). Needs what the command needs.
 */
async function mergeAction(rootArgument: string, options: MergeOptions): Promise<void> {
  const root = resolvePath(Deno.cwd(), rootArgument).replace(/\/+$/, "") || "/";
  const plan = await readPlan(root);
  const { layout, arrayScript } = plan !== undefined && options.input === undefined
    ? planFromFile(root, plan, options.shards)
    : await planFromShardFiles(root, options);
  const report = await mergeShards(root, layout);
  if (!report.written) return await reportIncomplete(root, report, arrayScript);
  // the contact sheet a one-machine run writes (shards do not)
  await writeContactSheet(root, report.records);
  console.log(
    `merged ${report.complete} stack(s) from ${layout.stacks.length} shard(s) into ${report.metadataPath}`,
  );
}

/**
 * Builds the `merge` subcommand. Needs no permissions to build; running it needs read on ROOT
 * and its stacks, write on ROOT (and read on the config with -i).
 */
export function mergeCommand() {
  return new Command("merge")
    .description(
      "Join the shards' sim_metadata.shard-I.json of ROOT into sim_metadata.json after checking " +
        "every stack is present and complete; otherwise list what is missing and which array " +
        "tasks to resubmit (exit 1). The plan comes from ROOT/slurm/plan.json (written by " +
        '"ets slurm"), or from -i and --shards.',
    )
    .argument("<root>", "the run's project folder")
    .option("-i, --input <config>", "the run's config (when there is no ROOT/slurm/plan.json)")
    .option(
      "--shards <n>",
      "number of shards (default: as the shard files say)",
      parsePositiveInteger,
    )
    .action(mergeAction);
}

/**
 * The report of `ets generate --dry-run`: the plan of the run, with the disk and memory it needs,
 * printed instead of running it.
 *
 * @module
 */
import { humanBytes, type RunEstimate } from "../config/mod.ts";
import { pathExists } from "./outputs.ts";
import { assemblyBytes, estimateDisk, formatPlan } from "./plan_text.ts";
import type { RunPlan } from "./run_plan.ts";

/**
 * Prints the plan (lib/generate/plan_text formatPlan) with the memory line after the disk line,
 * and a note when an existing raw_data would refuse the run without --resume.
 * Needs read on the inputs (the assembly's size) and the root.
 */
export async function printDryRun(plan: RunPlan): Promise<void> {
  const { config, print } = plan;
  const disk = estimateDisk(config, plan.todo.length, plan.workers, await assemblyBytes(config));
  const planLines = formatPlan({
    config,
    runSeed: plan.runSeed,
    seedDrawn: plan.seedDrawn,
    stacks: plan.stacks,
    kept: plan.kept,
    shard: plan.shard,
    workers: plan.workers,
    servers: plan.servers,
    engineThreads: plan.engineThreads,
    disk,
  });
  // the memory estimate (docs/sizes.md) after the disk line, before the stack table
  const blank = planLines.indexOf("");
  planLines.splice(blank < 0 ? planLines.length : blank, 0, memoryLine(plan.estimate));
  for (const line of planLines) print(line);
  if (!plan.options.resume && (await pathExists(`${config.root}/raw_data`))) {
    print(`  note: "${config.root}/raw_data" exists; the run would be refused without --resume`);
  }
}

/** The plan's memory line. Pure. */
function memoryLine(estimate: RunEstimate): string {
  return `  memory needed:   ${humanBytes(estimate.memory)} (${
    humanBytes(estimate.perWorkerMemory)
  } per worker's engine run; see docs/sizes.md)`;
}

/**
 * `ROOT/slurm/plan.json`: what `ets slurm` planned (config, stacks, shards and which stacks each
 * shard runs), so `ets merge ROOT` knows what to expect without the config.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";

/** The split of a run into array tasks. */
export interface SlurmPlan {
  /** File format version. */
  version: 1;
  /** Absolute config path, or undefined for the embedded demo config. */
  config?: string;
  /** Absolute root folder. */
  root: string;
  /** The run's name. */
  name: string;
  /** Stacks in the whole run. */
  num_stacks: number;
  /** Array tasks = shards. */
  shards: number;
  /** Global stack ids of each shard (index = array task index). */
  stacks: number[][];
  /** The array script, for resubmission hints. */
  array_script: string;
}

/** The folder `ets slurm` writes to: `ROOT/slurm`. Needs no permissions. */
export function slurmDir(root: string): string {
  return `${root}/slurm`;
}

/** `ROOT/slurm/plan.json`. Needs no permissions. */
export function planPath(root: string): string {
  return `${slurmDir(root)}/plan.json`;
}

/** Writes the plan atomically. Needs --allow-write on `ROOT/slurm`. */
export async function writePlan(plan: SlurmPlan): Promise<void> {
  await writeFileAtomic(planPath(plan.root), JSON.stringify(plan, null, 2) + "\n");
}

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((id) => Number.isSafeInteger(id) && id >= 0);
}

/**
 * Checks parsed JSON is a plan (shards' stacks cover 0..num_stacks-1 exactly once).
 * Pure; throws an input error naming `file`.
 */
export function parsePlan(data: unknown, file: string): SlurmPlan {
  const bad = (why: string) => inputError(`Cannot read "${file}": ${why}`, { file });
  if (data === null || typeof data !== "object") throw bad("not a JSON object");
  const plan = data as Partial<SlurmPlan>;
  if (plan.version !== 1) throw bad(`unknown version ${JSON.stringify(plan.version)}`);
  if (typeof plan.root !== "string" || typeof plan.name !== "string") {
    throw bad('"root" and "name" must be strings');
  }
  if (!Number.isSafeInteger(plan.num_stacks) || (plan.num_stacks ?? -1) < 0) {
    throw bad('"num_stacks" must be a non-negative integer');
  }
  if (!Number.isSafeInteger(plan.shards) || (plan.shards ?? 0) < 1) {
    throw bad('"shards" must be a positive integer');
  }
  if (!Array.isArray(plan.stacks) || plan.stacks.length !== plan.shards) {
    throw bad(`"stacks" must list the stacks of each of the ${plan.shards} shards`);
  }
  const seen = new Set<number>();
  for (const ids of plan.stacks) {
    if (!isIdList(ids)) throw bad('"stacks" must hold lists of stack numbers');
    for (const id of ids) {
      if (id >= (plan.num_stacks as number) || seen.has(id)) {
        throw bad(`stack ${id} is out of range or in two shards`);
      }
      seen.add(id);
    }
  }
  if (seen.size !== plan.num_stacks) {
    throw bad(`the shards hold ${seen.size} stacks, not ${plan.num_stacks}`);
  }
  if (typeof plan.array_script !== "string") throw bad('"array_script" must be a string');
  if (plan.config !== undefined && typeof plan.config !== "string") {
    throw bad('"config" must be a string');
  }
  return plan as SlurmPlan;
}

/**
 * Reads `ROOT/slurm/plan.json`; undefined when it does not exist.
 * Needs --allow-read on it.
 */
export async function readPlan(root: string): Promise<SlurmPlan | undefined> {
  const file = planPath(root);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw inputError(`Cannot read "${file}": ${String(error)}`, { file, cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw inputError(`Cannot read "${file}": not valid JSON`, { file, cause: error });
  }
  return parsePlan(data, file);
}

/**
 * The plan of a run: which stacks (global ids), their names, defocus, seeds and output paths, for
 * the whole run or one shard. Everything here depends only on the config and the stack id, so a
 * stack is the same whichever worker, shard or attempt produces it.
 *
 * @module
 */
import { deriveSeed } from "../assemblers/mod.ts";
import type { GenerateConfig } from "../config/mod.ts";

/** A shard of a run: `index` of `count` (0-based). */
export interface Shard {
  /** 0-based shard index. */
  index: number;
  /** Number of shards. */
  count: number;
}

/** One planned stack. */
export interface StackPlan {
  /** Global stack number (ETSimulations' global_stack_no). */
  id: number;
  /** `NAME_i`. */
  name: string;
  /** Nominal defocus, µm: `defocus_values[id % len]`. */
  defocus: number;
  /** The stack's seed (TEM-Simulator `rand_seed` and the assembler's random stream). */
  seed: number;
  /** `root/raw_data/NAME_i`. */
  stackDir: string;
  /** `root/raw_data/NAME_i/NAME_i.mrc`. */
  output: string;
  /** `root/raw_data/NAME_i/NAME_i_nonoise.mrc`. */
  nonoiseOutput: string;
}

/** The defocus of stack `id` (ETSimulations' get_defocus_value). Needs no permissions. */
export function defocusFor(defocusValues: readonly number[], id: number): number {
  return defocusValues[id % defocusValues.length] as number;
}

/** The seed of stack `id` of a run with `runSeed`. Needs no permissions. */
export function stackSeed(runSeed: number, id: number): number {
  return deriveSeed(runSeed, id);
}

/**
 * The global stack ids of shard `index` of `count`, split as ETSimulations splits stacks over
 * processes: `num_stacks // count` each, the first `num_stacks % count` shards one more,
 * contiguous. Needs no permissions.
 */
export function shardStackIds(numStacks: number, shard?: Shard): number[] {
  if (shard === undefined) return Array.from({ length: numStacks }, (_, i) => i);
  const { index, count } = shard;
  if (
    !Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count
  ) {
    throw new RangeError(`invalid shard ${index}/${count}`);
  }
  const base = Math.floor(numStacks / count);
  const remainder = numStacks % count;
  const size = base + (index < remainder ? 1 : 0);
  const first = index * base + Math.min(index, remainder);
  return Array.from({ length: size }, (_, i) => first + i);
}

/** The stack `NAME_i` of a config. Needs no permissions. */
export function stackName(name: string, id: number): string {
  return `${name}_${id}`;
}

/**
 * The planned stacks of a run (or of one shard), given the run seed. Needs no permissions.
 */
export function planStacksWithSeed(
  config: Pick<GenerateConfig, "numStacks" | "name" | "root" | "defocusValues">,
  runSeed: number,
  shard?: Shard,
): StackPlan[] {
  return shardStackIds(config.numStacks, shard).map((id) => {
    const name = stackName(config.name, id);
    const stackDir = `${config.root}/raw_data/${name}`;
    return {
      id,
      name,
      defocus: defocusFor(config.defocusValues, id),
      seed: stackSeed(runSeed, id),
      stackDir,
      output: `${stackDir}/${name}.mrc`,
      nonoiseOutput: `${stackDir}/${name}_nonoise.mrc`,
    };
  });
}

/**
 * The planned stacks of a config (or of one shard of it), with the config's `seed` or the given
 * run seed (a run without a configured seed draws one when it starts and records it). Throws a
 * RangeError when there is neither. Needs no permissions.
 */
export function planStacks(
  config: GenerateConfig,
  shard?: Shard,
  runSeed: number | undefined = config.seed,
): StackPlan[] {
  if (runSeed === undefined) {
    throw new RangeError('planStacks needs a run seed: the config has no "seed"');
  }
  return planStacksWithSeed(config, runSeed, shard);
}

/** File-name tag of a shard: "" for a whole run, ".shard-I" for shard I. Needs no permissions. */
export function shardTag(shard?: Shard): string {
  return shard === undefined ? "" : `.shard-${shard.index}`;
}

/** `root/sim_metadata.json` or `root/sim_metadata.shard-I.json`. Needs no permissions. */
export function metadataPath(root: string, shard?: Shard): string {
  return `${root}/sim_metadata${shardTag(shard)}.json`;
}

/** `root/NAME.log` or `root/NAME.shard-I.log`. Needs no permissions. */
export function logPath(root: string, name: string, shard?: Shard): string {
  return `${root}/${name}${shardTag(shard)}.log`;
}

/** The temp dir of worker slot `slot`: `root/temp_w<slot>` (`root/temp_s<I>_w<slot>` in a shard). */
export function workerTempDir(root: string, slot: number, shard?: Shard): string {
  return `${root}/temp_${shard === undefined ? "" : `s${shard.index}_`}w${slot}`;
}

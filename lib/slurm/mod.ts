/**
 * Scale-out on Slurm: the shard a process runs (`--shard I/N` or the array task), the sbatch
 * scripts `ets slurm` writes, `ets merge` of the shards' metadata, and the child-process
 * environment that keeps spawns working under `module load`'s `LD_LIBRARY_PATH`.
 *
 * @module
 */
export {
  formatShard,
  parseShard,
  resolveShard,
  SLURM_ARRAY_VARIABLES,
  slurmArrayEnv,
} from "./shard.ts";
export type { Shard } from "./shard.ts";
export { buildSlurmScripts, SCRIPT_NAMES, shellQuote } from "./sbatch.ts";
export type { SlurmResources, SlurmScriptOptions, SlurmScripts } from "./sbatch.ts";
export { parsePlan, planPath, readPlan, slurmDir, writePlan } from "./plan.ts";
export type { SlurmPlan } from "./plan.ts";
export {
  fileCheck,
  layoutFromRecords,
  mergeShards,
  readShardFiles,
  unshardedRecord,
} from "./merge.ts";
export type { MergeProblem, MergeReport, ShardLayout, StackCheck } from "./merge.ts";
export { etsCommand, runningAs } from "./invocation.ts";
export type { RunningAs } from "./invocation.ts";

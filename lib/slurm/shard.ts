/**
 * Which shard of a run this process does: `--shard I/N`, or a Slurm array task's position.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";

/** Shard `index` (0-based) of `count` shards. */
export interface Shard {
  /** 0-based shard index, `0 <= index < count`. */
  index: number;
  /** Number of shards the run is split into. */
  count: number;
}

const INTEGER = /^\d+$/;

/**
 * Parses `I/N` (0-based index, `0 <= I < N`). Throws an `input` EtsError naming `--shard`.
 * Needs no permissions.
 */
export function parseShard(text: string, key = "--shard"): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) {
    throw inputError(`Cannot use "${key}": expected I/N (e.g. "0/3"), got "${text}"`, { key });
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (!Number.isSafeInteger(count) || count < 1) {
    throw inputError(
      `Cannot use "${key}": the shard count N must be at least 1, got "${text}"`,
      { key },
    );
  }
  if (!Number.isSafeInteger(index) || index >= count) {
    throw inputError(
      `Cannot use "${key}": the shard index I must be 0 <= I < ${count} (0-based), got "${text}"`,
      { key },
    );
  }
  return { index, count };
}

/** `I/N` for a shard. Needs no permissions. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

function envInteger(
  env: Record<string, string | undefined>,
  name: string,
): number | undefined {
  const value = env[name];
  if (value === undefined || value.trim() === "") return undefined;
  if (!INTEGER.test(value.trim())) {
    throw inputError(
      `Cannot tell the shard from the Slurm environment: "${name}" must be a non-negative integer, got "${value}"`,
      { key: name },
    );
  }
  return Number(value.trim());
}

/**
 * The shard this process runs: `flag` (`--shard I/N`) when given; else, inside a Slurm array job
 * (`SLURM_ARRAY_TASK_ID` set), the task's position in the array: index = (ID − MIN) / STEP and
 * count = (MAX − MIN) / STEP + 1 from `SLURM_ARRAY_TASK_MIN/MAX/STEP`, or index = ID and
 * count = `SLURM_ARRAY_TASK_COUNT` when MIN/MAX are absent; undefined when neither (whole run).
 * An array that is not one evenly stepped range (e.g. `--array=1,5,7`, or a resubmission of a
 * few indices) cannot tell its shard count: that is an input error asking for `--shard`.
 * Pure; needs no permissions.
 */
export function resolveShard(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): Shard | undefined {
  if (flag !== undefined) return parseShard(flag);
  const id = envInteger(env, "SLURM_ARRAY_TASK_ID");
  if (id === undefined) return undefined;
  const min = envInteger(env, "SLURM_ARRAY_TASK_MIN");
  const max = envInteger(env, "SLURM_ARRAY_TASK_MAX");
  const step = envInteger(env, "SLURM_ARRAY_TASK_STEP") ?? 1;
  const count = envInteger(env, "SLURM_ARRAY_TASK_COUNT");
  const hint = 'pass "--shard I/N" explicitly';
  if (step < 1) {
    throw inputError(
      `Cannot tell the shard from the Slurm environment: "SLURM_ARRAY_TASK_STEP" must be at least 1, got "${step}"; ${hint}`,
      { key: "SLURM_ARRAY_TASK_STEP" },
    );
  }
  if (min !== undefined && max !== undefined) {
    if (id < min || id > max || (id - min) % step !== 0 || (max - min) % step !== 0) {
      throw inputError(
        `Cannot tell the shard from the Slurm environment: task ${id} is not on the range ${min}-${max}:${step}; ${hint}`,
        { key: "SLURM_ARRAY_TASK_ID" },
      );
    }
    const rangeCount = (max - min) / step + 1;
    if (count !== undefined && count !== rangeCount) {
      throw inputError(
        `Cannot tell the shard from the Slurm environment: the array has ${count} tasks but spans ${min}-${max}:${step} (${rangeCount} positions), so it is not one range; ${hint}`,
        { key: "SLURM_ARRAY_TASK_COUNT" },
      );
    }
    return { index: (id - min) / step, count: rangeCount };
  }
  if (count !== undefined) {
    if (count < 1 || id >= count) {
      throw inputError(
        `Cannot tell the shard from the Slurm environment: task ${id} of ${count} tasks without "SLURM_ARRAY_TASK_MIN/MAX"; ${hint}`,
        { key: "SLURM_ARRAY_TASK_COUNT" },
      );
    }
    return { index: id, count };
  }
  throw inputError(
    `Cannot tell the shard from the Slurm environment: "SLURM_ARRAY_TASK_ID" is set but neither "SLURM_ARRAY_TASK_MIN/MAX" nor "SLURM_ARRAY_TASK_COUNT" is; ${hint}`,
    { key: "SLURM_ARRAY_TASK_ID" },
  );
}

/** The Slurm array variables {@linkcode resolveShard} reads. */
export const SLURM_ARRAY_VARIABLES: readonly string[] = [
  "SLURM_ARRAY_TASK_ID",
  "SLURM_ARRAY_TASK_MIN",
  "SLURM_ARRAY_TASK_MAX",
  "SLURM_ARRAY_TASK_STEP",
  "SLURM_ARRAY_TASK_COUNT",
];

/**
 * This process's Slurm array variables, read one by one (a name this process may not read
 * counts as unset). Needs --allow-env on {@linkcode SLURM_ARRAY_VARIABLES}.
 */
export function slurmArrayEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of SLURM_ARRAY_VARIABLES) {
    try {
      env[name] = Deno.env.get(name);
    } catch {
      env[name] = undefined;
    }
  }
  return env;
}

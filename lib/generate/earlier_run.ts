/**
 * An earlier run in the same root: the records it left, which of its stacks a resume keeps
 * (checked, not assumed), and the refusals (one line, exit 2) to overwrite it without --resume or
 * to mix its stacks with those of another dataset fingerprint.
 *
 * @module
 */
import type { GenerateConfig } from "../config/mod.ts";
import { inputError } from "../errors/mod.ts";
import {
  type DatasetFingerprint,
  fingerprintDifference,
  readFingerprint,
  shortFingerprint,
} from "./fingerprint.ts";
import { readMetadata, type StackRecord } from "./metadata.ts";
import { pathExists, seriesProblem } from "./outputs.ts";
import type { Shard, StackPlan } from "./plan.ts";

/**
 * Why an earlier record of `stack` cannot be kept (or undefined when the stack is complete):
 * the record says done, matches the plan, and both tilt series are complete MRC files.
 * Needs --allow-read on the stack's files.
 */
export async function incompleteReason(
  config: GenerateConfig,
  stack: StackPlan,
  record: StackRecord | undefined,
): Promise<string | undefined> {
  if (record === undefined) return "no metadata record";
  if (record.status !== "done") return `metadata status is "${record.status}"`;
  if (record.seed !== stack.seed) {
    return `seed ${record.seed} differs from the plan's ${stack.seed}`;
  }
  if (record.defocus !== stack.defocus) return "defocus differs from the plan";
  if (record.output !== stack.output || record.nonoise_output !== stack.nonoiseOutput) {
    return "output paths differ from the plan";
  }
  const shape = {
    nx: config.simFacts.detector.nx,
    ny: config.simFacts.detector.ny,
    nz: config.simFacts.tiltAngles.length,
  };
  for (const path of [stack.output, stack.nonoiseOutput]) {
    const problem = await seriesProblem(path, shape, config.apix);
    if (problem !== undefined) return problem;
  }
  for (const path of Object.values(record.ground_truth ?? {})) {
    if (!(await pathExists(path))) return `ground-truth file "${path}" is missing`;
  }
  return undefined;
}

/** The stacks a resume keeps, and why each other stack with an earlier record is redone. */
export interface KeptStacks {
  /** Ids of the complete stacks. */
  kept: Set<number>;
  /** Why a stack with an earlier record is redone, by id. */
  redoReasons: Map<number, string>;
}

/**
 * Which of `stacks` an earlier run completed (none unless `resume`): a stack is kept when its
 * record carries a dataset fingerprint and {@linkcode incompleteReason} finds nothing.
 * Needs --allow-read on the stacks' files.
 */
export async function keptStacks(
  config: GenerateConfig,
  stacks: StackPlan[],
  byId: Map<number, StackRecord>,
  resume: boolean,
): Promise<KeptStacks> {
  const kept = new Set<number>();
  const redoReasons = new Map<number, string>();
  if (!resume) return { kept, redoReasons };
  for (const stack of stacks) {
    const record = byId.get(stack.id);
    const reason = record !== undefined && record.fingerprint === undefined
      ? "its record has no dataset fingerprint (made by an older ets)"
      : await incompleteReason(config, stack, record);
    if (reason === undefined) kept.add(stack.id);
    else if (byId.has(stack.id)) redoReasons.set(stack.id, reason);
  }
  return { kept, redoReasons };
}

/**
 * Refuses (input error, exit 2) to start over an earlier run: a whole run over an existing
 * raw_data; a shard over any of its stack folders or its metadata file. Call it unless resuming.
 * Needs --allow-read on the root.
 */
export async function refuseOverwrite(
  root: string,
  shard: Shard | undefined,
  stacks: StackPlan[],
  metadataFile: string,
): Promise<void> {
  if (shard === undefined) {
    if (await pathExists(`${root}/raw_data`)) {
      throw inputError(
        `Cannot start: "${root}/raw_data" already exists; remove or rename it, or pass --resume`,
        { file: `${root}/raw_data` },
      );
    }
    return;
  }
  for (const stack of stacks) {
    if (await pathExists(stack.stackDir)) {
      throw inputError(
        `Cannot start shard ${shard.index}/${shard.count}: "${stack.stackDir}" already exists; pass --resume`,
        { file: stack.stackDir },
      );
    }
  }
  if (await pathExists(metadataFile)) {
    throw inputError(
      `Cannot start shard ${shard.index}/${shard.count}: "${metadataFile}" already exists; pass --resume`,
      { file: metadataFile },
    );
  }
}

const SHARD_METADATA = /^sim_metadata\.shard-\d+\.json$/;

/**
 * The records an earlier run left for this run: its own metadata file; for a whole run on a
 * sharded root (no sim_metadata.json yet), the shards' records, without their shard field.
 * Needs --allow-read on the root.
 */
export async function earlierRecords(
  root: string,
  metadataFile: string,
  shard: Shard | undefined,
): Promise<StackRecord[]> {
  const own = await readMetadata(metadataFile);
  if (own.length > 0 || shard !== undefined) return own;
  const records = new Map<number, StackRecord>();
  try {
    for await (const entry of Deno.readDir(root)) {
      if (!entry.isFile || !SHARD_METADATA.test(entry.name)) continue;
      for (const record of await readMetadata(`${root}/${entry.name}`)) {
        const { shard: _shard, ...whole } = record;
        const known = records.get(whole.global_stack_no);
        if (known === undefined || (known.status !== "done" && whole.status === "done")) {
          records.set(whole.global_stack_no, whole);
        }
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return [...records.values()];
}

const FINGERPRINT_FILE = /^dataset_fingerprint(\.shard-\d+)?\.json$/;

/**
 * Refuses (one line, exit 2) a resume whose earlier stacks, or a shard whose sibling shards, were
 * made from another dataset fingerprint, naming what differs. Needs --allow-read on the root.
 */
export async function requireSameFingerprint(
  root: string,
  shard: Shard | undefined,
  now: DatasetFingerprint,
  earlier: StackRecord[],
  resume: boolean,
): Promise<void> {
  const files = new Map<string, DatasetFingerprint>();
  try {
    for await (const entry of Deno.readDir(root)) {
      if (!entry.isFile || !FINGERPRINT_FILE.test(entry.name)) continue;
      const found = await readFingerprint(`${root}/${entry.name}`);
      if (found !== undefined) files.set(entry.name, found);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const what = (other: DatasetFingerprint | undefined) => {
    const difference = fingerprintDifference(other, now);
    return difference === "" ? "" : ` (${difference})`;
  };
  const advice = shard === undefined
    ? "restore the inputs, or generate into a new root"
    : "every shard of a dataset must use the same config and inputs; restore them, or use a new root";
  if (resume) {
    const stale = earlier.find((record) =>
      record.status === "done" && record.fingerprint !== undefined &&
      record.fingerprint !== now.fingerprint
    );
    if (stale !== undefined) {
      const other = [...files.values()].find((file) => file.fingerprint === stale.fingerprint);
      throw inputError(
        `Cannot resume: stack ${stale.global_stack_no} in "${root}" was made from dataset fingerprint ${
          shortFingerprint(stale.fingerprint as string)
        }, the config now gives ${shortFingerprint(now.fingerprint)}${what(other)}; ${advice}`,
      );
    }
  }
  if (shard === undefined && !resume) return;
  for (const [name, other] of files) {
    if (other.fingerprint === now.fingerprint) continue;
    if (
      shard !== undefined && name === `dataset_fingerprint.shard-${shard.index}.json` && !resume
    ) {
      continue;
    }
    throw inputError(
      `Cannot ${resume ? "resume" : "start"}${
        shard === undefined ? "" : ` shard ${shard.index}/${shard.count}`
      }: "${root}/${name}" records dataset fingerprint ${
        shortFingerprint(other.fingerprint)
      }, the config now gives ${shortFingerprint(now.fingerprint)}${what(other)}; ${advice}`,
    );
  }
}

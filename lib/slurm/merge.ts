/**
 * `ets merge ROOT`: joins the shards' `sim_metadata.shard-I.json` into `sim_metadata.json`
 * (the same bytes a one-machine run writes), after checking that every planned stack is present
 * and complete; otherwise lists what is missing and which array tasks to resubmit.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import {
  fingerprintDifference,
  fingerprintPath,
  metadataPath,
  MetadataStore,
  readFingerprint,
  shortFingerprint,
  type StackRecord,
  writeFingerprint,
} from "../generate/mod.ts";
import { readMrcHeader } from "../mrc/mod.ts";

/** Which stacks each shard runs. */
export interface ShardLayout {
  /** Global stack ids of each shard (index = shard = array task index). */
  stacks: number[][];
}

/** One stack that is not ready. */
export interface MergeProblem {
  /** Global stack number. */
  id: number;
  /** The shard (array task) that should produce it. */
  shard: number;
  /** What is wrong. */
  reason: string;
}

/** What a merge found and did. */
export interface MergeReport {
  /** The merged metadata file (written only when nothing is missing). */
  metadataPath: string;
  /** Whether it was written. */
  written: boolean;
  /** Stacks planned. */
  planned: number;
  /** Stacks present and complete. */
  complete: number;
  /** Stacks missing or incomplete, by stack number. */
  problems: MergeProblem[];
  /** Array task indices to resubmit (sorted). */
  resubmit: number[];
  /** The merged records (by stack number), when written. */
  records: StackRecord[];
}

/** Checks one stack's files; returns what is wrong or undefined. */
export type StackCheck = (record: StackRecord) => Promise<string | undefined>;

const SHARD_FILE = /^sim_metadata\.shard-(\d+)\.json$/;

/** A record's file path resolved against the root when relative. Needs no permissions. */
function resolveIn(root: string, path: string): string {
  return path.startsWith("/") ? path : `${root}/${path}`;
}

/**
 * The default completeness check: both tilt series are complete MRC files (header consistent
 * with the file size, via lib/mrc readMrcHeader) of the recorded detector size with one section
 * per tilt angle, and every ground-truth file exists.
 * Needs --allow-read on the stack's files.
 */
export function fileCheck(root: string): StackCheck {
  return async (record) => {
    for (const path of [record.output, record.nonoise_output]) {
      if (typeof path !== "string") return "the record names no output file";
      const file = resolveIn(root, path);
      try {
        const header = await readMrcHeader(file);
        const nz = Array.isArray(record.tilt_angles) ? record.tilt_angles.length : undefined;
        const detector = record.detector;
        if (
          detector !== undefined &&
          (header.nx !== detector.nx || header.ny !== detector.ny)
        ) {
          return `"${file}" is ${header.nx}x${header.ny}, expected ${detector.nx}x${detector.ny}`;
        }
        if (nz !== undefined && header.nz !== nz) {
          return `"${file}" has ${header.nz} sections, expected ${nz} (one per tilt angle)`;
        }
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    }
    for (const path of Object.values(record.ground_truth ?? {})) {
      try {
        await Deno.stat(resolveIn(root, path));
      } catch {
        return `ground-truth file "${resolveIn(root, path)}" is missing`;
      }
    }
    return undefined;
  };
}

/** Reads one shard file: a JSON list of stack records. Needs --allow-read on it. */
async function readShardFile(path: string): Promise<StackRecord[]> {
  let data: unknown;
  try {
    data = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw inputError(
      `Cannot merge: "${path}" is not readable JSON (${
        error instanceof Error ? error.message : String(error)
      })`,
      { file: path, cause: error },
    );
  }
  if (!Array.isArray(data)) {
    throw inputError(`Cannot merge: "${path}" is not a list of stack records`, { file: path });
  }
  return data.filter((record): record is StackRecord =>
    record !== null && typeof record === "object" &&
    Number.isSafeInteger((record as StackRecord).global_stack_no)
  );
}

/**
 * Every `sim_metadata.shard-I.json` in `root`, by shard index.
 * Needs --allow-read on `root`.
 */
export async function readShardFiles(root: string): Promise<Map<number, StackRecord[]>> {
  const files = new Map<number, StackRecord[]>();
  try {
    for await (const entry of Deno.readDir(root)) {
      const match = SHARD_FILE.exec(entry.name);
      if (match === null || !entry.isFile) continue;
      files.set(Number(match[1]), await readShardFile(`${root}/${entry.name}`));
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw inputError(`Cannot merge "${root}": no such folder`, { file: root, cause: error });
    }
    throw error;
  }
  return files;
}

/** The record as a one-machine run writes it: without the shard that produced it. Pure. */
export function unshardedRecord(record: StackRecord): StackRecord {
  const copy = { ...record };
  delete copy.shard;
  return copy;
}

/**
 * Joins the shard files of `root` for `layout`. Each planned stack's record is taken from its
 * own shard's file, or else from any shard file where it is done (an earlier split); it must be
 * done and pass `check`. When every stack is complete, writes `root/sim_metadata.json`
 * atomically (records by stack number, without `shard`, formatted as a one-machine run formats
 * them); otherwise writes nothing and reports the problems.
 * Needs --allow-read on `root` and the stacks' files, --allow-write on `root`.
 */
export async function mergeShards(
  root: string,
  layout: ShardLayout,
  check: StackCheck = fileCheck(root),
): Promise<MergeReport> {
  const files = await readShardFiles(root);
  const fingerprint = await requireOneFingerprint(root, files);
  const doneAnywhere = new Map<number, StackRecord>();
  for (const records of files.values()) {
    for (const record of records) {
      if (record.status === "done") doneAnywhere.set(record.global_stack_no, record);
    }
  }
  const problems: MergeProblem[] = [];
  const merged: StackRecord[] = [];
  let planned = 0;
  for (const [shard, ids] of layout.stacks.entries()) {
    const own = files.get(shard);
    const byId = new Map((own ?? []).map((record) => [record.global_stack_no, record]));
    for (const id of ids) {
      planned += 1;
      let record = byId.get(id);
      if (record === undefined || record.status !== "done") record = doneAnywhere.get(id) ?? record;
      let reason: string | undefined;
      if (record === undefined) {
        reason = own === undefined
          ? `no "sim_metadata.shard-${shard}.json" (the task never started?)`
          : `not in "sim_metadata.shard-${shard}.json"`;
      } else if (record.status !== "done") {
        reason = `status is "${record.status}"` +
          (record.error === undefined ? "" : `: ${record.error}`);
      } else {
        reason = await check(record);
      }
      if (reason === undefined && record !== undefined) merged.push(unshardedRecord(record));
      else problems.push({ id, shard, reason: reason ?? "unknown" });
    }
  }
  const path = metadataPath(root);
  const written = problems.length === 0;
  if (written) {
    const store = new MetadataStore(path, merged);
    await store.write();
    if (fingerprint !== undefined) {
      const parts = await readFingerprint(fingerprintPath(root, fingerprint.shard));
      if (parts !== undefined) await writeFingerprint(fingerprintPath(root), parts);
    }
  }
  return {
    metadataPath: path,
    written,
    planned,
    complete: merged.length,
    problems: problems.sort((a, b) => a.id - b.id),
    resubmit: [...new Set(problems.map((p) => p.shard))].sort((a, b) => a - b),
    records: written ? merged.sort((a, b) => a.global_stack_no - b.global_stack_no) : [],
  };
}

/**
 * The shard layout when there is no plan file: `count` shards (given, or the `shard.count` the
 * shard records carry) each holding the stacks `stackIds(index, count)` returns.
 * Pure; throws an input error when the count cannot be told.
 */
export function layoutFromRecords(
  files: Map<number, StackRecord[]>,
  stackIds: (index: number, count: number) => number[],
  count?: number,
): ShardLayout {
  let shards = count;
  if (shards === undefined) {
    const counts = new Set<number>();
    for (const records of files.values()) {
      for (const record of records) if (record.shard !== undefined) counts.add(record.shard.count);
    }
    if (counts.size !== 1) {
      throw inputError(
        counts.size === 0
          ? 'Cannot merge: no shard metadata tells the number of shards; pass "--shards N"'
          : `Cannot merge: shard metadata disagree on the number of shards (${
            [...counts].join(", ")
          }); pass "--shards N"`,
      );
    }
    shards = [...counts][0] as number;
  }
  return { stacks: Array.from({ length: shards }, (_, index) => stackIds(index, shards)) };
}

/**
 * The one dataset fingerprint of the shards' stacks (with a shard that has it), or undefined when
 * no record carries one. Refuses (input error, one line) shards made from different fingerprints,
 * naming the shards and what differs. Needs --allow-read on `root`.
 */
export async function requireOneFingerprint(
  root: string,
  files: Map<number, StackRecord[]>,
): Promise<{ fingerprint: string; shard: { index: number; count: number } } | undefined> {
  const shardsOf = new Map<string, number[]>();
  for (const [index, records] of [...files.entries()].sort((a, b) => a[0] - b[0])) {
    const seen = new Set<string>();
    for (const record of records) {
      if (record.status !== "done" || record.fingerprint === undefined) continue;
      seen.add(record.fingerprint);
    }
    for (const fingerprint of seen) {
      shardsOf.set(fingerprint, [...shardsOf.get(fingerprint) ?? [], index]);
    }
  }
  const groups = [...shardsOf.entries()].sort((a, b) => b[1].length - a[1].length);
  const first = groups[0];
  if (first === undefined) return undefined;
  const count = files.get(first[1][0]!)?.find((r) => r.shard !== undefined)?.shard?.count ?? 1;
  if (groups.length === 1) return { fingerprint: first[0], shard: { index: first[1][0]!, count } };
  const odd = groups[1]!;
  const partsOf = (index: number) => readFingerprint(fingerprintPath(root, { index, count }));
  const difference = fingerprintDifference(await partsOf(first[1][0]!), await partsOf(odd[1][0]!));
  throw inputError(
    `Cannot merge "${root}": shard(s) ${odd[1].join(",")} were made from dataset fingerprint ${
      shortFingerprint(odd[0])
    }, shard(s) ${first[1].join(",")} from ${shortFingerprint(first[0])}${
      difference === "" ? "" : ` (${difference})`
    }; regenerate them from the same config and inputs`,
  );
}

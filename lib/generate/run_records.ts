/**
 * The metadata records of a run: the skeleton of a stack not done yet, the store's first write
 * (kept records as they were, the other stacks pending), and the scheduler's events that keep the
 * records, the progress display and the log up to date as stacks start, finish, fail or retry.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { GenerateConfig } from "../config/mod.ts";
import { MetadataStore, type StackRecord } from "./metadata.ts";
import { removeTree } from "./outputs.ts";
import type { Shard, StackPlan } from "./plan.ts";
import type { Progress } from "./progress.ts";
import type { RunPlan } from "./run_plan.ts";
import type { SchedulerEvents } from "./scheduler.ts";

/** A skeleton record of a stack that is not (yet) done. Pure. */
export function pendingRecord(
  config: GenerateConfig,
  stack: StackPlan,
  runSeed: number,
  shard?: Shard,
): StackRecord {
  return {
    output: stack.output,
    nonoise_output: stack.nonoiseOutput,
    global_stack_no: stack.id,
    apix: config.apix,
    defocus: stack.defocus,
    sim_configs: config.simTemplate,
    particle_coords: config.coordTemplate ?? "",
    orientations: [],
    positions: [],
    custom_data: null,
    name: stack.name,
    seed: stack.seed,
    run_seed: runSeed,
    tilt_angles: config.simFacts.tiltAngles,
    status: "pending",
    attempts: 0,
    ...(shard === undefined ? {} : { shard }),
    detector: { ...config.simFacts.detector },
    particle_sets: [],
  };
}

/** What keeps a locked run's records: its plan, metadata store, tallies, progress and log. */
export interface RunRecords {
  /** The plan of the run. */
  plan: RunPlan;
  /** The dataset fingerprint every record of this run carries. */
  fingerprint: string;
  /** The metadata of this run or shard. */
  store: MetadataStore;
  /** The progress display. */
  progress: Progress;
  /** The main thread's logger. */
  logger: Logger;
  /** Stacks produced now. */
  done: number[];
  /** Stacks that failed for good. */
  failed: number[];
}

/**
 * The run's metadata store, holding the earlier records of stacks outside the plan (another
 * shard's, on a resume of a whole run); nothing is written yet. Needs no permissions.
 */
export function openStore(plan: RunPlan): MetadataStore {
  const planned = new Set(plan.stacks.map((stack) => stack.id));
  return new MetadataStore(
    plan.metadataFile,
    plan.earlier.filter((record) => !planned.has(record.global_stack_no)),
  );
}

/**
 * Writes the run's first metadata: a kept stack keeps its earlier record; every other stack gets
 * a pending record (on resume, after its folder is removed). Needs read and write on the root.
 */
export async function recordPlannedStacks(run: RunRecords): Promise<void> {
  const { plan, store } = run;
  for (const stack of plan.stacks) {
    const previous = plan.byId.get(stack.id);
    if (plan.kept.has(stack.id) && previous !== undefined) store.set(previous);
    else {
      if (plan.options.resume) await removeTree(stack.stackDir);
      store.set(fingerprinted(run, pendingRecord(plan.config, stack, plan.runSeed, plan.shard)));
    }
  }
  await store.write();
}

/**
 * The scheduler's events: a finished or failed stack is recorded and the metadata written, a
 * retried one noted; each moves the progress display. Needs write on the metadata file.
 */
export function stackEvents(run: RunRecords): SchedulerEvents {
  const { store, progress, logger } = run;
  return {
    started: (stack, slot, attempt) => {
      progress.started(stack.id);
      logger.debug(`Stack ${stack.id} → worker-${slot + 1} (attempt ${attempt})`);
    },
    done: (record) => recordDone(run, record),
    failed: (stack, error, attempts) => recordFailed(run, stack, error, attempts),
    retrying: (stack, error, attempt) => {
      const record = store.get(stack.id);
      if (record !== undefined) store.set({ ...record, attempts: attempt, error });
      progress.retrying(stack.id);
    },
    engineProgress: (stackId, tiltsDone, tilts) => progress.tilts(stackId, tiltsDone, tilts),
  };
}

/** Records a finished stack, writes the metadata and logs the count complete. */
async function recordDone(run: RunRecords, record: StackRecord): Promise<void> {
  const { plan, store, done } = run;
  store.set(fingerprinted(run, record));
  await store.write();
  done.push(record.global_stack_no);
  run.progress.done(record.global_stack_no);
  run.logger.info(
    `Stack ${record.global_stack_no} recorded (attempt ${record.attempts}); ` +
      `${plan.kept.size + done.length}/${plan.stacks.length} complete`,
  );
}

/** Records a stack that failed for good (a pending record with the error) and writes the metadata. */
async function recordFailed(
  run: RunRecords,
  stack: StackPlan,
  error: string,
  attempts: number,
): Promise<void> {
  const { plan, store } = run;
  store.set({
    ...fingerprinted(run, pendingRecord(plan.config, stack, plan.runSeed, plan.shard)),
    status: "failed",
    attempts,
    error,
  });
  await store.write();
  run.failed.push(stack.id);
  run.progress.failed(stack.id);
}

/** `record` stamped with the run's dataset fingerprint. Pure. */
function fingerprinted(run: RunRecords, record: StackRecord): StackRecord {
  return { ...record, fingerprint: run.fingerprint };
}

/**
 * The plan of a `runGenerate` run, decided before anything is written: the checks that refuse a
 * run (the assembler, a shard's seed, the machine's memory and disk, the dataset fingerprint), the
 * run seed, the stacks, which stacks of an earlier run are kept, and the worker, Chimera server
 * and engine thread counts.
 *
 * @module
 */
import { type AssemblerDefinition, findAssembler, randomRunSeed } from "../assemblers/mod.ts";
import {
  type GenerateConfig,
  requireRunFits,
  type RunEstimate,
  runNeedsOf,
} from "../config/mod.ts";
import { inputError } from "../errors/mod.ts";
import { availableMemory, freeDiskBytes } from "../platform/mod.ts";
import { earlierRecords, keptStacks, requireSameFingerprint } from "./earlier_run.ts";
import { type DatasetFingerprint, datasetFingerprint } from "./fingerprint.ts";
import type { StackRecord } from "./metadata.ts";
import {
  logPath as logPathOf,
  metadataPath as metadataPathOf,
  planStacksWithSeed,
  type Shard,
  type StackPlan,
} from "./plan.ts";
import type { RunGenerateOptions } from "./run.ts";

/** The stacks of a run and what an earlier run left of them. */
export interface PlannedStacks {
  /** The records an earlier run left (resume; else none). */
  earlier: StackRecord[];
  /** `earlier` by stack id. */
  byId: Map<number, StackRecord>;
  /** The run seed: configured, else the earlier run's (resume), else drawn now. */
  runSeed: number;
  /** Whether the run seed was drawn for this run. */
  seedDrawn: boolean;
  /** The planned stacks (of this shard). */
  stacks: StackPlan[];
  /** Ids of the stacks kept from the earlier run. */
  kept: Set<number>;
  /** Why a stack with an earlier record is redone, by id. */
  redoReasons: Map<number, string>;
  /** The dataset fingerprint (undefined for a dry run that does not resume). */
  fingerprint: DatasetFingerprint | undefined;
}

/** What a run will do: shared by the dry run's report and the run itself. */
export interface RunPlan extends PlannedStacks {
  /** The options of the run. */
  options: RunGenerateOptions;
  /** The validated config. */
  config: GenerateConfig;
  /** The shard, if any. */
  shard: Shard | undefined;
  /** Where the plan and the summary go. */
  print: (line: string) => void;
  /** `performance.now()` at the start, for the wall time. */
  started: number;
  /** When the run started (ms since the epoch), for the log's elapsed times. */
  startTime: number;
  /** The metadata file of this run or shard. */
  metadataFile: string;
  /** The log file of this run or shard. */
  logFile: string;
  /** The stacks to produce now. */
  todo: StackPlan[];
  /** Workers to start. */
  workers: number;
  /** Whether the run starts a Chimera pool. */
  usesChimera: boolean;
  /** Chimera servers to start (0: none needed). */
  servers: number;
  /** Engine threads per stack (embedded engine). */
  engineThreads: number | undefined;
  /** What the run needs of the machine (docs/sizes.md). */
  estimate: RunEstimate;
}

/**
 * Plans the run of `options` (see {@linkcode RunPlan}), writing nothing. Throws an input error
 * (exit 2, one line) for an unknown assembler, a shard without a configured seed, a run that
 * cannot fit the machine, or earlier stacks of another dataset fingerprint.
 * Needs read on the inputs and the root; --allow-sys=systemMemoryInfo for the memory check
 * (skipped without).
 */
export async function planRun(
  options: RunGenerateOptions,
  started: number,
  startTime: number,
): Promise<RunPlan> {
  const { config, shard } = options;
  const print = options.print ?? ((line: string) => console.log(line));
  const definition = requireRunnable(config, shard);
  const metadataFile = metadataPathOf(config.root, shard);
  const logFile = logPathOf(config.root, config.name, shard);

  // Sizes first: nothing per stack is materialised before the run is known to fit.
  runFits(options, shardSize(config.numStacks, shard));
  const planned = await planStacksOfRun(options, metadataFile);
  const todo = planned.stacks.filter((stack) => !planned.kept.has(stack.id));
  const workers = workerCountFor(config, options, todo.length);
  const usesChimera = definition.usesChimera(config.assemblerOptions) && todo.length > 0;
  const servers = usesChimera ? Math.max(1, Math.min(config.numChimeraWindows, workers)) : 0;
  const engineThreads = engineThreadsFor(config, options, workers);
  const estimate = runFits(options, todo.length, await freeDiskBytes(config.root));
  return {
    ...planned,
    options,
    config,
    shard,
    print,
    started,
    startTime,
    metadataFile,
    logFile,
    todo,
    workers,
    usesChimera,
    servers,
    engineThreads,
    estimate,
  };
}

/**
 * The assembler of the run; refuses (input error) an unknown one, and a shard of a config without
 * a "seed". Needs no permissions.
 */
function requireRunnable(config: GenerateConfig, shard: Shard | undefined): AssemblerDefinition {
  const definition = findAssembler(config.assembler);
  if (definition === undefined) {
    throw inputError(`Cannot run: unknown assembler "${config.assembler}"`);
  }
  if (shard !== undefined && config.seed === undefined) {
    // each shard would draw its own run seed: the stacks would not be one run's
    throw inputError(
      `Cannot run shard ${shard.index}/${shard.count}: the config has no "seed", and every shard must use the same one (add e.g. "seed: 1234")`,
      { file: config.configFile, key: "seed" },
    );
  }
  return definition;
}

/**
 * The run seed and the stacks; on resume, the earlier run's records and the stacks it completed
 * (checked, not assumed). Refuses earlier stacks of another dataset fingerprint (input error).
 * Needs read on the inputs (the fingerprint) and the root.
 */
async function planStacksOfRun(
  options: RunGenerateOptions,
  metadataFile: string,
): Promise<PlannedStacks> {
  const { config, shard } = options;
  // The run seed: configured, else the earlier run's (resume), else drawn now.
  const earlier = options.resume ? await earlierRecords(config.root, metadataFile, shard) : [];
  const earlierSeed = earlier.find((record) => typeof record.run_seed === "number")?.run_seed;
  const runSeed = config.seed ?? earlierSeed ?? randomRunSeed();
  const seedDrawn = config.seed === undefined && earlierSeed === undefined;
  const stacks = planStacksWithSeed(config, runSeed, shard);

  // Which stacks are complete already (checked, not assumed).
  const byId = new Map(earlier.map((record) => [record.global_stack_no, record]));
  const fingerprint = options.dryRun && !options.resume
    ? undefined
    : await datasetFingerprint(config);
  if (fingerprint !== undefined) {
    await requireSameFingerprint(config.root, shard, fingerprint, earlier, options.resume === true);
  }
  const { kept, redoReasons } = await keptStacks(config, stacks, byId, options.resume === true);
  return { earlier, byId, runSeed, seedDrawn, stacks, kept, redoReasons, fingerprint };
}

/**
 * Workers of a run of `stacks` stacks: as asked (option, then config `workers`, `num_cores`),
 * else one per core; at most one per stack.
 */
function workerCountFor(
  config: GenerateConfig,
  options: Pick<RunGenerateOptions, "workers">,
  stacks: number,
) {
  const wanted = options.workers ?? config.workers ?? config.numCores ??
    (navigator.hardwareConcurrency || 1);
  return Math.max(0, Math.min(wanted, stacks));
}

/**
 * Refuses (input error, exit 2, one line with the numbers) a run of `stacksToDo` stacks that
 * cannot fit the machine (docs/sizes.md); returns the estimate. Memory and disk are compared
 * where the permissions let them be read (`disk`: free bytes under the root, when known).
 * Needs --allow-sys=systemMemoryInfo for the memory figure (skipped without it).
 */
function runFits(
  options: Pick<RunGenerateOptions, "config" | "workers" | "engineThreads">,
  stacksToDo: number,
  disk?: number,
): RunEstimate {
  const { config } = options;
  const workers = workerCountFor(config, options, stacksToDo);
  const uses = findAssembler(config.assembler)?.usesChimera(config.assemblerOptions) ?? false;
  return requireRunFits(
    runNeedsOf(config, {
      stacksToDo,
      workers,
      threads: engineThreadsFor(config, options, workers) ?? 1,
      embedded: config.temSimulatorExecutable === undefined,
      servers: uses ? Math.max(1, Math.min(config.numChimeraWindows, workers)) : 0,
    }),
    { memory: availableMemory(), disk },
  );
}

/**
 * The size checks of {@linkcode runGenerate}, for a process about to re-run itself under scoped
 * grants that will not let the run read the machine's memory: refuses what cannot fit, with
 * every stack of the run or shard counted (kept stacks of a resume included), before the re-run.
 * Needs --allow-sys=systemMemoryInfo and read on the root's file system (each skipped without).
 */
export async function preflightGenerate(
  options: Pick<RunGenerateOptions, "config" | "workers" | "engineThreads" | "shard">,
): Promise<RunEstimate> {
  const stacks = shardSize(options.config.numStacks, options.shard);
  return runFits(options, stacks, await freeDiskBytes(options.config.root));
}

/** Stacks of a shard (or of the whole run), counted without listing them. Pure. */
function shardSize(numStacks: number, shard?: Shard): number {
  if (shard === undefined) return numStacks;
  return Math.floor(numStacks / shard.count) + (shard.index < numStacks % shard.count ? 1 : 0);
}

/** Engine threads per stack: the embedded engine's share of the cores (none for an external one). */
function engineThreadsFor(
  config: GenerateConfig,
  options: Pick<RunGenerateOptions, "engineThreads">,
  workers: number,
): number | undefined {
  const cores = navigator.hardwareConcurrency || 1;
  return config.temSimulatorExecutable === undefined
    ? options.engineThreads ?? Math.max(1, Math.floor(cores / Math.max(1, workers)))
    : undefined;
}

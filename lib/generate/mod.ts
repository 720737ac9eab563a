/**
 * `ets generate`, the main job: stacks planned per run or shard, run by Web Workers from a shared
 * queue (assembler → engine → outputs), with metadata, logs, progress, retries, resume and clean
 * stops. `runGenerate(options)` is the core; `planStacks(config, shard?)` the plan.
 *
 * @module
 */
export {
  type ChimeraPoolHandle,
  type ChimeraPoolStarter,
  type ChimeraPoolStartOptions,
  defaultChimeraPool,
  type GenerateResult,
  incompleteReason,
  pendingRecord,
  runGenerate,
  type RunGenerateOptions,
} from "./run.ts";
export {
  defocusFor,
  logPath,
  metadataPath,
  planStacks,
  planStacksWithSeed,
  type Shard,
  shardStackIds,
  shardTag,
  stackName,
  type StackPlan,
  stackSeed,
  workerTempDir,
} from "./plan.ts";
export {
  type EngineRecord,
  type FiducialRecord,
  MetadataStore,
  type ParticleSetRecord,
  readMetadata,
  type StackRecord,
  type StackStatus,
} from "./metadata.ts";
export {
  type EngineCommand,
  engineCommand,
  type EngineResult,
  type EngineRunOptions,
  killEngine,
  lastErrorLine,
  logSaysComplete,
  runEngine,
} from "./engine_runner.ts";
export {
  FIDUCIAL_NAME,
  formatCoordFile,
  fullPrecision,
  localPath,
  particleSection,
  sourceKind,
  type StackInput,
  StackSimulation,
  type StackWorkFiles,
  TEM_SIMULATOR_LINE_LIMIT,
} from "./simulation.ts";
export { rewriteTiltSeries, seriesProblem } from "./outputs.ts";
export {
  runStack,
  stableSources,
  STACK_MAPS_DIR,
  StackAborted,
  type StackContext,
} from "./stack_runner.ts";
export { contactSheetStacks, writeContactSheet } from "./contact_sheet.ts";
export { runScheduler, type SchedulerOptions, type WorkerHandle } from "./scheduler.ts";
export { etaText, Progress, type ProgressMode, type ProgressOptions } from "./progress.ts";
export {
  checkRoot,
  childPermissionFlags,
  chimeraFlags,
  chimeraServedDirs,
  engineFlags,
  GENERATE_ENV_VARS,
  permissionFlags,
  type PermissionPlan,
  permissionPlan,
  type PermissionPlanOptions,
} from "./permissions.ts";
export {
  checkGrantsHeld,
  prepareScopedGenerate,
  type ScopedGenerate,
  type ScopedGenerateOptions,
} from "./scoped_generate.ts";
export { estimateDisk, formatPlan, seriesBytes } from "./plan_text.ts";
export { generateWorkerMain, type WorkerScope } from "./worker_main.ts";
export type { MainToWorker, WorkerToMain } from "./worker_protocol.ts";
export {
  type DatasetFingerprint,
  datasetFingerprint,
  fingerprintDifference,
  fingerprintPath,
  readFingerprint,
  shortFingerprint,
  writeFingerprint,
} from "./fingerprint.ts";
export {
  acquireRunLock,
  describeHolder,
  type LockHolder,
  lockPath,
  readLock,
  type RunLock,
  runningShards,
} from "./lock.ts";
export { engineTimeoutSeconds } from "./engine_runner.ts";
export { preflightGenerate } from "./run.ts";

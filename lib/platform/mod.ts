/**
 * The platform seam: the few Deno APIs that touch the world (atomic writes, self-invocation,
 * exit-path cleanups), kept thin so core logic tests without permissions.
 *
 * @module
 */
export { tempPathFor, writeFileAtomic, writeFileAtomicSync } from "./atomic_write.ts";
export { openAppendNoFollowSync, refuseSymlink, SymlinkRefused } from "./no_follow.ts";
export {
  appMainPath,
  BOOTSTRAP_PERMISSION_FLAGS,
  CONFINE_VARIABLE,
  confinesInWorker,
  isCompiledBinary,
  OFFLINE_MODULE_FLAGS,
  selfInvocation,
} from "./self_command.ts";
export type { Invocation } from "./self_command.ts";
export { onCleanup, runCleanups } from "./cleanup.ts";
export { availableMemory, freeDiskBytes, hostName, processAlive } from "./machine.ts";
export {
  holdExitUntil,
  installSignalHandlers,
  requestShutdown,
  shutdownExitCode,
  shutdownSignal,
} from "./signals.ts";
export {
  hasBroadGrants,
  isEtsEntry,
  missingGrants,
  parseDenyFlags,
  runScoped,
  SITE_DENY_VARIABLE,
  siteDenyFlags,
} from "./scoped_run.ts";
export type { ScopedRun } from "./scoped_run.ts";
export type { ShutdownReason } from "./signals.ts";
export {
  childEnv,
  COMMON_LOADER_VARIABLES,
  ETS_CHILD_ENV,
  isLoaderVariable,
  loaderEnvOverrides,
  runPermissionUnscoped,
  SAVED_PREFIX,
} from "./child_env.ts";
export type { ChildKind } from "./child_env.ts";
export {
  checkDenials,
  GRANT_NAMES,
  grantFlags,
  splitGrantFlags,
  workerPermissions,
} from "./grants.ts";
export type { Grants, LeadingGrants } from "./grants.ts";
export { runCaptured } from "./captured_run.ts";
export type { CapturedOutput, CapturedRun } from "./captured_run.ts";
export { runConfined } from "./confined_run.ts";
export type { ConfinedRun } from "./confined_run.ts";
export { fromWireError, toWireError } from "./confined_protocol.ts";
export type { ConfinedReply, ConfinedRequest, WireError } from "./confined_protocol.ts";

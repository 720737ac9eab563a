/**
 * The platform seam: the few Deno APIs that touch the world (atomic writes, self-invocation,
 * exit-path cleanups), kept thin so core logic tests without permissions.
 *
 * @module
 */
export { tempPathFor, writeFileAtomic, writeFileAtomicSync } from "./atomic_write.ts";
export { isCompiledBinary, selfInvocation } from "./self_command.ts";
export type { Invocation } from "./self_command.ts";
export { onCleanup, runCleanups } from "./cleanup.ts";
export { availableMemory, freeDiskBytes, hostName, processAlive } from "./machine.ts";
export { installSignalHandlers, shutdownSignal } from "./signals.ts";
export type { ShutdownReason } from "./signals.ts";
export {
  childEnv,
  COMMON_LOADER_VARIABLES,
  isLoaderVariable,
  loaderEnvOverrides,
  runPermissionUnscoped,
  SAVED_PREFIX,
} from "./child_env.ts";
export type { ChildKind } from "./child_env.ts";

/**
 * One-file builds: the packed launcher (`deno task pack`) and the flags shared with
 * `deno task compile`.
 *
 * @module
 */
export { buildPack, excludedFromPack, packEntries } from "./pack.ts";
export type { PackOptions, PackResult } from "./pack.ts";
export { launcherHeader } from "./launcher.ts";
export type { LauncherOptions } from "./launcher.ts";
export { tarChunks } from "./tar.ts";
export type { TarEntry } from "./tar.ts";
export { APP_ASSET_DIRS, APP_PERMISSION_FLAGS, APP_RUNTIME_FLAGS } from "./flags.ts";
export { compileArgs, denortProblem, runtimeUrls } from "./compile_args.ts";
export type { RuntimeUrl } from "./compile_args.ts";

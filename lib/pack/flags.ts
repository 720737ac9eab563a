/**
 * The Deno flags the one-file builds (`deno task compile`, `deno task pack`) run `ets` with.
 *
 * @module
 */

/**
 * Permission flags baked into the compiled binary and passed by the packed launcher.
 * `--allow-run` is unscoped because neither build can know, when it is made, the path it will
 * live at (it spawns itself for `tem-simulator` and `chimera-server`) nor the configured
 * external programs; it also lets real external programs keep `LD_LIBRARY_PATH` (see
 * lib/platform/child_env.ts). Network stays on the loopback (the Chimera servers).
 */
export const APP_PERMISSION_FLAGS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-run",
  "--allow-net=127.0.0.1,localhost",
];

/**
 * Runtime flags besides permissions: Web Workers with their own permission sets, and the
 * imaging engine's V8 memory flags (a 1 MB young generation, size-over-speed heuristics; see
 * lib/platform/self_command.ts), which cost the other subcommands nothing measurable.
 */
export const APP_RUNTIME_FLAGS: readonly string[] = [
  "--unstable-worker-options",
  "--v8-flags=--max-semi-space-size=1,--optimize-for-size",
];

/** Folders shipped beside the code and read at run time (worker entries, templates). */
export const APP_ASSET_DIRS: readonly string[] = ["workers", "templates"];

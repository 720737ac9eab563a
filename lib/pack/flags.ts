/**
 * The Deno flags the one-file builds (`deno task compile`, `deno task pack`) run `ets` with.
 *
 * @module
 */

/**
 * The bootstrap grants baked into the compiled binary and passed by the packed launcher (unless
 * the site's flags file replaces them, lib/pack/launcher.ts). They are broad because neither
 * build can know, when it is made, the paths it will live at and work on; `ets generate` reads
 * its config under them and then re-runs itself under the scoped grants its config implies
 * (lib/generate/scoped_generate.ts), and never hands a child more than it holds. Network stays
 * on the loopback (the Chimera servers).
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

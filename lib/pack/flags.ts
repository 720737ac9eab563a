/**
 * The Deno flags the one-file builds (`deno task compile`, `deno task pack`) run `ets` with.
 *
 * @module
 */
import { BOOTSTRAP_PERMISSION_FLAGS } from "../platform/mod.ts";

/**
 * The bootstrap grants baked into the compiled binary and passed by the packed launcher (unless
 * the site's flags file replaces them, lib/pack/launcher.ts); lib/platform
 * BOOTSTRAP_PERMISSION_FLAGS. They are broad because neither build can know, when it is made,
 * the paths it will live at and work on; `ets generate` reads its config under them and then
 * runs under the scoped grants its config implies (lib/generate/scoped_generate.ts): the
 * launcher's by re-running itself under flags, the compiled binary's in a Web Worker holding
 * exactly those grants (`--unstable-worker-options`, {@linkcode APP_RUNTIME_FLAGS}), whose engine
 * and Chimera children confine their own work the same way. Network stays on the loopback.
 */
export const APP_PERMISSION_FLAGS: readonly string[] = BOOTSTRAP_PERMISSION_FLAGS;

/**
 * Runtime flags besides permissions: Web Workers with their own permission sets (the compiled
 * binary's confined generate and children; the flag must be baked in, its children take none), and the
 * imaging engine's V8 memory flags (a 1 MB young generation, size-over-speed heuristics; see
 * lib/platform/self_command.ts), which cost the other subcommands nothing measurable.
 */
export const APP_RUNTIME_FLAGS: readonly string[] = [
  "--unstable-worker-options",
  "--v8-flags=--max-semi-space-size=1,--optimize-for-size",
];

/** Folders shipped beside the code and read at run time (worker entries, templates). */
export const APP_ASSET_DIRS: readonly string[] = ["workers", "templates"];

/**
 * `ets`: simulated cryo-ET datasets. Entry point: parses the command line, runs the subcommand,
 * stops every worker and child on every exit path, and exits with the mapped code.
 *
 * @module
 */
import { runCli } from "./lib/cli/mod.ts";
import { installSignalHandlers, runCleanups } from "./lib/platform/mod.ts";

if (import.meta.main) {
  installSignalHandlers();
  const code = await runCli(Deno.args);
  await runCleanups();
  Deno.exit(code);
}

/**
 * `ets validate [-i config.yaml]`: checks a config (keys, types, ranges, input files, the sim.txt
 * and coordinate templates) without running anything, then prints OK and the plan.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { loadConfig } from "../config/mod.ts";
import { checkRoot, runGenerate } from "../generate/mod.ts";

/**
 * Builds the `validate` subcommand. Needs no permissions to build; running it needs --allow-read
 * on the config and its inputs (and --allow-env=PATH for bare program names).
 */
export function validateCommand() {
  return new Command("validate")
    .description(
      "Check a generate config (keys, types, ranges, input files, templates) and print the plan; " +
        "runs nothing. Without -i, checks the embedded templates/config.yaml.",
    )
    .option("-i, --input <config>", "the YAML config (default: the embedded templates/config.yaml)")
    .option("--root <dir>", "project folder (overrides the config's root)")
    .option(
      "--allow-dir <dir>",
      "also read files the engine template (sim.txt) names from this folder (repeatable; " +
        "default: only the config's folder)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .action(async (options) => {
      const config = await loadConfig(options.input, {
        root: options.root,
        allowDirs: options.allowDir,
      });
      checkRoot(config);
      console.log(`OK: ${options.input ?? "templates/config.yaml"} is a valid config`);
      for (const warning of config.warnings) console.log(`  warning: ${warning}`);
      await runGenerate({ config, dryRun: true, resume: false });
    });
}

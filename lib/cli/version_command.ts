/**
 * `ets version`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import denoJson from "../../deno.json" with { type: "json" };

/** The ets version from deno.json. Needs no permissions. */
export const ETS_VERSION: string = denoJson.version;

/** Builds the `version` subcommand: prints ets, Deno, V8 and TypeScript versions. Needs no permissions. */
export function versionCommand() {
  return new Command("version")
    .description("print the ets, Deno, V8 and TypeScript versions")
    .action(() => {
      console.log(`ets ${ETS_VERSION}`);
      console.log(`deno ${Deno.version.deno}`);
      console.log(`v8 ${Deno.version.v8}`);
      console.log(`typescript ${Deno.version.typescript}`);
    });
}

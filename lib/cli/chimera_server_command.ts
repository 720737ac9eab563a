/**
 * `ets chimera-server`: the embedded Chimera-compatible REST command server.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { inputError } from "../errors/mod.ts";
import { readTokenLine, runChimeraServer } from "../chimera/mod.ts";
import { shutdownSignal } from "../platform/mod.ts";

/** Builds the `chimera-server` subcommand. Needs no permissions to build; running it needs more. */
export function chimeraServerCommand() {
  return new Command("chimera-server")
    .description(
      "Serve Chimera 1 commands (open, move, turn, vop, molmap, volume save, ...) over Chimera's " +
        'REST protocol on 127.0.0.1. Prints "REST server on host 127.0.0.1 port N", then nothing. ' +
        "Every request needs the token (without --token or --token-stdin a random one is made " +
        "and told on stderr); requests from other hosts or web pages are refused.",
    )
    .option("--port <n>", "port to listen on (0: any free port)", "0")
    .option(
      "--token <token>",
      "the token every request must carry (token= or Bearer; visible in the process list)",
    )
    .option(
      "--token-stdin",
      "read the token from the first line of standard input (keeps it out of the process list)",
    )
    .option(
      "--allow-dir <folder>",
      "folder commands may read and write (repeatable; default: the current folder)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--log <file>", "log commands and errors to this file")
    .option("--exit-with-stdin", "stop when standard input closes (used by the server pool)")
    .action(async (options) => {
      const port = Number(options.port);
      if (!/^\d+$/.test(options.port) || !Number.isInteger(port) || port > 65535) {
        throw inputError(
          `Cannot start the Chimera server: "--port" must be 0-65535, got "${options.port}"`,
        );
      }
      if (options.token !== undefined && options.tokenStdin === true) {
        throw inputError(
          'Cannot start the Chimera server: give "--token" or "--token-stdin", not both',
        );
      }
      await runChimeraServer({
        port,
        token: options.tokenStdin === true ? await readTokenLine(Deno.stdin) : options.token,
        allowDirs: options.allowDir,
        logFile: options.log,
        exitWithStdin: options.exitWithStdin === true,
        signal: shutdownSignal(),
      });
    });
}

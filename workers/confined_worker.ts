/**
 * The worker a command runs in under scoped grants (lib/platform/confined_run.ts): the compiled
 * binary's `generate`, `tem-simulator` and `chimera-server`, which cannot re-run under flags.
 * Protocol: lib/platform/confined_protocol.ts. Holds only the grants it was created with.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { runCommandLine } from "../lib/cli/mod.ts";
import {
  type ConfinedReply,
  type ConfinedRequest,
  requestShutdown,
  runCleanups,
  toWireError,
} from "../lib/platform/mod.ts";

function reply(message: ConfinedReply): void {
  self.postMessage(message);
}

async function run(args: string[]): Promise<void> {
  let message: ConfinedReply;
  try {
    message = { type: "exit", code: await runCommandLine(args) };
  } catch (error) {
    message = { type: "error", error: toWireError(error) };
  }
  // this worker's own workers and children are stopped before it answers
  await runCleanups();
  reply(message);
  self.close();
}

self.onmessage = (event: MessageEvent<ConfinedRequest>) => {
  const request = event.data;
  switch (request.type) {
    case "run":
      void run(request.args);
      break;
    case "shutdown":
      requestShutdown(request.reason);
      break;
  }
};

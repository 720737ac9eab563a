/**
 * `ets assembler-facts MODULE` (internal, hidden): imports a user's assembler module and prints
 * what a broad-grant `ets` needs of it for one config (lib/assemblers AssemblerModuleFacts) as
 * one marked JSON line. Its parent (lib/config assembler_module.ts) starts it holding read on
 * the module and the app only, so the module's top-level code runs with no more than that; the
 * config's `custom_configs` comes as JSON on stdin.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { describeAssemblerModule } from "../assemblers/mod.ts";
import { ASSEMBLER_FACTS_MARKER, type AssemblerFactsReply } from "../config/mod.ts";

/** The most stdin read (the options' JSON). */
const MAX_INPUT_BYTES = 16 << 20;

async function readInput(): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of Deno.stdin.readable) {
    size += chunk.length;
    if (size > MAX_INPUT_BYTES) throw new RangeError("the options are larger than 16 MiB");
    chunks.push(chunk);
  }
  const text = new TextDecoder().decode(
    chunks.reduce((all, chunk) => {
      const joined = new Uint8Array(all.length + chunk.length);
      joined.set(all);
      joined.set(chunk, all.length);
      return joined;
    }, new Uint8Array()),
  );
  return text.trim() === "" ? {} : JSON.parse(text);
}

/**
 * Builds the `assembler-facts` subcommand (hidden from `--help`: lib/cli/mod.ts). Running it needs --allow-read on the module
 * (and whatever the module's own top-level code touches, which it is not given).
 */
export function assemblerFactsCommand() {
  return new Command("assembler-facts")
    .description("internal: a user assembler module's facts, for a config's custom_configs")
    .argument("<module>", "the module's absolute path")
    .action(async (module) => {
      let reply: AssemblerFactsReply;
      try {
        reply = { facts: await describeAssemblerModule(module, await readInput()) };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        reply = { problem: reason.split("\n")[0] ?? "" };
      }
      console.log(`${ASSEMBLER_FACTS_MARKER}${JSON.stringify(reply)}`);
    });
}

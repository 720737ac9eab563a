/**
 * A config's own assembler module (`assembler: ./my_assembler.ts`, docs/assemblers.md), made
 * usable without running its code under broader grants than a scoped run's. The file is checked
 * first (it exists, is a regular file, this process may read it; its extension made it a module
 * name); then:
 *
 * - a process without broad grants (the scoped re-run, a confined worker, the user's own scoped
 *   flags) imports it: its top-level code runs under exactly those grants;
 * - a process holding broad read or write (`deno run -A`, the packed launcher, the compiled
 *   binary's main thread, before it narrows itself) never imports it: it asks a child holding
 *   read on the module and the app only (`ets assembler-facts`, lib/platform runCaptured) for
 *   the module's facts for this config's `custom_configs`, and plans the run from them.
 *
 * Either way a module that cannot be imported, lacks the interface, or throws at import ends in
 * the same one-line problem (lib/config load.ts prefixes the config line), exit 2.
 *
 * @module
 */
import {
  type AssemblerDefinition,
  AssemblerModuleError,
  type AssemblerModuleFacts,
  assemblerModuleFactsSchema,
  resolveAssembler,
  useAssemblerModuleFacts,
} from "../assemblers/mod.ts";
import { excerpt } from "../errors/mod.ts";
import { appMainPath, hasBroadGrants, runCaptured } from "../platform/mod.ts";
import { dirnameOf } from "./paths.ts";

/** The prefix of the line `ets assembler-facts` answers with (after the module's own output). */
export const ASSEMBLER_FACTS_MARKER = "ets-assembler-facts:";

/** What `ets assembler-facts` answers: the facts, or the module's one-line problem. */
export type AssemblerFactsReply = { facts: AssemblerModuleFacts } | { problem: string };

/** Seconds the module's top-level code may take in the child before it is stopped. */
const FACTS_TIMEOUT_SECONDS = 120;

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

/**
 * Refuses (AssemblerModuleError, one line) a module file that is missing, not a regular file, or
 * that this process may not read — before any of it runs. Needs --allow-read on `path`.
 */
export async function checkAssemblerModuleFile(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new AssemblerModuleError(
      error instanceof Deno.errors.NotFound
        ? "cannot load it: the file does not exist"
        : `cannot load it: the file cannot be read (${firstLine(error)})`,
      { cause: error },
    );
  }
  if (!info.isFile) throw new AssemblerModuleError("cannot load it: it is not a file");
  try {
    (await Deno.open(path, { read: true })).close();
  } catch (error) {
    throw new AssemblerModuleError(
      `cannot load it: the file cannot be read (${firstLine(error)})`,
      {
        cause: error,
      },
    );
  }
}

function readDenoDir(): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: "DENO_DIR" }).state;
    return state === "granted" ? Deno.env.get("DENO_DIR") || undefined : undefined;
  } catch {
    return undefined;
  }
}

/** The reply of an `ets assembler-facts` child's stdout, if it gave one. Pure. */
export function parseFactsReply(stdout: string): AssemblerFactsReply | undefined {
  const line = stdout.split("\n").findLast((text) => text.startsWith(ASSEMBLER_FACTS_MARKER));
  if (line === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(ASSEMBLER_FACTS_MARKER.length));
  } catch {
    return undefined;
  }
  if (value !== null && typeof value === "object" && "problem" in value) {
    const problem = (value as { problem: unknown }).problem;
    return typeof problem === "string" ? { problem } : undefined;
  }
  const facts = assemblerModuleFactsSchema.safeParse((value as { facts?: unknown })?.facts);
  return facts.success ? { facts: facts.data } : undefined;
}

/**
 * The facts of the module at `path` for `options`, from a child holding read on the module, the
 * app (its entry and worker files, its `node_modules`) and `DENO_DIR` only: no write, run, net,
 * env or sys. Throws an AssemblerModuleError (one line) for a module that cannot be used.
 * Needs --allow-run on our own executable.
 */
export async function assemblerModuleFactsApart(
  path: string,
  options: unknown,
): Promise<AssemblerModuleFacts> {
  let input: string;
  try {
    input = JSON.stringify(options ?? {});
  } catch (error) {
    throw new AssemblerModuleError(`cannot pass "custom_configs" to it: ${firstLine(error)}`);
  }
  const denoDir = readDenoDir();
  const read = [...new Set([path, dirnameOf(appMainPath()), ...(denoDir ? [denoDir] : [])])];
  let output;
  try {
    output = await runCaptured({
      args: ["assembler-facts", path],
      grants: { read, write: [], run: [], net: [], env: [] },
      input,
      timeoutMs: FACTS_TIMEOUT_SECONDS * 1000,
    });
  } catch (error) {
    throw new AssemblerModuleError(
      `cannot check it apart from this process's grants: ${firstLine(error)}`,
      { cause: error },
    );
  }
  const reply = parseFactsReply(output.stdout);
  if (reply === undefined) {
    if (output.timedOut) {
      throw new AssemblerModuleError(
        `cannot load it: its top-level code did not finish within ${FACTS_TIMEOUT_SECONDS} s`,
      );
    }
    const last = output.stderr.split("\n").map((line) => line.trim()).findLast((line) =>
      line !== ""
    );
    throw new AssemblerModuleError(
      `cannot load it: it ended the check before answering (exit ${output.code}${
        last === undefined ? "" : `: ${excerpt(last, 80)}`
      })`,
    );
  }
  if ("problem" in reply) throw new AssemblerModuleError(reply.problem);
  return reply.facts;
}

/**
 * The registry entry of the user module at `path` (absolute) for the config's raw
 * `custom_configs`: checked as a file, then imported here when this process holds no broad
 * grants, else described by a child (see the module doc). Throws an AssemblerModuleError (one
 * line). Needs --allow-read on `path`; with broad grants, --allow-run on our own executable.
 */
export async function userAssembler(
  path: string,
  options: unknown,
): Promise<AssemblerDefinition<unknown>> {
  await checkAssemblerModuleFile(path);
  if (!hasBroadGrants()) {
    const definition = await resolveAssembler(path);
    if (definition === undefined) throw new AssemblerModuleError("cannot load it");
    return definition;
  }
  const facts = await assemblerModuleFactsApart(path, options);
  return useAssemblerModuleFacts(path, facts) as AssemblerDefinition<unknown>;
}

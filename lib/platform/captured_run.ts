/**
 * Running a command of `ets` apart, under narrow grants, for its answer: a process that holds
 * broad grants (`deno run -A`, the packed launcher, the compiled binary) asks a child holding
 * only what the question needs — e.g. read on one user module (lib/config assembler_module.ts)
 * — instead of running untrusted code itself. The child starts as every `ets` child does
 * ({@linkcode selfInvocation}: scoped flags from source, a confined worker in the compiled
 * binary), with the site's deny flags; its stdin is given, its stdout and stderr are captured
 * (capped), and it is killed on a timeout, on a shutdown signal and on every exit path.
 *
 * @module
 */
import { childEnv } from "./child_env.ts";
import { onCleanup } from "./cleanup.ts";
import { grantFlags, type Grants } from "./grants.ts";
import { siteDenyFlags } from "./scoped_run.ts";
import { selfInvocation } from "./self_command.ts";
import { shutdownSignal } from "./signals.ts";

/** What {@linkcode runCaptured} runs. */
export interface CapturedRun {
  /** The `ets` arguments (subcommand first). */
  args: string[];
  /** The child's grants (at least one; nothing else is granted). */
  grants: Grants;
  /** Text given on the child's stdin (then closed). */
  input?: string;
  /** Bytes kept of each of stdout and stderr (the rest is read and dropped); default 1 MiB. */
  maxOutputBytes?: number;
  /** Milliseconds before the child is killed; default 120000. */
  timeoutMs?: number;
}

/** What the child did. */
export interface CapturedOutput {
  /** Its exit code (130/143/137 when a signal ended it). */
  code: number;
  /** Its stdout (at most `maxOutputBytes`, decoded as UTF-8). */
  stdout: string;
  /** Its stderr (likewise). */
  stderr: string;
  /** Whether it was killed for taking longer than `timeoutMs`. */
  timedOut: boolean;
}

async function readCapped(stream: ReadableStream<Uint8Array>, max: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let kept = 0;
  for await (const chunk of stream) {
    if (kept >= max) continue;
    const part = chunk.subarray(0, max - kept);
    chunks.push(part);
    kept += part.length;
  }
  const bytes = new Uint8Array(kept);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

const SIGNAL_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGKILL: 137 };

/**
 * Runs `ets ARGS` as a child holding only `run.grants` and resolves with its exit code and
 * captured output. Needs `--allow-run` on `Deno.execPath()` and every grant it hands on.
 */
export async function runCaptured(run: CapturedRun): Promise<CapturedOutput> {
  const flags = grantFlags(run.grants);
  // without flags a compiled binary's child would run with its baked (broad) grants
  if (flags.length === 0) throw new RangeError("Cannot run a command apart without any grant");
  const invocation = selfInvocation(run.args, [...flags, ...siteDenyFlags()]);
  const child = new Deno.Command(invocation.command, {
    args: invocation.args,
    env: childEnv("ets"),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // already exited
    }
  };
  const unregister = onCleanup(() => kill("SIGKILL"));
  const forward = () => kill("SIGTERM");
  shutdownSignal().addEventListener("abort", forward, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill("SIGKILL");
  }, run.timeoutMs ?? 120_000);
  try {
    const max = run.maxOutputBytes ?? 1 << 20;
    const stdout = readCapped(child.stdout, max);
    const stderr = readCapped(child.stderr, max);
    const writer = child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(run.input ?? ""));
      await writer.close();
    } catch {
      // the child ended without reading its input; its status says why
    }
    const [status, out, err] = await Promise.all([child.status, stdout, stderr]);
    const code = status.signal === null ? status.code : SIGNAL_CODES[status.signal] ?? 128;
    return { code, stdout: out, stderr: err, timedOut };
  } finally {
    clearTimeout(timer);
    shutdownSignal().removeEventListener("abort", forward);
    unregister();
  }
}

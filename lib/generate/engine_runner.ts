/**
 * Running the imaging engine on one stack's input: the embedded `ets tem-simulator` (our own
 * binary) or an external TEM-Simulator. Every spawn of the engine happens in
 * {@linkcode runEngine}. Success is judged by the exit code AND the engine's log, because
 * TEM-Simulator 1.3 exits 0 when a simulation fails.
 *
 * @module
 */
import { paddedGridSide, type SizedConfig } from "../config/mod.ts";
import { childEnv, selfInvocation } from "../platform/mod.ts";

/** How to start the engine (the input file is appended as the last argument). */
export interface EngineCommand {
  /** The executable. */
  command: string;
  /** Arguments before the input file. */
  args: string[];
  /** Whether this is the embedded engine. */
  embedded: boolean;
  /** Milliseconds one run may take before it is killed (SIGTERM, then SIGKILL); none if unset. */
  timeoutMs?: number;
}

/**
 * The automatic engine timeout of a stack, seconds (config `engine_timeout: auto`; see
 * docs/sizes.md): 600 s, plus 10 s per tilt and million pixels of the padded wave grid, plus
 * 20 s per million voxels of particle maps — about ten times what the embedded engine takes on
 * one core, so only a stopped or stuck engine reaches it. Needs no permissions.
 */
export function engineTimeoutSeconds(config: SizedConfig): number {
  const padding = config.inputSizes?.padding ?? 20;
  const { nx, ny } = config.simFacts.detector;
  const megapixels = paddedGridSide(nx, padding) * paddedGridSide(ny, padding) / 1e6;
  const tilts = config.simFacts.tiltAngles.length;
  const voxels = (config.inputSizes?.engineMapVoxels ?? []).reduce((a, b) => a + b, 0) / 1e6;
  return Math.ceil(600 + 10 * tilts * megapixels + 20 * voxels);
}

/** Options of {@linkcode engineCommand}. */
export interface EngineCommandOptions {
  /** Permission flags for the embedded engine when running from source. */
  permissionFlags?: string[];
  /** Worker threads of the embedded engine (`--threads`). */
  threads?: number;
}

/**
 * The engine command of a run: `tem_simulator_executable` as is, or `ets tem-simulator
 * [--threads N]` (our own binary). Needs --allow-read for `Deno.execPath()` (embedded).
 */
export function engineCommand(
  executable: string | undefined,
  options: EngineCommandOptions = {},
): EngineCommand {
  if (executable !== undefined) return { command: executable, args: [], embedded: false };
  const threads = options.threads === undefined ? [] : ["--threads", String(options.threads)];
  const invocation = selfInvocation(["tem-simulator", ...threads], options.permissionFlags ?? []);
  return { command: invocation.command, args: invocation.args, embedded: true };
}

/** Options of {@linkcode runEngine}. */
export interface EngineRunOptions {
  /** Stops the engine (its process group: SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal;
  /** Called with the child's pid once it runs. */
  onStart?: (pid: number) => void;
  /** Called with the child's pid once it has exited. */
  onExit?: (pid: number) => void;
  /** Called with every line the engine prints on stdout (its progress), as it comes. */
  onStdoutLine?: (line: string) => void;
  /** Milliseconds between SIGTERM and SIGKILL on abort or timeout (default 500). */
  killGraceMs?: number;
  /** Milliseconds the run may take (default: the engine command's `timeoutMs`; none if unset). */
  timeoutMs?: number;
  /**
   * Extra environment variables for the engine (on top of the loader-variable handling of
   * lib/platform childEnv, which keeps the spawn working when `LD_LIBRARY_PATH` is set).
   */
  env?: Record<string, string>;
}

/** The outcome of one engine run. */
export interface EngineResult {
  /** Whether the engine exited 0 and its log says the simulation completed. */
  ok: boolean;
  /** Whether it was stopped through `signal`. */
  aborted: boolean;
  /** Exit code (null when killed by a signal). */
  code: number | null;
  /** The signal that ended it, if any. */
  exitSignal: string | null;
  /** Wall time, seconds. */
  seconds: number;
  /** Why it failed (one line), when not ok. */
  reason?: string;
}

/** Keeps the last `limit` bytes of a stream; `onLine` sees every complete line as it comes. */
async function tailOf(
  stream: ReadableStream<Uint8Array>,
  limit = 8192,
  onLine?: (line: string) => void,
): Promise<string> {
  let kept = new Uint8Array(0);
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    if (onLine !== undefined) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = (lines.pop() ?? "").slice(-4096);
      for (const line of lines) onLine(line);
    }
    const merged = new Uint8Array(Math.min(limit, kept.length + chunk.length));
    const all = kept.length + chunk.length;
    const skip = all - merged.length;
    if (skip < kept.length) {
      merged.set(kept.subarray(skip));
      merged.set(chunk, kept.length - skip);
    } else {
      merged.set(chunk.subarray(skip - kept.length));
    }
    kept = merged;
  }
  return new TextDecoder().decode(kept);
}

/**
 * The line of an engine's output that says why it failed: its own one-line error (`ets: …`,
 * `error: …`, `Error: …`), else the last line that mentions an error, else the last line.
 * Needs no permissions.
 */
export function lastErrorLine(text: string): string | undefined {
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const lines = plain.split(/\r?\n/).map((line) => line.replace(/^#\s*/, "").trim()).filter((
    line,
  ) => line !== "");
  const stated = lines.filter((line) => /^(ets:|error:|error\b|fatal\b)/i.test(line));
  if (stated.length > 0) return stated[0];
  const errors = lines.filter((line) => /error|cannot|unable|failed|fatal/i.test(line));
  return errors[errors.length - 1] ?? lines[lines.length - 1];
}

/**
 * Whether an engine log says the simulation completed. TEM-Simulator 1.3 (and `ets
 * tem-simulator`) end a successful micrograph run with "Simulation complete.". Needs no permissions.
 */
export function logSaysComplete(logText: string): boolean {
  return /^#?\s*Simulation complete\.?\s*$/m.test(logText);
}

/**
 * Sends `signal` to the child's process group (it is spawned as a group leader), falling back to
 * the child alone when group signals are not permitted (scoped --allow-run).
 * Needs --allow-run (any) for the group; the fallback needs nothing more.
 */
export function killEngine(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    Deno.kill(-child.pid, signal);
    return;
  } catch {
    // no permission for process groups, or the group is gone
  }
  try {
    child.kill(signal);
  } catch {
    // already exited
  }
}

/**
 * Spawns the engine on `inputPath` as a process group leader, in the input's folder and given
 * the input by its name there, so what it writes about its input (its log) does not depend on
 * where the folder is. Needs --allow-run on the engine.
 */
function spawnEngine(
  engine: EngineCommand,
  inputPath: string,
  env: Record<string, string> | undefined,
): Deno.ChildProcess {
  const slash = inputPath.lastIndexOf("/");
  const cwd = slash < 0 ? undefined : inputPath.slice(0, Math.max(1, slash));
  return new Deno.Command(engine.command, {
    args: [...engine.args, slash < 0 ? inputPath : inputPath.slice(slash + 1)],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
    env: childEnv(engine.embedded ? "ets" : "external", env),
  }).spawn();
}

/** How a running engine is being stopped: by `signal`, by its timeout, or not. */
interface EngineWatch {
  /** Whether it was stopped through the abort signal. */
  aborted: boolean;
  /** Whether it ran past its timeout. */
  timedOut: boolean;
  /** Milliseconds it may run (none if undefined). */
  timeoutMs?: number;
  /** Clears the timers and the abort listener; SIGKILLs the group when it was stopped. */
  release: () => void;
}

/**
 * Watches a running engine: on abort or timeout (whichever comes first) it gets SIGTERM, then
 * SIGKILL after the grace time. Call `release` once the engine has exited.
 */
function watchEngine(
  child: Deno.ChildProcess,
  timeoutMs: number | undefined,
  options: EngineRunOptions,
): EngineWatch {
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    killEngine(child, "SIGTERM");
    killTimer = setTimeout(() => killEngine(child, "SIGKILL"), options.killGraceMs ?? 500);
  };
  const onAbort = () => {
    watch.aborted = true;
    if (!watch.timedOut) stop();
  };
  const deadline = timeoutMs === undefined ? undefined : setTimeout(() => {
    watch.timedOut = true;
    if (!watch.aborted) stop();
  }, timeoutMs);
  const watch: EngineWatch = {
    aborted: false,
    timedOut: false,
    timeoutMs,
    release: () => {
      clearTimeout(killTimer);
      clearTimeout(deadline);
      options.signal?.removeEventListener("abort", onAbort);
      if (watch.aborted || watch.timedOut) killEngine(child, "SIGKILL"); // anything left in its group
    },
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  return watch;
}

/** What an engine left behind: the tails of its output and its exit status. */
interface EngineOutput {
  /** The last 8 KiB of stdout. */
  stdout: string;
  /** The last 8 KiB of stderr. */
  stderr: string;
  /** Its exit status. */
  status: Deno.CommandStatus;
}

/** Reads the engine's output (stdout lines to `onStdoutLine` as they come) until it exits. */
async function collectEngine(
  child: Deno.ChildProcess,
  onStdoutLine: ((line: string) => void) | undefined,
): Promise<EngineOutput> {
  const [stdout, stderr, status] = await Promise.all([
    tailOf(child.stdout, 8192, onStdoutLine),
    tailOf(child.stderr),
    child.status,
  ]);
  return { stdout, stderr, status };
}

/**
 * Why an exited engine failed before its log counts: stopped, timed out, killed by a signal or
 * a non-zero exit code; undefined when it exited 0. Needs no permissions.
 */
function exitFailure(watch: EngineWatch, output: EngineOutput): string | undefined {
  const { stdout, stderr, status } = output;
  if (watch.aborted) return "stopped";
  if (watch.timedOut) {
    return `the engine ran longer than its timeout of ${
      (watch.timeoutMs ?? 0) / 1000
    } s (config "engine_timeout") and was killed`;
  }
  if (status.signal !== null) return `the engine was killed by ${status.signal}`;
  if (status.code !== 0) {
    const why = lastErrorLine(stderr) ?? lastErrorLine(stdout) ?? "no output";
    return `the engine exited with code ${status.code}: ${why}`;
  }
  return undefined;
}

/**
 * Why an engine that exited 0 failed after all: no log at `logPath`, or a log that does not say
 * "Simulation complete."; undefined when it completed. Needs --allow-read on `logPath`.
 */
async function logFailure(logPath: string, output: EngineOutput): Promise<string | undefined> {
  const { stdout, stderr } = output;
  let log: string;
  try {
    log = await Deno.readTextFile(logPath);
  } catch {
    const why = lastErrorLine(stdout) ?? lastErrorLine(stderr);
    return `the engine exited 0 but wrote no log "${logPath}"${why ? `: ${why}` : ""}`;
  }
  if (!logSaysComplete(log)) {
    const why = lastErrorLine(stdout) ?? lastErrorLine(log) ?? "";
    return `the engine exited 0 but its log does not say "Simulation complete."${
      why ? `: ${why}` : ""
    }`;
  }
  return undefined;
}

/** Judges an exited engine by its exit and then by its log. Needs --allow-read on `logPath`. */
async function judgeEngine(
  watch: EngineWatch,
  output: EngineOutput,
  logPath: string,
  seconds: number,
): Promise<EngineResult> {
  const { status } = output;
  const result: EngineResult = {
    ok: false,
    aborted: watch.aborted,
    code: status.signal === null ? status.code : null,
    exitSignal: status.signal,
    seconds,
  };
  const reason = exitFailure(watch, output) ?? await logFailure(logPath, output);
  return reason === undefined ? { ...result, ok: true } : { ...result, reason };
}

/**
 * Runs the engine on `inputPath` (its folder is the working directory, and the engine gets the
 * file's name in it) and judges the result by the exit code and by `logPath`. Never throws for engine failures (see `EngineResult.reason`);
 * throws only when the program cannot be started. The engine's environment blanks `LD_*` /
 * `DYLD_*` variables (saved as `ETS_SAVED_*`) where Deno would otherwise refuse the spawn (see
 * lib/platform childEnv).
 * Needs --allow-run on the engine, --allow-read on `logPath`; reads the loader variables where
 * --allow-env permits.
 */
export async function runEngine(
  engine: EngineCommand,
  inputPath: string,
  logPath: string,
  options: EngineRunOptions = {},
): Promise<EngineResult> {
  const started = performance.now();
  const child = spawnEngine(engine, inputPath, options.env);
  options.onStart?.(child.pid);
  const watch = watchEngine(child, options.timeoutMs ?? engine.timeoutMs, options);
  let output: EngineOutput;
  try {
    output = await collectEngine(child, options.onStdoutLine);
  } catch (error) {
    // e.g. a progress callback that threw: the engine must not run on without its parent
    killEngine(child, "SIGKILL");
    await child.status;
    throw error;
  } finally {
    watch.release();
  }
  options.onExit?.(child.pid);
  const seconds = (performance.now() - started) / 1000;
  return await judgeEngine(watch, output, logPath, seconds);
}

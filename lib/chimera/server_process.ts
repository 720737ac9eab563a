/**
 * One Chimera server child process: spawned in its own process group (session), its stdout and
 * stderr drained continuously (the last lines kept for error messages), its port read from the
 * `REST server [started ]on host H port N` line with a timeout, and killed as a group.
 *
 * @module
 */
import { type EtsError, runtimeError } from "../errors/mod.ts";
import { childEnv } from "../platform/mod.ts";

/** The port line of Chimera 1, our embedded server, and ChimeraX. */
export const PORT_LINE = /REST server (?:started )?on host (\S+) port (\d+)/;

/** What to run. */
export interface ServerLaunch {
  /** Executable. */
  command: string;
  /** Arguments. */
  args: string[];
  /** Human-readable name for messages, e.g. `Chimera server 1`. */
  label: string;
  /** A real Chimera/ChimeraX (gets the loader variables back where allowed), not `ets` itself. */
  external?: boolean;
  /**
   * A line written to the process's stdin right after the spawn (the embedded server's token
   * with `--token-stdin`, so that it never shows in the process list).
   */
  stdinLine?: string;
  /** Extra environment variables for the process. */
  env?: Record<string, string>;
}

/** Keeps the last `max` lines of output. */
class OutputTail {
  readonly #lines: string[] = [];
  readonly #max: number;
  constructor(max = 40) {
    this.#max = max;
  }
  push(line: string): void {
    this.#lines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (this.#lines.length > this.#max) this.#lines.shift();
  }
  text(): string {
    return this.#lines.join("\n");
  }
}

/** Whether process groups are available (POSIX). */
const POSIX = Deno.build.os !== "windows";

/** A running server process. Needs `--allow-run` on its command. */
export class ServerProcess {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  readonly #tail = new OutputTail();
  #exitStatus: Deno.CommandStatus | undefined;
  /** The launch description. */
  readonly launch: ServerLaunch;
  /** The port the server listens on (known after {@linkcode ServerProcess.start}). */
  port = 0;
  /** Resolves with the exit status when the process ends. */
  readonly exited: Promise<Deno.CommandStatus>;
  readonly #died = new AbortController();
  #drained: Promise<unknown> = Promise.resolve();

  private constructor(launch: ServerLaunch, child: Deno.ChildProcess) {
    this.launch = launch;
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.exited = child.status.then((status) => {
      this.#exitStatus = status;
      this.#died.abort();
      return status;
    });
  }

  /** The process id (also the process group id). */
  get pid(): number {
    return this.#child.pid;
  }

  /** Aborted when the process ends. */
  get died(): AbortSignal {
    return this.#died.signal;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.#exitStatus === undefined;
  }

  /** The last lines the process wrote (stdout and stderr). */
  recentOutput(): string {
    return this.#tail.text();
  }

  /** How the process ended, for messages. */
  exitDescription(): string {
    const s = this.#exitStatus;
    if (s === undefined) return "is still running";
    return s.signal !== null ? `was killed by ${s.signal}` : `exited with code ${s.code}`;
  }

  /**
   * Spawns the process and waits for its port line (at most `timeoutMs`). Throws EtsError
   * (runtime) when it cannot be spawned, exits first, or stays silent; the process is killed
   * then. Needs `--allow-run` on the command.
   */
  static async start(
    launch: ServerLaunch,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ServerProcess> {
    const server = new ServerProcess(launch, spawnServer(launch));
    server.#sendStdinLine();
    const portFound = server.#readOutput();
    const result = await readiness(portFound, server.exited, options);
    if (typeof result === "number") {
      server.port = result;
      return server;
    }
    await server.kill();
    throw server.#startFailure(result, options.timeoutMs);
  }

  /** Writes the launch's stdin line (the embedded server's token), if any, without waiting. */
  #sendStdinLine(): void {
    if (this.launch.stdinLine !== undefined) {
      // the server reads it before it prints its port line; a failed write shows as an early exit
      this.#stdin?.write(new TextEncoder().encode(`${this.launch.stdinLine}\n`)).catch(() => {});
    }
  }

  /**
   * Drains stdout and stderr into the output tail from now on; resolves with the port of the
   * first announced port line (never, when there is none).
   */
  #readOutput(): Promise<number> {
    let resolvePort: (port: number) => void = () => {};
    const portFound = new Promise<number>((resolve) => resolvePort = resolve);
    const onLine = (line: string) => {
      this.#tail.push(line);
      const m = line.match(PORT_LINE);
      if (m !== null) resolvePort(Number(m[2]));
    };
    this.#drained = Promise.all([
      drain(this.#child.stdout, onLine),
      drain(this.#child.stderr, onLine),
    ]);
    return portFound;
  }

  /** The error of a start that ended without a port: interrupted, exited first, or silent. */
  #startFailure(result: Exclude<Readiness, number>, timeoutMs: number): EtsError {
    const output = this.recentOutput();
    const tail = output === "" ? "it printed nothing" : `its last output:\n${output}`;
    const what = `Cannot start ${this.launch.label} ("${this.launch.command}")`;
    if (result === "aborted") return runtimeError(`${what}: interrupted`);
    if (result === "exited") {
      return runtimeError(
        `${what}: it ${this.exitDescription()} before printing its port; ${tail}`,
      );
    }
    return runtimeError(
      `${what}: no "REST server on host … port N" line within ${timeoutMs / 1000} s; ${tail}`,
    );
  }

  /** Sends `signal` to the whole process group (falls back to the process). */
  signalGroup(signal: Deno.Signal): void {
    if (!this.alive) return;
    try {
      if (POSIX) Deno.kill(-this.pid, signal);
      else this.#child.kill(signal);
    } catch {
      try {
        this.#child.kill(signal);
      } catch {
        // already gone
      }
    }
  }

  /** Kills the process group with SIGKILL and waits (at most 5 s) for the exit. */
  async kill(): Promise<void> {
    this.#closeStdin();
    this.signalGroup("SIGKILL");
    await waitAtMost(this.exited, 5000);
    await waitAtMost(this.#drained, 2000);
  }

  /**
   * Stops gracefully: closes stdin, sends SIGTERM to the group, and SIGKILL after `graceMs`.
   */
  async stop(graceMs = 1000): Promise<void> {
    this.#closeStdin();
    if (!this.alive) {
      await waitAtMost(this.#drained, 2000);
      return;
    }
    this.signalGroup("SIGTERM");
    if (await waitAtMost(this.exited, graceMs)) {
      this.signalGroup("SIGKILL"); // leftovers of the group
      await waitAtMost(this.#drained, 2000);
      return;
    }
    await this.kill();
  }

  #closeStdin(): void {
    this.#stdin?.close().catch(() => {});
  }
}

/**
 * Spawns the launch's command in its own process group (POSIX), with piped stdio and the child
 * environment of its kind. Throws EtsError (runtime) when it cannot be run.
 */
function spawnServer(launch: ServerLaunch): Deno.ChildProcess {
  try {
    return new Deno.Command(launch.command, {
      args: launch.args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      detached: POSIX,
      env: childEnv(launch.external ? "external" : "ets", launch.env),
    }).spawn();
  } catch (error) {
    throw runtimeError(
      `Cannot start ${launch.label}: cannot run "${launch.command}": ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}

/** How the wait for a server's port ended: the port, or why there is none. */
type Readiness = number | "exited" | "timeout" | "aborted";

/**
 * Waits for the first of: the port found, the process exited, `timeoutMs` passed, or `signal`
 * aborted (already aborted counts).
 */
async function readiness(
  portFound: Promise<number>,
  exited: Promise<unknown>,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<Readiness> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
  });
  const aborted = new Promise<"aborted">((resolve) => {
    if (options.signal?.aborted) resolve("aborted");
    options.signal?.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  const result = await Promise.race([
    portFound,
    exited.then(() => "exited" as const),
    timeout,
    aborted,
  ]);
  clearTimeout(timer);
  return result;
}

/** Resolves true when `promise` settles within `ms`. */
async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = await Promise.race([
    promise.then(() => true, () => true),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms)),
  ]);
  clearTimeout(timer);
  return done;
}

/** Reads a stream to its end, calling `onLine` for every line. */
async function drain(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        onLine(pending.slice(0, newline).replace(/\r$/, ""));
        pending = pending.slice(newline + 1);
      }
      if (pending.length > 65536) {
        onLine(pending);
        pending = "";
      }
    }
  } catch {
    // the process died; nothing more to read
  }
  if (pending !== "") onLine(pending);
}

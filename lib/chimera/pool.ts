/**
 * The Chimera server pool: N servers (our embedded `ets chimera-server`, a real Chimera 1 with
 * `--start RESTServer`, or ChimeraX with `remotecontrol rest start`), shard i on server i mod N,
 * batches serialised per server and sent one command per request as ETSimulations does, with
 * `close session` after every batch. A server that does not answer within the timeout or dies is
 * killed (its process group), restarted, and the batch replayed from its first command.
 *
 * @module
 */
import { EtsError, inputError, runtimeError } from "../errors/mod.ts";
import { getLogger } from "../log/mod.ts";
import { type Invocation, onCleanup, selfInvocation } from "../platform/mod.ts";
import { ChimeraXTranslator } from "./chimerax_dialect.ts";
import { resolvePath } from "./file_access.ts";
import { appFolder } from "./interpreter_worker.ts";
import { type ServerLaunch, ServerProcess } from "./server_process.ts";

/** Options of {@linkcode ChimeraPool.start}. */
export interface ChimeraPoolOptions {
  /** Number of servers (ETSimulations' `num_chimera_windows`); at most `shards` are started. */
  servers: number;
  /** Number of shards (worker processes) that send batches. */
  shards: number;
  /** A Chimera 1 or ChimeraX executable (ChimeraX when its name contains "chimerax");
   * undefined → the embedded server. */
  execPath?: string;
  /** Folders the embedded servers may read and write. */
  allowDirs: string[];
  /** Per-request timeout in ms (default 600 000, as ETSimulations). */
  timeoutMs?: number;
  /** Deno permission flags for the embedded servers when running from source (default:
   * `--allow-net=127.0.0.1` and read/write on `allowDirs`). */
  permissionFlags?: string[];
  /** Aborting closes the pool; pending batches reject with an `interrupted` error. */
  signal?: AbortSignal;
  /** Timeout for a server's port line in ms (default 120 000). */
  startTimeoutMs?: number;
  /** How to run `ets` itself for embedded servers (default: {@linkcode selfInvocation});
   * `chimera-server …` is appended. */
  launcher?: Invocation;
  /** Restarts per batch before giving up (default 3). */
  maxRestarts?: number;
}

/** The kind of server a pool drives. */
export type ChimeraBackend = "embedded" | "chimera1" | "chimerax";

/** A failure of the server itself (timeout, death, broken connection): restart and replay. */
class ServerFailure extends Error {
  override name = "ServerFailure";
}

/** A command the server reported as failed: no replay. */
class CommandFailure extends Error {
  override name = "CommandFailure";
}

/** The pool was closed or interrupted while a request was pending. */
class PoolClosed extends Error {
  override name = "PoolClosed";
}

/** One server slot. */
interface Slot {
  index: number;
  process?: ServerProcess;
  translator: ChimeraXTranslator;
  activeShards: Set<number>;
  queue: Promise<unknown>;
  shutDown: boolean;
}

const log = getLogger(["chimera", "pool"]);

/** Resolves after `ms`, or early when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** The backend an executable path names. Needs no permissions. */
export function backendFor(execPath: string | undefined): ChimeraBackend {
  if (execPath === undefined) return "embedded";
  const base = execPath.slice(execPath.lastIndexOf("/") + 1).toLowerCase();
  return base.includes("chimerax") ? "chimerax" : "chimera1";
}

/**
 * The environment variable that tells an external server's launch (Chimera 1, ChimeraX, or a
 * wrapper script in front of them) the pool's token, which every request carries as
 * `Authorization: Bearer`. Embedded servers read it from stdin (`--token-stdin`).
 */
export const TOKEN_VARIABLE = "ETS_CHIMERA_TOKEN";

/** A random token (128 bits, hex). */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A pool of Chimera servers. Needs `--allow-run`, `--allow-net=127.0.0.1`, and `--allow-read`
 * for `Deno.execPath()` when it starts embedded servers.
 */
export class ChimeraPool {
  readonly #options: ChimeraPoolOptions;
  readonly #backend: ChimeraBackend;
  readonly #token: string;
  readonly #slots: Slot[];
  readonly #ended = new Set<number>();
  readonly #controller = new AbortController();
  #interruptedBy: { signal?: "SIGINT" | "SIGTERM" } | undefined;
  readonly #timeoutMs: number;
  #closed: Promise<void> | undefined;
  #unregister: () => void = () => {};

  private constructor(options: ChimeraPoolOptions) {
    this.#options = options;
    this.#backend = backendFor(options.execPath);
    this.#token = randomToken();
    this.#timeoutMs = options.timeoutMs ?? 600_000;
    const count = Math.min(options.servers, options.shards);
    this.#slots = Array.from({ length: count }, (_, index) => ({
      index,
      translator: new ChimeraXTranslator(),
      activeShards: new Set(
        Array.from({ length: options.shards }, (_, s) => s).filter((s) => s % count === index),
      ),
      queue: Promise.resolve(),
      shutDown: false,
    }));
  }

  /**
   * Starts the servers and waits for every port line. Throws EtsError: `input` for bad
   * options, `runtime` when a server cannot start (all servers are then stopped).
   * Needs `--allow-run` (and `--allow-read` for the embedded server's executable path),
   * `--allow-net=127.0.0.1`.
   */
  static async start(options: ChimeraPoolOptions): Promise<ChimeraPool> {
    for (const key of ["servers", "shards"] as const) {
      const value = options[key];
      if (!Number.isInteger(value) || value < 1) {
        throw inputError(
          `Cannot start the Chimera servers: "${key}" must be a positive integer, got ${value}`,
        );
      }
    }
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
      throw inputError(`Cannot start the Chimera servers: the timeout must be positive`);
    }
    const pool = new ChimeraPool(options);
    pool.#unregister = onCleanup(() => pool.#killNow());
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) pool.#interruptedBy = signal.reason ?? {};
      else signal.addEventListener("abort", () => void pool.#abort(signal.reason), { once: true });
    }
    if (pool.#interruptedBy !== undefined) {
      await pool.close();
      throw pool.#interrupted();
    }
    try {
      await Promise.all(pool.#slots.map((slot) => pool.#spawn(slot)));
    } catch (error) {
      await pool.close();
      throw pool.#interruptedBy !== undefined ? pool.#interrupted() : error;
    }
    log.info("started {count} {backend} Chimera server(s)", {
      count: pool.#slots.length,
      backend: pool.#backend,
    });
    return pool;
  }

  /** The backend this pool drives. */
  get backend(): ChimeraBackend {
    return this.#backend;
  }

  /** The command that starts one server. */
  #launch(slot: Slot): ServerLaunch {
    const label = `Chimera server ${slot.index + 1}`;
    const execPath = this.#options.execPath;
    if (this.#backend === "chimera1") {
      return {
        command: execPath!,
        args: ["--start", "RESTServer"],
        label,
        external: true,
        env: { [TOKEN_VARIABLE]: this.#token },
      };
    }
    if (this.#backend === "chimerax") {
      return {
        command: execPath!,
        args: ["--nogui", "--nostatus", "--cmd", "remotecontrol rest start port 0 json true"],
        label,
        external: true,
        env: { [TOKEN_VARIABLE]: this.#token },
      };
    }
    const cwd = Deno.cwd();
    const dirs = this.#options.allowDirs.map((d) => resolvePath(cwd, d));
    const serverArgs = [
      "chimera-server",
      "--port",
      "0",
      "--token-stdin",
      "--exit-with-stdin",
      ...dirs.flatMap((d) => ["--allow-dir", d]),
    ];
    // read on the folders and the app (the server runs commands in a worker loaded from it)
    const app = appFolder();
    const workerFile = app === undefined ? [] : [app];
    const flags = this.#options.permissionFlags ?? [
      "--allow-net=127.0.0.1",
      `--allow-read=${[...dirs, ...workerFile].join(",")}`,
      ...(dirs.length > 0 ? [`--allow-write=${dirs.join(",")}`] : []),
    ];
    const invocation = this.#options.launcher === undefined ? selfInvocation(serverArgs, flags) : {
      command: this.#options.launcher.command,
      args: [...this.#options.launcher.args, ...serverArgs],
    };
    return { command: invocation.command, args: invocation.args, label, stdinLine: this.#token };
  }

  async #spawn(slot: Slot): Promise<void> {
    slot.translator.reset();
    slot.process = await ServerProcess.start(this.#launch(slot), {
      timeoutMs: this.#options.startTimeoutMs ?? 120_000,
      signal: this.#controller.signal,
    });
    log.debug("{label} listens on port {port} (pid {pid})", {
      label: slot.process.launch.label,
      port: slot.process.port,
      pid: slot.process.pid,
    });
  }

  #interrupted(): EtsError {
    const signal = this.#interruptedBy?.signal;
    return new EtsError("Cannot assemble particles: interrupted", {
      kind: "interrupted",
      signal: signal === "SIGTERM" ? "SIGTERM" : "SIGINT",
    });
  }

  /** The error for work refused or cut short because the pool closed. */
  #closedError(what: string): EtsError {
    return this.#interruptedBy !== undefined
      ? this.#interrupted()
      : runtimeError(`Cannot ${what}: the Chimera pool is closed`);
  }

  #checkShard(shard: number, what: string): Slot {
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.#options.shards) {
      throw inputError(`Cannot ${what}: shard must be 0-${this.#options.shards - 1}, got ${shard}`);
    }
    if (this.#ended.has(shard)) throw runtimeError(`Cannot ${what}: shard ${shard} has ended`);
    if (this.#closed !== undefined) throw this.#closedError(what);
    return this.#slots[shard % this.#slots.length]!;
  }

  /** Runs `task` after the slot's earlier tasks (FIFO per server). */
  #enqueue<T>(slot: Slot, task: () => Promise<T>): Promise<T> {
    const run = slot.queue.then(task);
    slot.queue = run.catch(() => {});
    return run;
  }

  /**
   * Runs a batch of Chimera 1 commands for `shard` on server `shard mod N` (after that server's
   * earlier batches), then `close session`. Resolves with one reply body per command when the
   * batch is acknowledged. On a timeout or a dead server, the server is killed, restarted and the
   * whole batch replayed (at most `maxRestarts` times). Rejects with EtsError (runtime) when a
   * command fails (embedded server and ChimeraX report failures; Chimera 1 cannot) or the
   * server keeps failing, and (interrupted) when the pool is aborted.
   * Needs `--allow-net=127.0.0.1` and `--allow-run`.
   */
  runBatch(shard: number, commands: string[]): Promise<string[]> {
    let slot: Slot;
    try {
      slot = this.#checkShard(shard, "run a Chimera batch");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue(slot, () => this.#runBatch(slot, shard, [...commands]));
  }

  async #runBatch(slot: Slot, shard: number, commands: string[]): Promise<string[]> {
    const maxRestarts = this.#options.maxRestarts ?? 3;
    let lastFailure = "";
    for (let attempt = 0; attempt <= maxRestarts; attempt++) {
      if (this.#controller.signal.aborted || slot.shutDown) {
        throw this.#closedError("run a Chimera batch");
      }
      try {
        if (slot.process === undefined || !slot.process.alive) {
          if (slot.process !== undefined) await slot.process.kill();
          try {
            await this.#spawn(slot);
          } catch (error) {
            if (this.#controller.signal.aborted) throw new PoolClosed("closed");
            throw new ServerFailure(error instanceof Error ? error.message : String(error));
          }
        }
        const bodies: string[] = [];
        let index = 0;
        try {
          for (; index < commands.length; index++) {
            bodies.push(await this.#send(slot, commands[index]!));
          }
        } catch (error) {
          if (!(error instanceof CommandFailure)) throw error;
          await this.#send(slot, "close session").catch(() => {});
          throw runtimeError(
            `Cannot assemble a particle (shard ${shard}, ${slot.process!.launch.label}): command ${
              index + 1
            } "${commands[index]}" failed: ${error.message}`,
          );
        }
        await this.#send(slot, "close session");
        return bodies;
      } catch (error) {
        if (error instanceof PoolClosed || this.#controller.signal.aborted) {
          throw this.#closedError("run a Chimera batch");
        }
        if (!(error instanceof ServerFailure)) throw error;
        lastFailure = error.message;
        log.warn("{label}: {failure}; restarting it and replaying the batch ({attempt}/{max})", {
          label: `Chimera server ${slot.index + 1}`,
          failure: error.message,
          attempt: attempt + 1,
          max: maxRestarts,
        });
        if (slot.process !== undefined) await slot.process.kill();
      }
    }
    throw runtimeError(
      `Cannot assemble a particle (shard ${shard}): Chimera server ${slot.index + 1} failed ${
        maxRestarts + 1
      } times; last: ${lastFailure}`,
    );
  }

  /** Sends one command (translated for ChimeraX) and returns the reply text. */
  async #send(slot: Slot, command: string): Promise<string> {
    const external = this.#backend !== "embedded";
    const wire = this.#backend === "chimerax" ? slot.translator.translate(command) : [command];
    const replies: string[] = [];
    for (const text of wire) {
      if (external && /^\s*close\b/i.test(text)) {
        // ETSimulations waits 0.5 s before any close "to let the save complete".
        await sleep(500, this.#controller.signal);
      }
      replies.push(await this.#request(slot, text));
    }
    return replies.join("");
  }

  async #request(slot: Slot, command: string): Promise<string> {
    const proc = slot.process;
    if (proc === undefined || !proc.alive) throw new ServerFailure("the server is not running");
    const params = new URLSearchParams({ command });
    const headers: Record<string, string> = {};
    // in a header only (a URL ends up in error messages and logs); Chimera 1 and ChimeraX ignore
    // it, a wrapper in front of them may check it
    headers.authorization = `Bearer ${this.#token}`;
    const controller = new AbortController();
    let cause: ServerFailure | PoolClosed | undefined;
    const timer = setTimeout(() => {
      cause = new ServerFailure(`no answer within ${this.#timeoutMs / 1000} s to "${command}"`);
      controller.abort();
    }, this.#timeoutMs);
    const onAbort = () => {
      cause = new PoolClosed("closed");
      controller.abort();
    };
    const onDeath = () => {
      cause ??= new ServerFailure(`the server ${proc.exitDescription()}`);
      controller.abort();
    };
    this.#controller.signal.addEventListener("abort", onAbort, { once: true });
    proc.died.addEventListener("abort", onDeath, { once: true });
    try {
      const response = await fetch(`http://127.0.0.1:${proc.port}/run?${params}`, {
        headers,
        signal: controller.signal,
      });
      const body = await response.text();
      if (response.status === 401) {
        throw runtimeError(`Cannot run Chimera commands: ${proc.launch.label} refused the token`);
      }
      if (response.status !== 200) {
        throw new ServerFailure(`HTTP ${response.status} for "${command}": ${body.trim()}`);
      }
      if (this.#backend === "chimerax") return parseChimeraXReply(body);
      if (response.headers.get("x-chimera-status") === "error") {
        throw new CommandFailure(response.headers.get("x-chimera-error") ?? body.trim());
      }
      return body;
    } catch (error) {
      if (cause !== undefined) throw cause;
      if (error instanceof CommandFailure || error instanceof EtsError) throw error;
      throw new ServerFailure(
        `request "${command}" failed: ${connectionProblem(error, proc.port)}`,
      );
    } finally {
      clearTimeout(timer);
      this.#controller.signal.removeEventListener("abort", onAbort);
      proc.died.removeEventListener("abort", onDeath);
    }
  }

  /**
   * Ends `shard` ("END"): resolves once acknowledged, after the shard's earlier batches; when
   * every shard of its server has ended, that server is shut down. Needs `--allow-run`.
   */
  endShard(shard: number): Promise<void> {
    let slot: Slot;
    try {
      slot = this.#checkShard(shard, "end a Chimera shard");
    } catch (error) {
      return Promise.reject(error);
    }
    this.#ended.add(shard);
    return this.#enqueue(slot, async () => {
      slot.activeShards.delete(shard);
      if (slot.activeShards.size === 0 && !slot.shutDown) {
        slot.shutDown = true;
        await slot.process?.stop();
        log.debug("Chimera server {n} shut down: all its shards ended", { n: slot.index + 1 });
      }
    });
  }

  /** The process ids of the running servers (diagnostics). */
  serverPids(): number[] {
    return this.#slots.flatMap((s) => s.process?.alive ? [s.process.pid] : []);
  }

  async #abort(reason: unknown): Promise<void> {
    this.#interruptedBy = (reason ?? {}) as { signal?: "SIGINT" | "SIGTERM" };
    await this.close();
  }

  /** SIGKILL to every server's process group, synchronously (exit paths). */
  #killNow(): void {
    for (const slot of this.#slots) slot.process?.signalGroup("SIGKILL");
  }

  /**
   * Stops every server (SIGTERM to its process group, SIGKILL after 1 s); pending batches
   * reject. Idempotent. Needs `--allow-run`.
   */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#controller.abort(new PoolClosed("closed"));
    this.#closed = (async () => {
      for (const slot of this.#slots) slot.shutDown = true;
      await Promise.all(this.#slots.map((slot) => slot.process?.stop()));
      this.#unregister();
    })();
    return this.#closed;
  }
}

/**
 * What a failed `fetch` to the server says, with its cause (fetch itself says only "fetch
 * failed"): a refused or unreachable loopback connection names the interface.
 */
function connectionProblem(error: unknown, port: number): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause !== undefined
    ? (error.cause instanceof Error ? error.cause.message : String(error.cause))
    : "";
  // fetch's cause repeats the URL (the command); keep what went wrong
  const detail = (cause === "" ? message : `${message}: ${cause}`)
    .replace(/error sending request for url \([^)]*\):?\s*/g, "");
  if (/unreachable|refused|not available|ENETUNREACH|EADDRNOTAVAIL|ECONNREFUSED/i.test(detail)) {
    return `cannot connect to 127.0.0.1 port ${port} (${detail}); is the loopback interface ` +
      `("lo") up? The Chimera servers are reached over it`;
  }
  return detail;
}

/** The text of a ChimeraX JSON reply; throws CommandFailure when it reports an error. */
function parseChimeraXReply(body: string): string {
  let reply: {
    error?: { message?: string } | null;
    "log messages"?: Record<string, string[]>;
  };
  try {
    reply = JSON.parse(body);
  } catch {
    return body; // text mode
  }
  if (reply.error) throw new CommandFailure(reply.error.message ?? "error");
  const messages = reply["log messages"] ?? {};
  return [...(messages.note ?? []), ...(messages.info ?? []), ...(messages.warning ?? [])].join("");
}

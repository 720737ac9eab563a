/**
 * `ets chimera-server`: the embedded Chimera-compatible REST server. Binds 127.0.0.1 only, always
 * requires a token (a random one, told on stderr, when none is given), prints exactly
 * `REST server on host 127.0.0.1 port N` (flushed) as its first and only stdout output,
 * then serves until its signal is aborted (or, with `exitWithStdin`, until stdin closes, so a
 * server never outlives the pool that started it).
 *
 * @module
 */
import { inputError, runtimeError } from "../errors/mod.ts";
import { getLogger, setupLogging } from "../log/mod.ts";
import { ConfinedFileAccess } from "./file_access.ts";
import { ChimeraInterpreter, type CommandOutcome } from "./interpreter.ts";
import {
  canStartInterpreterWorker,
  type CommandRunner,
  WorkerInterpreter,
} from "./interpreter_worker.ts";
import { createRestHandler } from "./rest_server.ts";

/** How long a stop waits for requests in progress before it drops them. */
export const STOP_DEADLINE_MS = 250;

/** A random token (128 bits, hex). Needs no permissions. */
function randomToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Options of {@linkcode startChimeraServer}. */
export interface ChimeraServerOptions {
  /** Port to bind on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Token required on every request; when undefined, a random one is made (see
   * {@linkcode RunningChimeraServer.token}). */
  token?: string;
  /** Folders file reads and writes are confined to (default: the current folder). */
  allowDirs?: string[];
  /** Log file for commands and errors (nothing is logged otherwise). */
  logFile?: string;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
}

/** A running server. */
export interface RunningChimeraServer {
  /** The bound port. */
  port: number;
  /** The port line the server announces. */
  portLine: string;
  /** The token every request must carry (the given one, or the one made at start). */
  token: string;
  /** Whether {@linkcode token} was made here (no token was given). */
  tokenGenerated: boolean;
  /** Resolves when the server has stopped: at most {@linkcode STOP_DEADLINE_MS} after the stop
   * (a batch stops between commands; requests still open then are dropped). */
  finished: Promise<void>;
  /** Stops the server. */
  shutdown(): Promise<void>;
}

/**
 * Starts the server in this process (prints nothing). Throws EtsError when the folders do not
 * exist or the port cannot be bound. Needs `--allow-net=127.0.0.1`, `--allow-read` (and
 * `--allow-write` to save) on the allowed folders, `--allow-write` on the log file.
 */
export async function startChimeraServer(
  options: ChimeraServerOptions,
): Promise<RunningChimeraServer> {
  const cwd = Deno.cwd();
  let files: ConfinedFileAccess;
  try {
    files = await ConfinedFileAccess.create(options.allowDirs ?? [cwd], cwd);
  } catch (error) {
    const dir = (error as { folder?: string }).folder ?? "";
    throw inputError(
      `Cannot start the Chimera server: the allowed folder "${dir}" ${
        error instanceof Deno.errors.NotFound ? "does not exist" : "cannot be read"
      }`,
      { cause: error },
    );
  }
  let closeLog: (() => Promise<void>) | undefined;
  if (options.logFile !== undefined) {
    closeLog = await setupLogging({
      file: options.logFile,
      console: false,
      level: "debug",
      source: "chimera-server",
    });
  }
  const log = getLogger(["chimera-server"]);
  // The commands run in a worker where this process may start one (read access to the worker's
  // file): this thread answers requests and signals meanwhile, and a stop ends the worker
  // mid-command. Otherwise they run here, and a stop waits for the command in progress.
  const onCommand = (outcome: CommandOutcome) => {
    if (outcome.error === undefined) log.debug("{command}", { command: outcome.command });
    else log.warn("{command}: {error}", { command: outcome.command, error: outcome.error });
  };
  let interpreter: CommandRunner & { terminate?: () => void };
  try {
    interpreter = canStartInterpreterWorker()
      ? await WorkerInterpreter.start([...files.roots], cwd, onCommand)
      : new ChimeraInterpreter({ files, onCommand });
  } catch (error) {
    await closeLog?.();
    throw runtimeError(
      `Cannot start the Chimera server: its interpreter did not start: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  const controller = new AbortController();
  options.signal?.addEventListener("abort", () => controller.abort(), { once: true });
  controller.signal.addEventListener("abort", () => interpreter.terminate?.(), { once: true });
  const token = options.token ?? randomToken();
  // the handler needs the bound port (Host check), known once the server listens
  const rest: { handle?: (request: Request) => Promise<Response> } = {};
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: "127.0.0.1",
      port: options.port,
      signal: controller.signal,
      onListen: () => {},
      onError: (error) => {
        log.error("request failed: {error}", { error: String(error) });
        return new Response("Internal server error\n", { status: 500 });
      },
    }, (request) => rest.handle!(request));
  } catch (error) {
    interpreter.terminate?.();
    await closeLog?.();
    throw runtimeError(
      `Cannot start the Chimera server on 127.0.0.1 port ${options.port}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  const port = server.addr.port;
  rest.handle = createRestHandler({ interpreter, token, port, signal: controller.signal });
  log.info("serving on 127.0.0.1 port {port}, folders {roots}", {
    port,
    roots: files.roots.join(", "),
  });
  // Deno.serve's own shutdown waits for every open request; the server stops at the deadline
  // whatever is still open (the process exits after it).
  const stopped = new Promise<void>((resolve) => {
    controller.signal.addEventListener("abort", () => setTimeout(resolve, STOP_DEADLINE_MS), {
      once: true,
    });
  });
  const finished = Promise.race([server.finished, stopped]).then(async () => {
    log.info("stopped");
    await closeLog?.();
  });
  if (options.signal?.aborted) controller.abort();
  return {
    port,
    portLine: `REST server on host 127.0.0.1 port ${port}`,
    token,
    tokenGenerated: options.token === undefined,
    finished,
    shutdown: async () => {
      controller.abort();
      await finished;
    },
  };
}

/**
 * Runs the server as `ets chimera-server` does: starts it, writes the port line to stdout
 * (synchronously, so it is flushed), and serves until `signal` aborts or, with `exitWithStdin`,
 * stdin reaches end of file. Needs what {@linkcode startChimeraServer} needs.
 */
export async function runChimeraServer(
  options: ChimeraServerOptions & { exitWithStdin?: boolean },
): Promise<void> {
  const controller = new AbortController();
  options.signal?.addEventListener("abort", () => controller.abort(), {
    once: true,
  });
  const server = await startChimeraServer({
    ...options,
    signal: controller.signal,
  });
  const line = new TextEncoder().encode(`${server.portLine}\n`);
  let written = 0;
  while (written < line.length) {
    written += Deno.stdout.writeSync(line.subarray(written));
  }
  if (server.tokenGenerated) {
    const t = server.token;
    console.error(
      `ets chimera-server: no --token given; this server's token is ${t}\n` +
        `  pass it with every request, as "Authorization: Bearer ${t}" or "token=${t}", e.g.\n` +
        `  curl -H "Authorization: Bearer ${t}" "http://127.0.0.1:${server.port}/run?command=version"\n` +
        "  (give your own with --token-stdin, which keeps it out of the process list)",
    );
  }
  if (options.exitWithStdin) {
    void (async () => {
      const buffer = new Uint8Array(1024);
      try {
        while ((await Deno.stdin.read(buffer)) !== null) { /* discard */ }
      } catch {
        // a broken stdin also means the parent is gone
      }
      controller.abort();
    })();
  }
  await server.finished;
}

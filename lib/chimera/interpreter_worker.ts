/**
 * The Chimera interpreter in a Web Worker, so that the server's main thread stays free while a
 * command computes (the commands are synchronous number crunching): it answers requests, sees
 * SIGTERM at once and stops the worker mid-command. One discriminated union each way.
 *
 * @module
 */
import { ConfinedFileAccess } from "./file_access.ts";
import { ChimeraInterpreter, type CommandOutcome, type RunOutcome } from "./interpreter.ts";

/** Messages to the worker. */
export type ToInterpreter =
  | { type: "init"; allowDirs: string[]; cwd: string }
  | { type: "run"; id: number; command: string };

/** Messages from the worker. */
export type FromInterpreter =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "command"; outcome: CommandOutcome }
  | { type: "outcome"; id: number; outcome: RunOutcome };

/** What the worker side needs of its global scope. */
export interface InterpreterScope {
  postMessage(message: FromInterpreter): void;
  onmessage: ((event: MessageEvent<ToInterpreter>) => void) | null;
}

/**
 * The worker's side: builds the interpreter on `init`, runs one command per `run` message in
 * order, posts every command's outcome (for the server's log) and each run's outcome.
 * Needs the server's read/write grants on the allowed folders (workers inherit them).
 */
export function interpreterWorkerMain(scope: InterpreterScope): void {
  let interpreter: ChimeraInterpreter | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  scope.onmessage = (event) => {
    const message = event.data;
    queue = queue.then(async () => {
      if (message.type === "init") {
        try {
          const files = await ConfinedFileAccess.create(message.allowDirs, message.cwd);
          interpreter = new ChimeraInterpreter({
            files,
            onCommand: (outcome) => scope.postMessage({ type: "command", outcome }),
          });
          scope.postMessage({ type: "ready" });
        } catch (error) {
          scope.postMessage({
            type: "failed",
            message: error instanceof Error ? error.message : String(error),
          });
        }
        return;
      }
      const outcome = interpreter === undefined
        ? { commands: [], lines: ["the interpreter is not ready"], error: "not ready" }
        : await interpreter.run([message.command]);
      scope.postMessage({ type: "outcome", id: message.id, outcome });
    });
  };
}

/** The worker's entry file. */
export const INTERPRETER_WORKER_URL = new URL("../../workers/chimera_worker.ts", import.meta.url);

/**
 * The app's folder, which a worker's module graph is loaded from (read access needed when run
 * from source or the packed launcher); undefined for a compiled binary's embedded files.
 */
export function appFolder(): string | undefined {
  const url = new URL("../../", import.meta.url);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname).replace(/\/$/, "") : undefined;
}

/**
 * Whether this process may start the interpreter worker: Deno needs read access to the worker's
 * modules (a source run granted only its data folders may not). Needs no permissions.
 */
export function canStartInterpreterWorker(): boolean {
  const app = appFolder();
  // also a compiled binary: Deno reads its embedded files under read permission too
  if (app === undefined) return true;
  return Deno.permissions.querySync({ name: "read", path: app }).state === "granted";
}

/** Something that runs Chimera command strings (the interpreter, here or in a worker). */
export interface CommandRunner {
  run(values: readonly string[]): Promise<RunOutcome>;
}

/**
 * The server's side: a {@linkcode CommandRunner} whose commands run in the worker, one at a time.
 * `terminate()` stops the worker at once, mid-command; pending runs then fail. Needs the grants
 * the worker needs.
 */
export class WorkerInterpreter implements CommandRunner {
  readonly #worker: Worker;
  readonly #pending = new Map<number, (outcome: RunOutcome) => void>();
  #next = 0;
  #terminated = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /**
   * Starts the worker on `allowDirs` (resolved against `cwd`); `onCommand` sees every command's
   * outcome. Rejects with the worker's message when it cannot start.
   */
  static async start(
    allowDirs: string[],
    cwd: string,
    onCommand: (outcome: CommandOutcome) => void,
  ): Promise<WorkerInterpreter> {
    const worker = new Worker(INTERPRETER_WORKER_URL, {
      type: "module",
      name: "chimera-interpreter",
    });
    const runner = new WorkerInterpreter(worker);
    await new Promise<void>((resolve, reject) => {
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
        runner.#failAll(`the interpreter worker failed: ${event.message}`);
      };
      worker.onmessage = (event: MessageEvent<FromInterpreter>) => {
        const message = event.data;
        if (message.type === "ready") resolve();
        else if (message.type === "failed") reject(new Error(message.message));
        else if (message.type === "command") onCommand(message.outcome);
        else {
          runner.#pending.get(message.id)?.(message.outcome);
          runner.#pending.delete(message.id);
        }
      };
      worker.postMessage({ type: "init", allowDirs, cwd } satisfies ToInterpreter);
    }).catch((error) => {
      runner.terminate();
      throw error;
    });
    return runner;
  }

  #failAll(reason: string): void {
    for (const resolve of this.#pending.values()) {
      resolve({ commands: [], lines: [reason], error: reason });
    }
    this.#pending.clear();
  }

  /** Runs the command strings (each split on `;` by the interpreter), in the worker. */
  async run(values: readonly string[]): Promise<RunOutcome> {
    const result: RunOutcome = { commands: [], lines: [] };
    for (const command of values) {
      if (this.#terminated) return { ...result, error: "the server is stopping" };
      const id = this.#next++;
      const outcome = await new Promise<RunOutcome>((resolve) => {
        this.#pending.set(id, resolve);
        this.#worker.postMessage({ type: "run", id, command } satisfies ToInterpreter);
      });
      result.commands.push(...outcome.commands);
      result.lines.push(...outcome.lines);
      if (outcome.error !== undefined) return { ...result, error: outcome.error };
    }
    return result;
  }

  /** Stops the worker now (mid-command if need be); pending runs fail. */
  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#worker.terminate();
    this.#failAll("the server is stopping");
  }
}

/**
 * The body of a generate worker (workers/generate_worker.ts): stacks handed out by the main
 * thread, at most one engine at a time (a second stack may assemble its particles meanwhile, with
 * its own assembler instance), Chimera batches and log records sent to the main thread, the
 * engine killed on `abort`.
 *
 * @module
 */
import { type Assembler, type ChimeraClient, resolveAssembler } from "../assemblers/mod.ts";
import { getLogger, setupWorkerLogging } from "../log/mod.ts";
import type { Logger } from "@logtape/logtape";
import type {
  InitMessage,
  MainToWorker,
  RunStackMessage,
  WorkerToMain,
} from "./worker_protocol.ts";
import type { StackRecord } from "./metadata.ts";
import type { StackPlan } from "./plan.ts";
import { removeTree } from "./outputs.ts";
import { runStack, StackAborted, type StackContext } from "./stack_runner.ts";
import { reconstructFinishedStack } from "./stack_reconstruct.ts";
import { writeTruthAndPreview } from "./stack_truth.ts";

/** The worker global scope, as far as the worker uses it. */
export interface WorkerScope {
  postMessage(message: WorkerToMain): void;
  onmessage: ((event: MessageEvent<MainToWorker>) => void) | null;
}

/** The Chimera client of a worker: batches travel to the main thread's pool. */
class WorkerChimeraClient implements ChimeraClient {
  readonly #post: (message: WorkerToMain) => void;
  readonly #pending = new Map<
    number,
    { resolve: (replies: string[]) => void; reject: (error: Error) => void }
  >();
  #next = 1;

  constructor(post: (message: WorkerToMain) => void) {
    this.#post = post;
  }

  #request(message: (requestId: number) => WorkerToMain): Promise<string[]> {
    const requestId = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject });
      this.#post(message(requestId));
    });
  }

  runBatch(commands: string[]): Promise<string[]> {
    return this.#request((requestId) => ({ type: "chimera-batch", requestId, commands }));
  }

  #ended: Promise<string[]> | undefined;

  /** Tells the pool this worker is done (once, however many assemblers it has). */
  async end(): Promise<void> {
    this.#ended ??= this.#request((requestId) => ({ type: "chimera-end", requestId }));
    await this.#ended;
  }

  /** Settles a request with the main thread's reply. */
  reply(message: Extract<MainToWorker, { type: "chimera-reply" }>): void {
    const pending = this.#pending.get(message.requestId);
    if (pending === undefined) return;
    this.#pending.delete(message.requestId);
    if (message.ok) pending.resolve(message.replies);
    else pending.reject(new Error(`Chimera: ${message.error}`));
  }

  /** Fails every pending request (on abort). */
  failAll(reason: string): void {
    for (const pending of this.#pending.values()) pending.reject(new Error(reason));
    this.#pending.clear();
  }
}

/** One assembler of a worker and whether a stack is using it. */
interface AssemblerSlot {
  assembler: Assembler;
  busy: boolean;
}

/**
 * A one-at-a-time gate: each step starts once the previous one has settled (however it ended).
 * Needs no permissions.
 */
function oneAtATime(): <T>(step: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(step);
    queue = next.catch(() => {});
    return next;
  };
}

/**
 * Resolves the configured assembler (importing a user's module in this worker's isolate) and
 * returns how to make instance `index` of it, in its own temp dir below the worker's. Throws
 * when there is no such assembler. Needs read on the assembler's module.
 */
async function assemblerFactory(
  message: InitMessage,
  chimera: ChimeraClient,
): Promise<(index: number) => Assembler> {
  const definition = await resolveAssembler(message.config.assembler);
  if (definition === undefined) {
    throw new Error(`unknown assembler "${message.config.assembler}"`);
  }
  return (index) =>
    definition.create({
      tempDir: `${message.tempDir}/assembler_${index}`,
      model: message.config.model,
      apix: message.config.apix,
      chimera,
      logger: getLogger(["assembler", definition.name]),
      configDir: message.config.configFile.replace(/\/[^/]*$/, "") || "/",
    }, message.config.assemblerOptions);
}

/**
 * What follows a finished stack in a worker: its ground truth and preview, then its
 * reconstruction when the config asks for one. Needs read and write on the stack's folder.
 */
async function finishStack(
  init: InitMessage,
  record: StackRecord,
  stack: StackPlan,
  logger: Logger,
): Promise<void> {
  await writeTruthAndPreview(init.config, record, stack.stackDir, init.preview, logger);
  const settings = init.config.reconstruct;
  if (settings !== undefined) {
    logger.info(`Stack ${stack.id}: reconstructing (bin ${settings.bin})`);
    await reconstructFinishedStack(init.config, settings, record, stack.stackDir);
  }
}

/**
 * A generate worker's state (its set-up, assemblers, stacks in flight, engine gate and Chimera
 * client) and its answer to each kind of message from the main thread.
 */
class GenerateWorker {
  readonly #post: (message: WorkerToMain) => void;
  readonly #controller = new AbortController();
  readonly #chimera: WorkerChimeraClient;
  readonly #logger = getLogger(["generate"]);
  #init: InitMessage | undefined;
  #newAssembler: ((index: number) => Assembler) | undefined;
  // One assembler per stack in flight (each with its own temp dir).
  readonly #assemblers: AssemblerSlot[] = [];
  readonly #running = new Set<Promise<void>>();
  // One engine at a time: a stack waits here while the previous one is imaged.
  readonly #engineGate = oneAtATime();

  constructor(post: (message: WorkerToMain) => void) {
    this.#post = post;
    this.#chimera = new WorkerChimeraClient(post);
  }

  /** Handles one message from the main thread. */
  handle(message: MainToWorker): void {
    switch (message.type) {
      case "init":
        this.#start(message).catch((error) =>
          this.#post({
            type: "fatal",
            error: error instanceof Error ? error.message : String(error),
          })
        );
        break;
      case "run-stack":
        this.#run(message);
        break;
      case "chimera-reply":
        this.#chimera.reply(message);
        break;
      case "close":
        void this.#close();
        break;
      case "abort":
        void this.#abort();
        break;
    }
  }

  /** A free assembler, marked busy (a new one when all are busy). */
  #acquireAssembler(): AssemblerSlot {
    const free = this.#assemblers.find((entry) => !entry.busy);
    if (free !== undefined) {
      free.busy = true;
      return free;
    }
    if (this.#newAssembler === undefined) throw new Error("worker not initialised");
    const entry = { assembler: this.#newAssembler(this.#assemblers.length), busy: true };
    this.#assemblers.push(entry);
    return entry;
  }

  /** `init`: logging to the main thread, a fresh temp dir, the first assembler; then `ready`. */
  async #start(message: InitMessage): Promise<void> {
    this.#init = message;
    await setupWorkerLogging(message.source, (record) => this.#post({ type: "log", record }));
    await removeTree(message.tempDir);
    await Deno.mkdir(message.tempDir, { recursive: true });
    this.#newAssembler = await assemblerFactory(message, this.#chimera);
    this.#acquireAssembler().busy = false;
    this.#logger.info(`Worker temp dir: ${message.tempDir}`);
    this.#post({ type: "ready", slot: message.slot });
  }

  /** `run-stack`: runs the stack on a free assembler; answers `stack-done` or `stack-failed`. */
  #run(message: RunStackMessage): void {
    const stackId = message.stack.id;
    if (this.#init === undefined || this.#newAssembler === undefined) {
      this.#post({ type: "stack-failed", stackId, error: "worker not initialised" });
      return;
    }
    const slot = this.#acquireAssembler();
    const context = this.#stackContext(this.#init, slot.assembler, message.stack);
    const task: Promise<void> = runStack(context, message.stack, message.attempt).then(
      (record) => this.#post({ type: "stack-done", stackId, record }),
      (error) => this.#stackFailed(stackId, error),
    ).finally(() => {
      slot.busy = false;
      this.#running.delete(task);
    });
    this.#running.add(task);
  }

  /** What stack `stack` needs from this worker, its engine reports posted to the main thread. */
  #stackContext(init: InitMessage, assembler: Assembler, stack: StackPlan): StackContext {
    const stackId = stack.id;
    const post = this.#post;
    return {
      config: init.config,
      assembler,
      tempDir: init.tempDir,
      engine: init.engine,
      runSeed: init.runSeed,
      shard: init.shard,
      signal: this.#controller.signal,
      logger: this.#logger,
      engineGate: this.#engineGate,
      onEngineStart: (pid) => post({ type: "engine-started", stackId, pid }),
      onEngineExit: (pid) => post({ type: "engine-exited", stackId, pid }),
      onEngineProgress: (tiltsDone, tilts) =>
        post({ type: "engine-progress", stackId, tiltsDone, tilts }),
      afterStack: (record) => finishStack(init, record, stack, this.#logger),
    };
  }

  /** Logs and reports a stack's failure (a stop is not one). */
  #stackFailed(stackId: number, error: unknown): void {
    if (error instanceof StackAborted || this.#controller.signal.aborted) return;
    const reason = error instanceof Error ? error.message : String(error);
    this.#logger.error(`Stack ${stackId} failed: ${reason}`);
    this.#post({ type: "stack-failed", stackId, error: reason });
  }

  /** `close`: closes the assemblers, removes the temp dir; then `closed`. */
  async #close(): Promise<void> {
    for (const { assembler } of this.#assemblers) {
      try {
        await assembler.close();
      } catch (error) {
        this.#logger.warn(
          `Closing the assembler: ${error instanceof Error ? error.message : error}`,
        );
      }
    }
    if (this.#init !== undefined) await removeTree(this.#init.tempDir);
    this.#post({ type: "closed" });
  }

  /** `abort`: stops the engine and Chimera requests, waits for the stacks; then `aborted`. */
  async #abort(): Promise<void> {
    this.#controller.abort();
    this.#chimera.failAll("stopped");
    await Promise.allSettled([...this.#running]);
    if (this.#init !== undefined) await removeTree(this.#init.tempDir).catch(() => {});
    this.#post({ type: "aborted" });
  }
}

/**
 * Runs the worker protocol on `scope`. Needs what a stack needs: read on the inputs, write on the
 * root, run on the engine.
 */
export function generateWorkerMain(scope: WorkerScope): void {
  const worker = new GenerateWorker((message) => scope.postMessage(message));
  scope.onmessage = (event: MessageEvent<MainToWorker>) => worker.handle(event.data);
}

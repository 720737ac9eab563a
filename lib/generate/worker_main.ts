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
import type { InitMessage, MainToWorker, WorkerToMain } from "./worker_protocol.ts";
import { removeTree } from "./outputs.ts";
import { runStack, StackAborted } from "./stack_runner.ts";
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

/**
 * Runs the worker protocol on `scope`. Needs what a stack needs: read on the inputs, write on the
 * root, run on the engine.
 */
export function generateWorkerMain(scope: WorkerScope): void {
  const post = (message: WorkerToMain) => scope.postMessage(message);
  const controller = new AbortController();
  const chimera = new WorkerChimeraClient(post);
  const logger = getLogger(["generate"]);
  let init: InitMessage | undefined;
  let newAssembler: ((index: number) => Assembler) | undefined;
  // One assembler per stack in flight (each with its own temp dir).
  const assemblers: { assembler: Assembler; busy: boolean }[] = [];
  const running = new Set<Promise<void>>();
  // One engine at a time: a stack waits here while the previous one is imaged.
  let engineQueue: Promise<unknown> = Promise.resolve();
  const engineGate = <T>(step: () => Promise<T>): Promise<T> => {
    const next = engineQueue.then(step);
    engineQueue = next.catch(() => {});
    return next;
  };

  const acquireAssembler = (): { assembler: Assembler; busy: boolean } => {
    const free = assemblers.find((entry) => !entry.busy);
    if (free !== undefined) {
      free.busy = true;
      return free;
    }
    if (newAssembler === undefined) throw new Error("worker not initialised");
    const entry = { assembler: newAssembler(assemblers.length), busy: true };
    assemblers.push(entry);
    return entry;
  };

  const start = async (message: InitMessage) => {
    init = message;
    await setupWorkerLogging(message.source, (record) => post({ type: "log", record }));
    await removeTree(message.tempDir);
    await Deno.mkdir(message.tempDir, { recursive: true });
    // resolveAssembler imports a user's assembler module in this worker's isolate.
    const definition = await resolveAssembler(message.config.assembler);
    if (definition === undefined) {
      throw new Error(`unknown assembler "${message.config.assembler}"`);
    }
    newAssembler = (index) =>
      definition.create({
        tempDir: `${message.tempDir}/assembler_${index}`,
        model: message.config.model,
        apix: message.config.apix,
        chimera,
        logger: getLogger(["assembler", definition.name]),
        configDir: message.config.configFile.replace(/\/[^/]*$/, "") || "/",
      }, message.config.assemblerOptions);
    acquireAssembler().busy = false;
    logger.info(`Worker temp dir: ${message.tempDir}`);
    post({ type: "ready", slot: message.slot });
  };

  const run = (message: Extract<MainToWorker, { type: "run-stack" }>) => {
    const stackId = message.stack.id;
    if (init === undefined || newAssembler === undefined) {
      post({ type: "stack-failed", stackId, error: "worker not initialised" });
      return;
    }
    const context = init;
    const slot = acquireAssembler();
    const task: Promise<void> = runStack(
      {
        config: context.config,
        assembler: slot.assembler,
        tempDir: context.tempDir,
        engine: context.engine,
        runSeed: context.runSeed,
        shard: context.shard,
        signal: controller.signal,
        logger,
        engineGate,
        onEngineStart: (pid) => post({ type: "engine-started", stackId, pid }),
        onEngineExit: (pid) => post({ type: "engine-exited", stackId, pid }),
        onEngineProgress: (tiltsDone, tilts) =>
          post({ type: "engine-progress", stackId, tiltsDone, tilts }),
        afterStack: async (record) => {
          await writeTruthAndPreview(
            context.config,
            record,
            message.stack.stackDir,
            context.preview,
            logger,
          );
          const settings = context.config.reconstruct;
          if (settings !== undefined) {
            logger.info(`Stack ${stackId}: reconstructing (bin ${settings.bin})`);
            await reconstructFinishedStack(
              context.config,
              settings,
              record,
              message.stack.stackDir,
            );
          }
        },
      },
      message.stack,
      message.attempt,
    ).then(
      (record) => post({ type: "stack-done", stackId, record }),
      (error) => {
        if (error instanceof StackAborted || controller.signal.aborted) return;
        const reason = error instanceof Error ? error.message : String(error);
        logger.error(`Stack ${stackId} failed: ${reason}`);
        post({ type: "stack-failed", stackId, error: reason });
      },
    ).finally(() => {
      slot.busy = false;
      running.delete(task);
    });
    running.add(task);
  };

  const close = async () => {
    for (const { assembler } of assemblers) {
      try {
        await assembler.close();
      } catch (error) {
        logger.warn(`Closing the assembler: ${error instanceof Error ? error.message : error}`);
      }
    }
    if (init !== undefined) await removeTree(init.tempDir);
    post({ type: "closed" });
  };

  const abort = async () => {
    controller.abort();
    chimera.failAll("stopped");
    await Promise.allSettled([...running]);
    if (init !== undefined) await removeTree(init.tempDir).catch(() => {});
    post({ type: "aborted" });
  };

  scope.onmessage = (event: MessageEvent<MainToWorker>) => {
    const message = event.data;
    switch (message.type) {
      case "init":
        start(message).catch((error) =>
          post({ type: "fatal", error: error instanceof Error ? error.message : String(error) })
        );
        break;
      case "run-stack":
        run(message);
        break;
      case "chimera-reply":
        chimera.reply(message);
        break;
      case "close":
        void close();
        break;
      case "abort":
        void abort();
        break;
    }
  };
}

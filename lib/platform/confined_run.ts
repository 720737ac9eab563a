/**
 * Running `ets` under scoped grants without re-running it under flags: the command runs in a Web
 * Worker whose permissions are exactly the grants (`deno.permissions`, needs
 * `--unstable-worker-options`). The compiled binary (`deno task compile`) carries its flags baked
 * in, so this is how its `generate`, and the engine and Chimera children it starts, run scoped.
 * The main thread only builds the worker, passes signals on and reports the worker's outcome; it
 * touches nothing the command names.
 *
 * @module
 */
import { runtimeError } from "../errors/mod.ts";
import { onCleanup } from "./cleanup.ts";
import { type ConfinedReply, type ConfinedRequest, fromWireError } from "./confined_protocol.ts";
import { checkDenials, type Grants, workerPermissions } from "./grants.ts";
import { holdExitUntil, type ShutdownReason, shutdownSignal } from "./signals.ts";

/** The worker entry (embedded in the compiled binary with `--include workers`). */
const CONFINED_WORKER_URL = new URL("../../workers/confined_worker.ts", import.meta.url);

/** What {@linkcode runConfined} runs. */
export interface ConfinedRun {
  /** The grants of the worker (nothing else is granted: no sys, ffi or remote import). */
  grants: Grants;
  /** The `ets` arguments (subcommand first). */
  args: string[];
  /** `--deny-NAME[=…]` flags to keep (refused when they take away part of the grants). */
  deny?: readonly string[];
}

/**
 * Runs `ets ARGS` in a worker holding only `run.grants` and resolves with its exit code; a
 * failure in the worker is thrown here again as the same EtsError (kind, fields, printed line),
 * so the caller reports it and exits as the scoped re-run's process would. A shutdown signal of
 * this process is passed on and the forced exit waits for the worker's own graceful stop; the
 * worker is terminated on every exit path. Needs `--unstable-worker-options` and every grant
 * it hands on (a worker cannot hold more than its parent).
 */
export async function runConfined(run: ConfinedRun): Promise<number> {
  checkDenials(run.grants, run.deny ?? []);
  const command = run.args.find((arg) => !arg.startsWith("-")) ?? "ets";
  let worker: Worker;
  try {
    worker = new Worker(CONFINED_WORKER_URL, {
      type: "module",
      name: `ets ${command} (confined)`,
      deno: { permissions: workerPermissions(run.grants) },
    });
  } catch (error) {
    throw runtimeError(
      `Cannot run "ets ${command}" confined to its grants: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  const post = (message: ConfinedRequest) => worker.postMessage(message);
  const outcome = new Promise<number>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<ConfinedReply>) => {
      const reply = event.data;
      if (reply.type === "exit") resolve(reply.code);
      else reject(fromWireError(reply.error));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(runtimeError(`Cannot run "ets ${command}": its worker failed: ${event.message}`));
    };
    worker.onmessageerror = () => {
      reject(runtimeError(`Cannot run "ets ${command}": its worker sent an unreadable message`));
    };
  });
  const stop = () => worker.terminate();
  const unregister = onCleanup(stop);
  const forward = () => {
    const reason = (shutdownSignal().reason as ShutdownReason | undefined) ??
      { signal: "SIGTERM" };
    post({ type: "shutdown", reason });
  };
  shutdownSignal().addEventListener("abort", forward, { once: true });
  holdExitUntil(outcome.catch(() => {}));
  try {
    post({ type: "run", args: [...run.args] });
    if (shutdownSignal().aborted) forward();
    return await outcome;
  } finally {
    shutdownSignal().removeEventListener("abort", forward);
    stop();
    unregister();
  }
}

/**
 * SIGINT/SIGTERM/SIGHUP handling: one process-wide AbortSignal that long-running commands
 * watch, and a hard deadline after which registered cleanups run and the process exits 130/143.
 * SIGHUP (a closed terminal or ssh session) is handled like SIGTERM.
 *
 * @module
 */
import { runCleanups } from "./cleanup.ts";

const controller = new AbortController();
let installed = false;
const holds = new Set<Promise<unknown>>();

/** The reason carried by the shutdown signal. */
export interface ShutdownReason {
  /** The signal it counts as (SIGHUP counts as SIGTERM). */
  signal: "SIGINT" | "SIGTERM";
  /** The signal received, when it differs from {@linkcode signal} (SIGHUP). */
  received?: "SIGHUP";
}

/**
 * The process-wide shutdown signal; aborted with a {@linkcode ShutdownReason} on SIGINT, SIGTERM
 * or SIGHUP. Needs no permissions.
 */
export function shutdownSignal(): AbortSignal {
  return controller.signal;
}

/**
 * Makes the forced exit after a signal wait (at most `maxMs`) for `promise`, e.g. a child that
 * runs its own graceful stop. Needs no permissions.
 */
export function holdExitUntil(promise: Promise<unknown>, maxMs = 10_000): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const capped = Promise.race([
    promise,
    new Promise((resolve) => {
      timer = setTimeout(resolve, maxMs);
      Deno.unrefTimer(timer);
    }),
  ]).finally(() => {
    clearTimeout(timer);
    holds.delete(capped);
  });
  holds.add(capped);
}

/**
 * Aborts {@linkcode shutdownSignal} with `reason` as a received signal would, without the forced
 * exit: a confined worker's stop, told by the main thread that received the signal
 * (lib/platform/confined_run.ts). Does nothing when already aborted. Needs no permissions.
 */
export function requestShutdown(reason: ShutdownReason): void {
  if (!controller.signal.aborted) controller.abort(reason);
}

/** The exit code of a shutdown by `reason`. Needs no permissions. */
export function shutdownExitCode(reason: ShutdownReason): number {
  return reason.signal === "SIGINT" ? 130 : 143;
}

/**
 * Installs SIGINT/SIGTERM/SIGHUP listeners: the first signal aborts
 * {@linkcode shutdownSignal}; after `graceMs` (and the {@linkcode holdExitUntil} promises), or on
 * a second signal, the cleanups run and the process exits 130 (SIGINT) or 143 (SIGTERM, SIGHUP).
 * Needs no permissions (signal listeners are unrestricted).
 */
export function installSignalHandlers(graceMs = 1500): void {
  if (installed || Deno.build.os === "windows") return;
  installed = true;
  const handle = (received: "SIGINT" | "SIGTERM" | "SIGHUP") => {
    const reason: ShutdownReason = received === "SIGHUP"
      ? { signal: "SIGTERM", received }
      : { signal: received };
    const code = shutdownExitCode(reason);
    if (controller.signal.aborted) {
      void runCleanups(500).finally(() => Deno.exit(code));
      return;
    }
    controller.abort(reason);
    setTimeout(() => {
      void Promise.allSettled([...holds])
        .then(() => runCleanups(500))
        .finally(() => Deno.exit(code));
    }, graceMs);
  };
  Deno.addSignalListener("SIGINT", () => handle("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => handle("SIGTERM"));
  Deno.addSignalListener("SIGHUP", () => handle("SIGHUP"));
}

/**
 * SIGINT/SIGTERM handling: one process-wide AbortSignal that long-running commands watch,
 * and a hard deadline after which registered cleanups run and the process exits 130/143.
 *
 * @module
 */
import { runCleanups } from "./cleanup.ts";

const controller = new AbortController();
let installed = false;

/** The reason carried by the shutdown signal. */
export interface ShutdownReason {
  /** The signal received. */
  signal: "SIGINT" | "SIGTERM";
}

/**
 * The process-wide shutdown signal; aborted with a {@linkcode ShutdownReason} on SIGINT/SIGTERM.
 * Needs no permissions.
 */
export function shutdownSignal(): AbortSignal {
  return controller.signal;
}

/**
 * Installs SIGINT/SIGTERM listeners: the first signal aborts {@linkcode shutdownSignal}; after
 * `graceMs` (or on a second signal) the cleanups run and the process exits 130 or 143.
 * Needs no permissions (signal listeners are unrestricted).
 */
export function installSignalHandlers(graceMs = 1500): void {
  if (installed || Deno.build.os === "windows") return;
  installed = true;
  const handle = (signal: "SIGINT" | "SIGTERM") => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (controller.signal.aborted) {
      void runCleanups(500).finally(() => Deno.exit(code));
      return;
    }
    controller.abort({ signal } satisfies ShutdownReason);
    setTimeout(() => {
      void runCleanups(500).finally(() => Deno.exit(code));
    }, graceMs);
  };
  Deno.addSignalListener("SIGINT", () => handle("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => handle("SIGTERM"));
}

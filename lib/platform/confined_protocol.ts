/**
 * Messages between a process's main thread and the worker it runs a command in under scoped
 * grants (lib/platform/confined_run.ts, workers/confined_worker.ts): one discriminated union
 * each way, errors carried with their EtsError fields so the main thread reports them (one line,
 * exit code) exactly as the scoped re-run's process would.
 *
 * @module
 */
import { EtsError, type EtsErrorKind } from "../errors/mod.ts";
import type { ShutdownReason } from "./signals.ts";

/** An error as it crosses from the worker: its EtsError fields, its printed line, its stack. */
export interface WireError {
  /** The error's class name (`EtsError`, `TypeError`, …). */
  name: string;
  /** The message. */
  message: string;
  /** The line `ets` prints for it (EtsError `oneLine`, else the message). */
  oneLine: string;
  /** EtsError kind (absent for other errors, which exit 1). */
  kind?: EtsErrorKind;
  /** EtsError file. */
  file?: string;
  /** EtsError line. */
  line?: number;
  /** EtsError key. */
  key?: string;
  /** EtsError signal (kind interrupted). */
  signal?: "SIGINT" | "SIGTERM";
  /** The worker's stack trace (printed with `--debug`). */
  stack?: string;
}

/** Main thread → confined worker. */
export type ConfinedRequest =
  /** Run `ets ARGS` (the subcommand first) and reply with `exit` or `error`. */
  | { type: "run"; args: string[] }
  /** The process got SIGINT/SIGTERM/SIGHUP: stop as the command does on that signal. */
  | { type: "shutdown"; reason: ShutdownReason };

/** Confined worker → main thread: exactly one of these per run. */
export type ConfinedReply =
  /** The command ended with this exit code (0, or commander's usage code). */
  | { type: "exit"; code: number }
  /** The command failed with this error (the main thread throws it again). */
  | { type: "error"; error: WireError };

/** `error` for the wire. Needs no permissions. */
export function toWireError(error: unknown): WireError {
  if (error instanceof EtsError) {
    return {
      name: error.name,
      message: error.message,
      oneLine: error.oneLine,
      kind: error.kind,
      file: error.file,
      line: error.line,
      key: error.key,
      signal: error.signal,
      stack: error.stack,
    };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message, oneLine: error.message, stack: error.stack };
  }
  return { name: "Error", message: String(error), oneLine: String(error) };
}

/** An EtsError rebuilt from the wire: the same fields, kind (exit code) and printed line. */
class ConfinedEtsError extends EtsError {
  readonly #oneLine: string;

  constructor(wire: WireError & { kind: EtsErrorKind }) {
    super(wire.message, {
      kind: wire.kind,
      file: wire.file,
      line: wire.line,
      key: wire.key,
      signal: wire.signal,
    });
    this.#oneLine = wire.oneLine;
  }

  /** The line the worker's error printed as. */
  override get oneLine(): string {
    return this.#oneLine;
  }
}

/** The error `wire` describes, to throw in the main thread. Needs no permissions. */
export function fromWireError(wire: WireError): Error {
  const error = wire.kind === undefined
    ? new Error(wire.message)
    : new ConfinedEtsError({ ...wire, kind: wire.kind });
  if (wire.kind === undefined) error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

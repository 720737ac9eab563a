/**
 * The one tagged error type for domain failures.
 *
 * `kind` decides the exit code in `main.ts`: `input` and `unavailable` exit 2,
 * `runtime` exits 1, `interrupted` exits 130 (SIGINT) or 143 (SIGTERM).
 * Messages follow "Cannot X: reason" with values quoted.
 *
 * @module
 */

/** What went wrong, in terms of who must act. */
export type EtsErrorKind =
  /** Bad user input: config, flags, files (exit 2). */
  | "input"
  /** A feature that is not available (exit 2). */
  | "unavailable"
  /** A failure while running: a child died, a disk filled (exit 1). */
  | "runtime"
  /** Stopped by a signal (exit 130 or 143). */
  | "interrupted";

/** Structured fields that locate the problem. */
export interface EtsErrorOptions {
  /** The error kind; defaults to `runtime`. */
  kind?: EtsErrorKind;
  /** The file the problem is in. */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** The config key or parameter name. */
  key?: string;
  /** The signal that interrupted the run, for `interrupted`. */
  signal?: "SIGINT" | "SIGTERM";
  /** The underlying error. */
  cause?: unknown;
}

/** A domain failure with structured fields. Needs no permissions. */
export class EtsError extends Error {
  override name = "EtsError";
  /** What went wrong, in terms of who must act. */
  readonly kind: EtsErrorKind;
  /** The file the problem is in. */
  readonly file?: string;
  /** 1-based line in `file`. */
  readonly line?: number;
  /** The config key or parameter name. */
  readonly key?: string;
  /** The signal, for `interrupted`. */
  readonly signal?: "SIGINT" | "SIGTERM";

  constructor(message: string, options: EtsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind ?? "runtime";
    this.file = options.file;
    this.line = options.line;
    this.key = options.key;
    this.signal = options.signal;
  }

  /** The one-line message with its location prefix (`file:line: key: message`). */
  get oneLine(): string {
    const where = [
      this.file === undefined
        ? undefined
        : this.line === undefined
        ? this.file
        : `${this.file}:${this.line}`,
      this.key === undefined ? undefined : `key "${this.key}"`,
    ].filter((part) => part !== undefined).join(", ");
    return where === "" ? this.message : `${where}: ${this.message}`;
  }
}

/** Shorthand for an `input` error (exit 2). Needs no permissions. */
export function inputError(message: string, options: Omit<EtsErrorOptions, "kind"> = {}): EtsError {
  return new EtsError(message, { ...options, kind: "input" });
}

/** Shorthand for a `runtime` error (exit 1). Needs no permissions. */
export function runtimeError(
  message: string,
  options: Omit<EtsErrorOptions, "kind"> = {},
): EtsError {
  return new EtsError(message, { ...options, kind: "runtime" });
}

/** The process exit code for an error. Needs no permissions. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof EtsError) {
    switch (error.kind) {
      case "input":
      case "unavailable":
        return 2;
      case "interrupted":
        return error.signal === "SIGTERM" ? 143 : 130;
      case "runtime":
        return 1;
    }
  }
  return 1;
}

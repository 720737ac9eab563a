/**
 * The central logger (main thread) and the worker-side logger that posts records to it.
 *
 * @module
 */
import {
  configure,
  getLogger as logtapeGetLogger,
  type Logger,
  type LogLevel,
  type LogRecord,
  reset,
  type Sink,
} from "@logtape/logtape";
import { inputError } from "../errors/mod.ts";
import { openAppendNoFollowSync, SymlinkRefused } from "../platform/mod.ts";
import { formatLogLine, renderMessage } from "./format.ts";

/** A log record as it crosses a worker boundary (structured-clone safe). */
export interface SerializedLogRecord {
  /** Logger category, e.g. `["ets", "generate"]`. */
  category: string[];
  /** logtape level. */
  level: LogLevel;
  /** The rendered message. */
  message: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /** Where the record came from, e.g. `worker-1`. */
  source: string;
}

/** Options of {@linkcode setupLogging}. */
export interface LoggingOptions {
  /** Log file to append ETSimulations-format lines to. */
  file?: string;
  /** Also print lines on stderr (default true). */
  console?: boolean;
  /** Lowest level recorded (default `info`). */
  level?: LogLevel;
  /** Source name of records made in this thread (default `main`). */
  source?: string;
  /** Start of the run, for elapsed times (default now). */
  startTime?: number;
  /** Extra sinks (tests, progress displays). */
  sinks?: Sink[];
}

/** Closes the logging set up by {@linkcode setupLogging}, flushing the file. */
export type CloseLogging = () => Promise<void>;

/** Writes all of `bytes` to `file`. */
function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += file.writeSync(bytes.subarray(written));
  }
}

/**
 * The log file sink: appends each line as it comes (unbuffered), to a file opened without
 * following a symbolic link at its name. Throws EtsError (input) for a link there.
 * Needs `--allow-read` and `--allow-write` on `path`.
 */
function fileSink(
  path: string,
  formatter: (record: LogRecord) => string,
): { sink: Sink; close: () => void } {
  let file: Deno.FsFile;
  try {
    file = openAppendNoFollowSync(path);
  } catch (error) {
    if (error instanceof SymlinkRefused) {
      throw inputError(error.message, { file: path, cause: error });
    }
    throw error;
  }
  const encoder = new TextEncoder();
  let open = true;
  return {
    sink: (record) => {
      if (open) writeAll(file, encoder.encode(formatter(record)));
    },
    close: () => {
      if (!open) return;
      open = false;
      file.close();
    },
  };
}

/**
 * Configures the central logger: a file sink and/or a stderr sink, both in ETSimulations'
 * format. The log file is appended to line by line and never through a symbolic link planted
 * at its name (EtsError input). Returns a function that closes them.
 * Needs `--allow-read` and `--allow-write` on `options.file` when given.
 */
export async function setupLogging(
  options: LoggingOptions = {},
): Promise<CloseLogging> {
  const startTime = options.startTime ?? Date.now();
  const source = options.source ?? "main";
  const formatter = (record: LogRecord) => formatLogLine(record, startTime, source);
  const sinks: Record<string, Sink> = {};
  let closeFile = () => {};
  if (options.file !== undefined) {
    const file = fileSink(options.file, formatter);
    sinks.file = file.sink;
    closeFile = file.close;
  }
  if (options.console ?? true) {
    const encoder = new TextEncoder();
    sinks.console = (record) => {
      Deno.stderr.writeSync(encoder.encode(formatter(record)));
    };
  }
  (options.sinks ?? []).forEach((sink, i) => sinks[`extra${i}`] = sink);
  await configure({
    reset: true,
    sinks,
    loggers: [
      {
        category: ["ets"],
        lowestLevel: options.level ?? "info",
        sinks: Object.keys(sinks),
      },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  return async () => {
    await reset();
    closeFile();
  };
}

/**
 * A logger for a module, under the `ets` root category (`getLogger(["generate"])` logs as
 * module `generate`). Needs no permissions.
 */
export function getLogger(category: string[] | string): Logger {
  const parts = typeof category === "string" ? [category] : category;
  return logtapeGetLogger(["ets", ...parts]);
}

/**
 * Inside a Web Worker: sends every record to `post` (usually a postMessage of a protocol
 * message) instead of writing it, so the parent's central logger records it.
 * Needs no permissions.
 */
export async function setupWorkerLogging(
  source: string,
  post: (record: SerializedLogRecord) => void,
  level: LogLevel = "debug",
): Promise<CloseLogging> {
  const sink: Sink = (record) => {
    post({
      category: [...record.category],
      level: record.level,
      message: renderMessage(record.message),
      timestamp: record.timestamp,
      source: typeof record.properties.source === "string" ? record.properties.source : source,
    });
  };
  await configure({
    reset: true,
    sinks: { parent: sink },
    loggers: [
      { category: ["ets"], lowestLevel: level, sinks: ["parent"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  return async () => {
    await reset();
  };
}

/**
 * In the main thread: feeds a record received from a worker into the central logger,
 * keeping its timestamp and source. Needs no permissions beyond the configured sinks'.
 */
export function forwardRecord(record: SerializedLogRecord): void {
  const logger = logtapeGetLogger(record.category);
  logger.emit({
    level: record.level,
    timestamp: record.timestamp,
    message: [record.message],
    rawMessage: record.message,
    properties: { source: record.source },
  });
}

/**
 * ETSimulations' log line format: `0:00:01.234567 worker-1 module LEVEL message`.
 *
 * @module
 */
import type { LogLevel, LogRecord } from "@logtape/logtape";

/** Python-style level names, as in ETSimulations' logs. */
const LEVEL_NAMES: Record<LogLevel, string> = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO",
  warning: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

/**
 * Elapsed time as Python's `timedelta` prints it: `H:MM:SS.ffffff`. Needs no permissions.
 */
export function formatElapsed(milliseconds: number): string {
  const micros = Math.max(0, Math.round(milliseconds * 1000));
  const totalSeconds = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000).padStart(6, "0");
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = String(Math.floor((totalSeconds % 3600) / 60)).padStart(2, "0");
  const seconds = String(totalSeconds % 60).padStart(2, "0");
  return `${hours}:${minutes}:${seconds}.${fraction}`;
}

/** Renders a record's message parts (template values interleaved) to one string. */
export function renderMessage(message: readonly unknown[]): string {
  let text = "";
  for (let i = 0; i < message.length; i++) {
    const part = message[i];
    if (i % 2 === 0) text += String(part);
    else text += typeof part === "string" ? part : Deno.inspect(part, { colors: false });
  }
  return text;
}

/** The module name of a category: everything after the leading `ets`, dot-joined. */
export function moduleName(category: readonly string[]): string {
  const parts = category[0] === "ets" ? category.slice(1) : category;
  return parts.length === 0 ? "ets" : parts.join(".");
}

/**
 * Formats one record as an ETSimulations log line (with a trailing newline). The source is
 * `record.properties.source`, else `defaultSource`. Needs no permissions.
 */
export function formatLogLine(record: LogRecord, startTime: number, defaultSource: string): string {
  const source = typeof record.properties.source === "string"
    ? record.properties.source
    : defaultSource;
  return `${formatElapsed(record.timestamp - startTime)} ${source} ${moduleName(record.category)} ${
    LEVEL_NAMES[record.level]
  } ${renderMessage(record.message)}\n`;
}

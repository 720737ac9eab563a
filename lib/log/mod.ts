/**
 * Logging: one central logger in ETSimulations' elapsed-time format
 * (`0:00:01.234567 worker-1 module LEVEL message`), fed by workers through postMessage.
 *
 * @module
 */
export { forwardRecord, getLogger, setupLogging, setupWorkerLogging } from "./logging.ts";
export type { CloseLogging, LoggingOptions, SerializedLogRecord } from "./logging.ts";
export { formatElapsed, formatLogLine } from "./format.ts";

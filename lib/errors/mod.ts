/**
 * Errors: one tagged error type for domain failures, and its exit codes.
 *
 * @module
 */
export { EtsError, exitCodeFor, inputError, runtimeError } from "./ets_error.ts";
export type { EtsErrorKind, EtsErrorOptions } from "./ets_error.ts";

/**
 * Errors: one tagged error type for domain failures, and its exit codes.
 *
 * @module
 */
export { EtsError, exitCodeFor, inputError, runtimeError } from "./ets_error.ts";
export type { EtsErrorKind, EtsErrorOptions } from "./ets_error.ts";
export { LocatedInputError } from "./located_input_error.ts";
export { excerpt, EXCERPT_CHARS } from "./excerpt.ts";
export type { InputLocation, LocatedInputErrorOptions } from "./located_input_error.ts";

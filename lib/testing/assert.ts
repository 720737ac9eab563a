/**
 * Small assertions for tests (the @std/assert subset we use; JSR is unreachable here).
 * Built on node:assert's deep equality. Needs no permissions.
 *
 * @module
 */
import { AssertionError, deepStrictEqual, notDeepStrictEqual } from "node:assert";

/** Fails unless `condition` is truthy. */
export function assert(condition: unknown, message = "Assertion failed"): asserts condition {
  if (!condition) throw new AssertionError({ message });
}

/** Fails unless `actual` deep-equals `expected`. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  deepStrictEqual(actual, expected, message);
}

/** Fails if `actual` deep-equals `expected`. */
export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  notDeepStrictEqual(actual, expected, message);
}

/** Fails unless `|actual − expected| ≤ tolerance` (default 1e-7 relative-ish). */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-7,
  message?: string,
): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new AssertionError({
      message: message ?? `Expected ${actual} to be within ${tolerance} of ${expected}`,
    });
  }
}

/** Fails unless `actual` matches `pattern`. */
export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  if (!pattern.test(actual)) {
    throw new AssertionError({
      message: message ?? `Expected ${JSON.stringify(actual)} to match ${pattern}`,
    });
  }
}

/** Fails unless `actual` contains `expected`. */
export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  if (!actual.includes(expected)) {
    throw new AssertionError({
      message: message ??
        `Expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
    });
  }
}

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = new (...args: any[]) => E;

function checkError<E extends Error>(
  error: unknown,
  errorClass?: ErrorClass<E>,
  includes?: string,
): E {
  if (errorClass !== undefined && !(error instanceof errorClass)) {
    throw new AssertionError({
      message: `Expected error of class ${errorClass.name}, got ${String(error)}`,
    });
  }
  if (includes !== undefined && !(error instanceof Error && error.message.includes(includes))) {
    throw new AssertionError({
      message: `Expected error message to include ${JSON.stringify(includes)}, got ${
        String(error)
      }`,
    });
  }
  return error as E;
}

/** Fails unless `fn` throws (an instance of `errorClass`, whose message includes `includes`). */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  errorClass?: ErrorClass<E>,
  includes?: string,
): E {
  try {
    fn();
  } catch (error) {
    return checkError(error, errorClass, includes);
  }
  throw new AssertionError({ message: "Expected function to throw" });
}

/** Fails unless `fn` rejects (an instance of `errorClass`, whose message includes `includes`). */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  errorClass?: ErrorClass<E>,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    return checkError(error, errorClass, includes);
  }
  throw new AssertionError({ message: "Expected promise to reject" });
}

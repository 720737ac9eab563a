/**
 * Strict number literals for the input file and the text tables. Unlike TEM-Simulator's
 * `atol`/`strtod`, the whole token must be a number: `6.4e1` is not an integer and `abc` is no
 * number at all.
 *
 * @module
 */

const INTEGER = /^[+-]?\d+$/;
const REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The integer written as a decimal integer literal (`512`, `-3`, `+7`), or `undefined` for
 * anything else (`512.0`, `1e3`, `0x10`, `abc`) or a value beyond ±2⁵³. Needs no permissions.
 */
export function parseIntegerLiteral(text: string): number | undefined {
  if (!INTEGER.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * The real number written as a decimal literal with optional fraction and exponent (`300`, `1.3`,
 * `.5`, `2.`, `1e-3`), or `undefined` for anything else (`abc`, `1,5`, `inf`, `nan`, `0x1p3`) or a
 * value that overflows to infinity. Needs no permissions.
 */
export function parseRealLiteral(text: string): number | undefined {
  if (!REAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

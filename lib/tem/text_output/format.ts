/**
 * C `printf`-style number formatting and the §1.3 text-table layout.
 *
 * @module
 */

/** The first line of every text output (names this program, which mimics TEM-simulator 1.3). */
export const CREATED_BY_LINE =
  "# File created by ets tem-simulator (TEM-simulator 1.3 compatible).";

const TIE_DIGITS = 30;

/**
 * `value` as C's `%.{digits}f`: exact decimal rounding with ties to even, `-` kept for negative
 * values that round to zero and for −0, `inf`/`nan` for non-finite values. Needs no permissions.
 */
export function formatFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return "nan";
  const negative = value < 0 || Object.is(value, -0);
  const sign = negative ? "-" : "";
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return `${sign}inf`;
  if (magnitude >= 1e21) {
    // toFixed switches to exponent form here; print the integer part exactly.
    const integer = BigInt(magnitude).toString();
    return `${sign}${integer}${digits > 0 ? "." + "0".repeat(digits) : ""}`;
  }
  let text = magnitude.toFixed(digits);
  const long = magnitude.toFixed(Math.min(100, digits + TIE_DIGITS));
  if (long.endsWith("5" + "0".repeat(TIE_DIGITS - 1))) {
    // An exact tie: toFixed rounded up; C rounds to even.
    let lower = long.slice(0, long.length - TIE_DIGITS);
    if (lower.endsWith(".")) lower = lower.slice(0, -1);
    const last = Number(lower[lower.length - 1]);
    if (last % 2 === 0) text = lower;
  }
  return sign + text;
}

/**
 * The shortest decimal text that reads back as `value`: `%f` (6 decimals) when that is exact,
 * otherwise JavaScript's shortest round-trip form (e.g. `1e-7`). Needs no permissions.
 */
export function formatReal(value: number): string {
  const fixed = formatFixed(value, 6);
  return Number(fixed) === value ? fixed : String(value);
}

/**
 * A §1.3 text table exactly as TEM-Simulator writes it: the creator comment, `m  n`, the column
 * names (`%12.12s`), then rows of `  %12.4f`. Needs no permissions.
 */
export function formatTextTable(columnNames: readonly string[], rows: readonly number[][]): string {
  const header = "# " + columnNames.map((name) => name.slice(0, 12).padStart(12)).join("  ") + "  ";
  const lines = [CREATED_BY_LINE, `${rows.length}  ${columnNames.length}`, header];
  for (const row of rows) {
    if (row.length !== columnNames.length) {
      throw new RangeError(
        `Cannot format a text table: a row has ${row.length} values, expected ${columnNames.length}`,
      );
    }
    lines.push(row.map((value) => "  " + formatFixed(value, 4).padStart(12)).join(""));
  }
  return lines.join("\n") + "\n";
}

import { assertEquals, assertThrows } from "../../testing/mod.ts";
import { formatFixed, formatReal, formatTextTable } from "./format.ts";

Deno.test("formatFixed prints like C's %.Nf", () => {
  assertEquals(formatFixed(-0, 4), "-0.0000");
  assertEquals(formatFixed(-0.00001, 4), "-0.0000");
  assertEquals(formatFixed(0, 4), "0.0000");
  assertEquals(formatFixed(-45, 4), "-45.0000");
  assertEquals(formatFixed(0.283, 6), "0.283000");
  assertEquals(formatFixed(53000, 6), "53000.000000");
  // exact ties round to even, like glibc
  assertEquals(formatFixed(0.125, 2), "0.12");
  assertEquals(formatFixed(0.375, 2), "0.38");
  assertEquals(formatFixed(2.5, 0), "2");
  assertEquals(formatFixed(3.5, 0), "4");
  assertEquals(formatFixed(-0.5, 0), "-0");
  // not ties: 0.15 is slightly below 0.15 in binary
  assertEquals(formatFixed(0.15, 1), "0.1");
  assertEquals(formatFixed(1.005, 2), "1.00");
  assertEquals(formatFixed(1e21, 1), "1000000000000000000000.0");
  assertEquals(formatFixed(-Infinity, 2), "-inf");
  assertEquals(formatFixed(NaN, 2), "nan");
});

Deno.test("formatReal keeps %f when exact and the shortest form otherwise", () => {
  assertEquals(formatReal(300), "300.000000");
  assertEquals(formatReal(0.283), "0.283000");
  assertEquals(formatReal(-0.000250), "-0.000250");
  assertEquals(formatReal(1e-7), "1e-7");
  assertEquals(formatReal(0.1234567), "0.1234567");
  assertEquals(Number(formatReal(1 / 3)), 1 / 3);
});

Deno.test("formatTextTable lays out a §1.3 table", () => {
  assertEquals(
    formatTextTable(["a", "a_very_long_column_name"], [[1, -2.5], [1234567.891, 0]]),
    "# File created by ets tem-simulator (TEM-simulator 1.3 compatible).\n" +
      "2  2\n" +
      "#            a  a_very_long_  \n" +
      "        1.0000       -2.5000\n" +
      "  1234567.8910        0.0000\n",
  );
  assertEquals(formatTextTable(["dose"], []).split("\n").slice(1), [
    "0  1",
    "#         dose  ",
    "",
  ]);
  assertThrows(() => formatTextTable(["a", "b"], [[1]]), RangeError);
});

import { assertEquals } from "../../testing/mod.ts";
import { parseIntegerLiteral, parseRealLiteral } from "./numbers.ts";

Deno.test("parseIntegerLiteral accepts only decimal integer literals", () => {
  assertEquals(parseIntegerLiteral("512"), 512);
  assertEquals(parseIntegerLiteral("-3"), -3);
  assertEquals(parseIntegerLiteral("+7"), 7);
  assertEquals(parseIntegerLiteral("007"), 7);
  for (const bad of ["6.4e1", "512.0", "1e3", "0x10", "abc", "", " 5", "5 ", "9007199254740993"]) {
    assertEquals(parseIntegerLiteral(bad), undefined, bad);
  }
});

Deno.test("parseRealLiteral accepts decimal and exponent forms only", () => {
  assertEquals(parseRealLiteral("300"), 300);
  assertEquals(parseRealLiteral("1.3"), 1.3);
  assertEquals(parseRealLiteral(".5"), 0.5);
  assertEquals(parseRealLiteral("2."), 2);
  assertEquals(parseRealLiteral("-1e-3"), -0.001);
  assertEquals(parseRealLiteral("6.4E+1"), 64);
  for (
    const bad of ["abc", "1,5", "inf", "nan", "Infinity", "0x1p3", "1e", "e3", ".", "", "1e999"]
  ) {
    assertEquals(parseRealLiteral(bad), undefined, bad);
  }
});

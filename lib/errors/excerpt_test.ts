import { assert, assertEquals } from "../testing/mod.ts";
import { excerpt, EXCERPT_CHARS } from "./excerpt.ts";

Deno.test("excerpt: short text quoted as is", () => {
  assertEquals(excerpt("6.4e1"), '"6.4e1"');
});

Deno.test("excerpt: a long line is cut, never shown whole", () => {
  const secret = "root:$6$saltsalt$hashhashhashhashhashhash:19000:0:99999:7:::";
  const shown = excerpt(secret);
  assert(!shown.includes("hashhashhash"), shown);
  assertEquals(shown, `"${secret.slice(0, EXCERPT_CHARS)}…"`);
});

Deno.test("excerpt: control, quote and non-ASCII characters are escaped", () => {
  assertEquals(excerpt('a"b\u0007\u00e9\n'), '"a\\"b\\u0007\\u00e9\\n"');
  assertEquals(excerpt("\u001b[31mred"), '"\\u001b[31mred"');
});

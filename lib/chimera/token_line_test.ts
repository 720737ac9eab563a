import { assertEquals, assertRejects } from "../testing/mod.ts";
import { EtsError } from "../errors/mod.ts";
import { type ByteReader, readTokenLine } from "./token_line.ts";

/** A reader over `text` that counts the bytes it gave. */
function readerOf(text: string): ByteReader & { consumed: () => number } {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return {
    read(buffer: Uint8Array): Promise<number | null> {
      if (at >= bytes.length) return Promise.resolve(null);
      const n = Math.min(buffer.length, bytes.length - at);
      buffer.set(bytes.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
    consumed: () => at,
  };
}

Deno.test("readTokenLine: the first line, CR dropped, nothing after it consumed", async () => {
  const reader = readerOf("s3cret-token\nrest of stdin");
  assertEquals(await readTokenLine(reader), "s3cret-token");
  assertEquals(reader.consumed(), "s3cret-token\n".length);
  assertEquals(await readTokenLine(readerOf("abc\r\n")), "abc");
});

Deno.test("readTokenLine: end of input, empty and overlong lines are input errors", async () => {
  for (
    const [text, message] of [
      ["abc", "ended before the token line"],
      ["", "ended before the token line"],
      [" \n", "token line is empty"],
      [`${"x".repeat(5000)}\n`, "longer than 4096 bytes"],
    ] as const
  ) {
    const error = await assertRejects(() => readTokenLine(readerOf(text)), EtsError, message);
    assertEquals(error.kind, "input");
  }
});

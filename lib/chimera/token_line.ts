/**
 * The token of `ets chimera-server --token-stdin`: the first line of standard input, so that the
 * token never appears in the process list (`ps` shows arguments to every user).
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";

/** Something to read bytes from, like `Deno.stdin`. */
export interface ByteReader {
  read(buffer: Uint8Array): Promise<number | null>;
}

/** The longest token accepted, in bytes. */
const MAX_TOKEN_BYTES = 4096;

/**
 * Reads the first line of `reader` (up to `\n`, a trailing `\r` dropped) as the token; reads one
 * byte at a time so that nothing after the line is consumed. Throws EtsError (input) when the
 * input ends first, the line is empty or longer than 4096 bytes. Needs no permissions (reading
 * `Deno.stdin` needs none either).
 */
export async function readTokenLine(reader: ByteReader): Promise<string> {
  const bytes: number[] = [];
  const one = new Uint8Array(1);
  for (;;) {
    const n = await reader.read(one);
    if (n === null) {
      throw inputError(
        "Cannot start the Chimera server: standard input ended before the token line " +
          "(--token-stdin)",
      );
    }
    if (n === 0) continue;
    if (one[0] === 0x0a) break;
    if (bytes.length >= MAX_TOKEN_BYTES) {
      throw inputError(
        `Cannot start the Chimera server: the token line is longer than ${MAX_TOKEN_BYTES} bytes`,
      );
    }
    bytes.push(one[0]!);
  }
  if (bytes.at(-1) === 0x0d) bytes.pop();
  const token = new TextDecoder().decode(new Uint8Array(bytes));
  if (token.trim() === "") {
    throw inputError("Cannot start the Chimera server: the token line is empty (--token-stdin)");
  }
  return token;
}

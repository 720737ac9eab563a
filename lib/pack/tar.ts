/**
 * A small deterministic tar writer (POSIX ustar with pax headers for long names), so the packed
 * launcher's archive — and so its content hash — depends only on the files' paths, modes and
 * bytes, never on mtimes or owners. Readable by GNU tar, bsdtar and BusyBox tar.
 *
 * @module
 */

/** One archive member. */
export type TarEntry =
  | { type: "file"; path: string; data: Uint8Array<ArrayBuffer>; executable?: boolean }
  | { type: "dir"; path: string }
  | { type: "symlink"; path: string; target: string };

const encoder = new TextEncoder();
const BLOCK = 512;

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function writeString(block: Uint8Array, offset: number, width: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > width) throw new RangeError(`tar field too long: "${text}"`);
  block.set(bytes, offset);
}

function header(
  name: string,
  typeflag: string,
  size: number,
  mode: number,
  linkname = "",
): Uint8Array<ArrayBuffer> {
  const block = new Uint8Array(BLOCK);
  writeString(block, 0, 100, name);
  writeString(block, 100, 8, octal(mode, 8));
  writeString(block, 108, 8, octal(0, 8)); // uid
  writeString(block, 116, 8, octal(0, 8)); // gid
  writeString(block, 124, 12, octal(size, 12));
  writeString(block, 136, 12, octal(0, 12)); // mtime: fixed for reproducible archives
  block.fill(0x20, 148, 156); // checksum counted as spaces
  writeString(block, 156, 1, typeflag);
  writeString(block, 157, 100, linkname);
  writeString(block, 257, 6, "ustar\0");
  writeString(block, 263, 2, "00");
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

function padding(size: number): Uint8Array<ArrayBuffer> {
  const rest = size % BLOCK;
  return new Uint8Array(rest === 0 ? 0 : BLOCK - rest);
}

/** A pax record `"LEN key=value\n"` where LEN counts the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = encoder.encode(body).length;
  const digits = String(bodyLength).length;
  let length = bodyLength + digits;
  if (String(length).length > digits) length += 1;
  return `${length}${body}`;
}

function fits(text: string, width: number): boolean {
  return encoder.encode(text).length <= width;
}

/**
 * Encodes entries as an uncompressed tar stream, in the order given (sort them for
 * reproducibility). Paths are relative, `/`-separated; directories get mode 755, executables 755,
 * other files 644. Pure; needs no permissions.
 */
export function* tarChunks(entries: Iterable<TarEntry>): Generator<Uint8Array<ArrayBuffer>> {
  for (const entry of entries) {
    if (entry.path.startsWith("/") || entry.path.split("/").includes("..")) {
      throw new RangeError(
        `tar entry path must be relative and inside the archive: "${entry.path}"`,
      );
    }
    const name = entry.type === "dir" && !entry.path.endsWith("/") ? `${entry.path}/` : entry.path;
    const linkname = entry.type === "symlink" ? entry.target : "";
    const pax: string[] = [];
    if (!fits(name, 100)) pax.push(paxRecord("path", name));
    if (!fits(linkname, 100)) pax.push(paxRecord("linkpath", linkname));
    if (pax.length > 0) {
      const body = encoder.encode(pax.join(""));
      yield header("././@PaxHeader", "x", body.length, 0o644);
      yield body;
      yield padding(body.length);
    }
    const shortName = fits(name, 100) ? name : truncateUtf8(name, 100);
    const shortLink = fits(linkname, 100) ? linkname : truncateUtf8(linkname, 100);
    if (entry.type === "file") {
      yield header(shortName, "0", entry.data.length, entry.executable ? 0o755 : 0o644);
      yield entry.data;
      yield padding(entry.data.length);
    } else if (entry.type === "dir") {
      yield header(shortName, "5", 0, 0o755);
    } else {
      yield header(shortName, "2", 0, 0o777, shortLink);
    }
  }
  yield new Uint8Array(BLOCK * 2);
}

function truncateUtf8(text: string, width: number): string {
  let out = "";
  for (const char of text) {
    if (!fits(out + char, width)) break;
    out += char;
  }
  return out;
}

import { assert, assertEquals } from "../testing/mod.ts";
import { tarChunks, type TarEntry } from "./tar.ts";

function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  const parts = [...chunks];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const encoder = new TextEncoder();
const longDir = `app/${"deeply-nested-folder/".repeat(8)}`;
const entries: TarEntry[] = [
  { type: "dir", path: "app" },
  { type: "file", path: "app/hello.txt", data: encoder.encode("hello\n") },
  {
    type: "file",
    path: "app/run.sh",
    data: encoder.encode("#!/bin/sh\necho hi\n"),
    executable: true,
  },
  { type: "dir", path: longDir.slice(0, -1) },
  { type: "file", path: `${longDir}file-with-a-long-name-ü.txt`, data: encoder.encode("long") },
  { type: "symlink", path: "app/link", target: "hello.txt" },
  {
    type: "symlink",
    path: "app/longlink",
    target: `${longDir.slice(4)}file-with-a-long-name-ü.txt`,
  },
];

Deno.test("tar output is a multiple of 512 bytes and reproducible", () => {
  const a = concat(tarChunks(entries));
  const b = concat(tarChunks(entries));
  assertEquals(a.length % 512, 0);
  assertEquals(a, b);
});

Deno.test("tar refuses absolute and escaping paths", () => {
  for (const path of ["/etc/passwd", "app/../../x"]) {
    let threw = false;
    try {
      concat(tarChunks([{ type: "file", path, data: new Uint8Array() }]));
    } catch (error) {
      threw = error instanceof RangeError;
    }
    assert(threw, path);
  }
});

Deno.test({
  name: "the system tar extracts files, modes, long names and symlinks",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "ets-tar-" });
    try {
      await Deno.writeFile(`${dir}/a.tar`, concat(tarChunks(entries)));
      await Deno.mkdir(`${dir}/out`);
      const out = await new Deno.Command("tar", {
        args: ["-xf", `${dir}/a.tar`, "-C", `${dir}/out`],
        stderr: "piped",
      }).output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      assertEquals(await Deno.readTextFile(`${dir}/out/app/hello.txt`), "hello\n");
      assertEquals(((await Deno.stat(`${dir}/out/app/run.sh`)).mode ?? 0) & 0o777, 0o755);
      assertEquals(((await Deno.stat(`${dir}/out/app/hello.txt`)).mode ?? 0) & 0o111, 0);
      assertEquals(
        await Deno.readTextFile(`${dir}/out/${longDir}file-with-a-long-name-ü.txt`),
        "long",
      );
      assertEquals(await Deno.readLink(`${dir}/out/app/link`), "hello.txt");
      assertEquals(await Deno.readTextFile(`${dir}/out/app/longlink`), "long");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

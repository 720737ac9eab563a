import { assert, assertEquals, assertThrows } from "../testing/mod.ts";
import { openAppendNoFollowSync, refuseSymlink, SymlinkRefused } from "./no_follow.ts";
import { writeFileAtomic } from "./atomic_write.ts";

Deno.test("no-follow: a new file is created, an existing one appended, a link refused", async () => {
  const dir = await Deno.makeTempDir();
  const outside = await Deno.makeTempDir();
  try {
    const file = openAppendNoFollowSync(`${dir}/a.log`);
    file.writeSync(new TextEncoder().encode("one\n"));
    file.close();
    const again = openAppendNoFollowSync(`${dir}/a.log`);
    again.writeSync(new TextEncoder().encode("two\n"));
    again.close();
    assertEquals(await Deno.readTextFile(`${dir}/a.log`), "one\ntwo\n");
    await Deno.writeTextFile(`${outside}/victim`, "kept\n");
    await Deno.symlink(`${outside}/victim`, `${dir}/b.log`);
    assertThrows(() => openAppendNoFollowSync(`${dir}/b.log`), SymlinkRefused);
    // a dangling link is refused too (creating it would create the target)
    await Deno.symlink(`${outside}/new`, `${dir}/c.log`);
    assertThrows(() => openAppendNoFollowSync(`${dir}/c.log`), Error);
    assert(!(await Deno.stat(`${outside}/new`).then(() => true, () => false)));
    assertThrows(() => refuseSymlink(`${dir}/b.log`), SymlinkRefused);
    refuseSymlink(`${dir}/a.log`);
    refuseSymlink(`${dir}/missing`);
    // an atomic write replaces a link at the name instead of writing through it
    await writeFileAtomic(`${dir}/b.log`, "new\n");
    assertEquals(await Deno.readTextFile(`${outside}/victim`), "kept\n");
    assertEquals((await Deno.lstat(`${dir}/b.log`)).isSymlink, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

import { assertEquals, assertRejects } from "../testing/mod.ts";
import { EtsError } from "../errors/mod.ts";
import { MetadataStore, readMetadata, type StackRecord } from "./metadata.ts";

Deno.test("metadata: a sorted JSON list, rewritten atomically; unreadable files refused on resume", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/sim_metadata.json`;
    const store = new MetadataStore(path);
    const record = (id: number) =>
      ({ global_stack_no: id, status: "pending" }) as unknown as StackRecord;
    store.set(record(2));
    store.set(record(0));
    const writes = [store.write(), store.write()];
    store.set({ ...record(1), status: "done" });
    writes.push(store.write());
    await Promise.all(writes);
    const back = await readMetadata(path);
    assertEquals(back.map((r) => r.global_stack_no), [0, 1, 2]);
    assertEquals(back[1]?.status, "done");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["sim_metadata.json"]);
    assertEquals(await readMetadata(`${dir}/none.json`), []);
    await Deno.writeTextFile(path, "{broken");
    await assertRejects(() => readMetadata(path), EtsError, "not valid JSON");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

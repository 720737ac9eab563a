import { assertEquals, assertRejects } from "../testing/mod.ts";
import { EtsError } from "../errors/mod.ts";
import { readAtomicModel } from "./mod.ts";

const FIXTURES = new URL("../../tests/fixtures/pdb/", import.meta.url).pathname;

Deno.test("readAtomicModel reads gzip-compressed files like plain ones", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = await Deno.readFile(`${FIXTURES}3al1.pdb`);
    const gz = await new Response(
      new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    await Deno.writeFile(`${dir}/3al1.pdb.gz`, new Uint8Array(gz));
    const plain = await readAtomicModel(`${FIXTURES}3al1.pdb`);
    const compressed = await readAtomicModel(`${dir}/3al1.pdb.gz`);
    assertEquals(compressed, plain);
    assertEquals(plain.name, "3AL1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readAtomicModel: missing files and folders are input errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = await assertRejects(() => readAtomicModel(`${dir}/no.pdb`), EtsError);
    assertEquals([missing.kind, missing.message], [
      "input",
      `Cannot read "${dir}/no.pdb": no such file`,
    ]);
    await assertRejects(() => readAtomicModel(dir), EtsError, "is a directory");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

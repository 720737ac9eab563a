import { EtsError } from "../errors/mod.ts";
import { assertEquals, assertRejects } from "../testing/mod.ts";
import { requireEngineInputFits } from "./engine_input.ts";
import { MAX_TILTS } from "./estimate.ts";

Deno.test("engine input: the tilts of a geom_file_in series are its table's rows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const geom = `${dir}/geom.txt`;
    const input = {
      detectors: [],
      geometry: { gen_tilt_data: false, geom_file_in: geom },
      particles: [],
      fileName: "in.txt",
      sourceFile: `${dir}/in.txt`,
    };
    // comments before the header are skipped, as the engine skips them
    await Deno.writeTextFile(geom, `# angles\n2 3\n0 -30 0\n0 30 0\n`);
    assertEquals(await requireEngineInputFits(input, 1), undefined);
    const rows = MAX_TILTS + 1;
    await Deno.writeTextFile(geom, `${rows} 3\n${"0 0 0\n".repeat(rows)}`);
    const error = await assertRejects(() => requireEngineInputFits(input, 1), EtsError);
    assertEquals(
      error.oneLine,
      `Cannot run "in.txt": ${rows} tilts; at most ${MAX_TILTS} per series are supported`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

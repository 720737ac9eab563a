/**
 * generate's `reconstruct` option with the fake engine (TEST DOUBLE, tests/generate_fake_engine.ts)
 * and an in-process Chimera pool (TEST DOUBLE): every stack gets its tomograms, label maps and
 * class table beside it, the assembler's maps are kept for them, and the record says where they
 * are; the RELION 5 set carries the simulation's amplitude contrast, the series the tilt axis.
 */
import { loadConfig } from "../lib/config/mod.ts";
import { runGenerate } from "../lib/generate/mod.ts";
import { readMrcHeader } from "../lib/mrc/mod.ts";
import { assert, assertEquals, assertRejects } from "../lib/testing/mod.ts";
import { InProcessChimeraPool, writeFakeEngine, writeProject } from "./generate_test_helpers.ts";

async function project(reconstruct: string): Promise<{ dir: string; configPath: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ets-generate-rec-" });
  const engine = await writeFakeEngine(dir);
  const configPath = await writeProject(dir, {
    keys: { tem_simulator_executable: `"${engine}"`, num_stacks: "1", reconstruct },
    tilts: 5,
  });
  return { dir, configPath };
}

Deno.test("generate reconstruct option: tomograms, labels and class table beside every stack", async () => {
  const { dir, configPath } = await project("{bin: 2, thickness: 40, label_level: 0.25}");
  try {
    const config = await loadConfig(configPath);
    assertEquals(config.reconstruct?.bin, 2);
    const result = await runGenerate({
      config,
      progress: "none",
      print: () => {},
      signal: new AbortController().signal,
      startChimeraPool: (options) => InProcessChimeraPool.start(options),
    });
    assertEquals(result.done, [0]);
    const metadata = JSON.parse(await Deno.readTextFile(`${config.root}/sim_metadata.json`));
    const record = metadata[0];
    const stackDir = `${config.root}/raw_data/Test_0`;
    assertEquals(record.reconstruction.tomogram, `${stackDir}/Test_0_rec.mrc`);
    assertEquals(record.reconstruction.nonoise_tomogram, `${stackDir}/Test_0_nonoise_rec.mrc`);
    assertEquals(record.reconstruction.labels, `${stackDir}/Test_0_labels.mrc`);
    for (const file of ["Test_0_rec.mrc", "Test_0_nonoise_rec.mrc", "Test_0_instances.mrc"]) {
      const h = await readMrcHeader(`${stackDir}/${file}`);
      assertEquals([h.nx, h.ny, h.nz, h.voxelSize.x], [48, 48, 40, 10]);
    }
    // the assembler's map was kept where the record names it, and the labels used it
    assertEquals(record.particle_sets[0].source, "sim/maps/BasicParticle.mrc");
    assertEquals(record.particle_sets[0].temporary, undefined);
    await Deno.stat(`${stackDir}/sim/maps/BasicParticle.mrc`);
    const classes = await Deno.readTextFile(`${stackDir}/Test_0_label_classes.csv`);
    const row = classes.split("\n").find((l) => l.startsWith("1,BasicParticle,3,"));
    assert(row !== undefined && Number(row.split(",")[3]) > 0, classes);
    // RELION 5 set: famp = 0 of the generated map sections; the tilt axis in the series' label
    const star = await Deno.readTextFile(`${stackDir}/Test_0_tomograms.star`);
    const global = star.split("data_global")[1]!.split("\n").filter((l) => l && !l.startsWith("_"));
    const labels = star.match(/^_rln\w+/gm)!;
    const values = global.find((l) => l.startsWith("Test_0"))!.split("\t");
    assertEquals(Number(values[labels.indexOf("_rlnAmplitudeContrast")]), 0);
    const header = await readMrcHeader(record.output);
    assert(header.labels.includes("Tilt axis rotation angle = -90.00"), header.labels.join("|"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate reconstruct option: a bad value is a config error naming the key", async () => {
  const { dir, configPath } = await project("{bin: 0}");
  try {
    await assertRejects(() => loadConfig(configPath), Error, "reconstruct");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * End-to-end `ets generate` on the embedded defaults (embedded engine `ets tem-simulator`,
 * embedded Chimera servers through the pool): an ETSimulations-shaped config, 4 stacks, 2 workers,
 * the basic assembler with use_common_model false (so the pool is used), fiducials, two defocus
 * values. Checks the MRCs with mrcfile.validate, the metadata's ETS fields, the log, and that the
 * same seed gives byte-identical outputs with 1 and 2 workers.
 */
import {
  assert,
  assertEquals,
  assertStringIncludes,
  pythonModules,
  requirements,
} from "../lib/testing/mod.ts";
import { listFiles, mrcfileValidate, REPO, writeProject } from "./generate_test_helpers.ts";

async function generate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO}/main.ts`, "generate", "--progress", "plain", ...args],
    cwd: REPO,
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

const ETS_FIELDS = [
  "output",
  "nonoise_output",
  "global_stack_no",
  "apix",
  "defocus",
  "sim_configs",
  "particle_coords",
  "orientations",
  "positions",
  "custom_data",
];

const mrcfile = await requirements(pythonModules("mrcfile"));

Deno.test("generate e2e: embedded engine and Chimera, 4 stacks on 2 workers, same bytes on 1", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "ets-generate-e2e-" });
  try {
    // An ETSimulations-shaped config (num_cores, num_chimera_windows, bead_map, custom_configs),
    // without tem_simulator_executable / chimera_exec_path: the embedded defaults.
    const configPath = await writeProject(dir, { detector: 64, tilts: 3 });
    const two = await generate(["-i", configPath]);
    assertEquals(two.code, 0, two.stderr);
    assertStringIncludes(two.stdout, "4/4 stack(s) complete");
    const root = `${dir}/root`;
    const metadata = JSON.parse(await Deno.readTextFile(`${root}/sim_metadata.json`));
    assertEquals(metadata.length, 4);
    for (const [i, record] of metadata.entries()) {
      for (const key of [...ETS_FIELDS, "seed", "tilt_angles", "status"]) {
        assert(key in record, `record ${i} has "${key}"`);
      }
      assertEquals(record.global_stack_no, i);
      assertEquals(record.status, "done");
      assertEquals(record.defocus, [1.5, 3][i % 2]);
      assertEquals(record.apix, 0.5);
      assertEquals(record.positions.length, 3);
      assertEquals(record.particle_sets[0].source, "sim/maps/BasicParticle.mrc");
      assertEquals(record.particle_sets[0].temporary, true);
    }
    const mrcs = metadata.flatMap((r: { output: string; nonoise_output: string }) => [
      r.output,
      r.nonoise_output,
    ]);
    await mrcfile.step(t, "the tilt series pass mrcfile.validate", async () => {
      const [valid, report] = await mrcfileValidate(mrcs);
      assert(valid, report);
    });
    const log = await Deno.readTextFile(`${root}/Test.log`);
    assertStringIncludes(log, " worker-1 ");
    assertStringIncludes(log, " worker-2 ");
    assertStringIncludes(log, "chimera");
    assert(/ worker-\d generate INFO Stack \d done in [\d.]+ s \(engine [\d.]+ s\)/.test(log));

    const one = await generate(["-i", configPath, "--workers", "1", "--root", `${dir}/one`]);
    assertEquals(one.code, 0, one.stderr);
    // every file of raw_data (tilt series, kept engine input, log and text outputs, ground
    // truth, previews) is the same, whichever worker ran the stack
    const files = await listFiles(`${root}/raw_data`);
    assertEquals(files.filter((f) => f.endsWith(".mrc")).length, 8);
    assert(files.includes("Test_0/sim/sim.txt") && files.includes("Test_0/sim/sim.log"));
    assertEquals(files, await listFiles(`${dir}/one/raw_data`));
    for (const file of files) {
      assertEquals(
        await Deno.readFile(`${dir}/one/raw_data/${file}`),
        await Deno.readFile(`${root}/raw_data/${file}`),
        file,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * `ets generate` with the crowded assembler (fake engine, TEST DOUBLE): the same seed gives the
 * same sample on 1 and 2 workers, the particle tables say which centres are in view, and the
 * plan counts them; a crowded config that cannot fit and a user module that does not implement
 * the interface are refused with one line, exit 2, before anything runs.
 */
import { loadConfig } from "../lib/config/mod.ts";
import { runGenerate } from "../lib/generate/mod.ts";
import { assert, assertEquals, assertStringIncludes } from "../lib/testing/mod.ts";
import { REPO, tinySimTxt, writeFakeEngine } from "./generate_test_helpers.ts";

async function crowdedProject(
  classes: string,
  extra = "",
): Promise<{ dir: string; config: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ets-crowded-" });
  // 96 px of 0.5 nm: a 48 nm field of view in 50–60 nm of ice
  await Deno.writeTextFile(`${dir}/sim.txt`, tinySimTxt({ detector: 96, tilts: 3 }));
  const engine = await writeFakeEngine(dir, {});
  await Deno.writeTextFile(
    `${dir}/config.yaml`,
    [
      `tem_simulator_executable: "${engine}"`,
      'config: "sim.txt"',
      "num_stacks: 2",
      'name: "C"',
      "apix: 0.5",
      "defocus_values: [2]",
      `bead_map: "${REPO}/templates/bead.mrc"`,
      "bead_occupancy: 0.0005",
      "assembler: crowded",
      "seed: 9",
      "custom_configs:",
      "  classes:",
      classes,
      extra,
    ].join("\n") + "\n",
  );
  return { dir, config: `${dir}/config.yaml` };
}

const CLASSES = [
  `    - {name: lobed, source: "${REPO}/templates/particle.mrc", count: 4}`,
  `    - {name: rod, source: "${REPO}/templates/rod.mrc", count: 3}`,
].join("\n");

async function particleTables(root: string): Promise<string[]> {
  const tables: string[] = [];
  for (const id of [0, 1]) {
    tables.push(await Deno.readTextFile(`${root}/raw_data/C_${id}/C_${id}_particles.csv`));
  }
  return tables;
}

Deno.test("crowded generate: the same sample on 1 and 2 workers; in_view in the tables; plan counts", async () => {
  const { dir, config: path } = await crowdedProject(CLASSES, "  margin_nm: 10");
  try {
    const tables: string[][] = [];
    for (const workers of [1, 2]) {
      const config = await loadConfig(path, { root: `${dir}/root_${workers}` });
      const result = await runGenerate({ config, workers, progress: "none", print: () => {} });
      assertEquals(result.done, [0, 1]);
      tables.push(await particleTables(config.root));
    }
    assertEquals(tables[0], tables[1]);
    const rows = tables[0]![0]!.trim().split("\n").map((line) => line.split(","));
    const header = rows[0]!;
    const column = (name: string) => header.indexOf(name);
    const particles = rows.slice(1).filter((r) => r[column("class_name")] !== "Fiducial");
    assertEquals(particles.map((r) => r[column("class_name")]), [
      ...Array(4).fill("lobed"),
      ...Array(3).fill("rod"),
    ]);
    // in_view agrees with the centre: |x|, |y| within the 48 nm field (a 10 nm margin around it)
    for (const r of particles) {
      const x = Number(r[column("x_nm")]), y = Number(r[column("y_nm")]);
      assert(Math.abs(x) <= 34 && Math.abs(y) <= 34);
      const inside = Math.abs(x) < 23.9 && Math.abs(y) < 23.9;
      const outside = Math.abs(x) > 24.6 || Math.abs(y) > 24.6;
      if (inside) assertEquals(r[column("in_view")], "1");
      if (outside) assertEquals(r[column("in_view")], "0");
    }
    const star = await Deno.readTextFile(`${dir}/root_1/raw_data/C_0/C_0_relion5_particles.star`);
    assertStringIncludes(star, "_etsInView #11");

    const lines: string[] = [];
    const config = await loadConfig(path, { root: `${dir}/plan` });
    await runGenerate({ config, dryRun: true, print: (line) => lines.push(line) });
    const plan = lines.join("\n");
    assertStringIncludes(plan, "7 per stack, ~");
    assertStringIncludes(plan, "lobed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO}/main.ts`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("crowded generate: what cannot fit, and a module that is no assembler, exit 2 in one line", async () => {
  const { dir, config } = await crowdedProject(
    `    - {name: lobed, source: "${REPO}/templates/particle.mrc", count: 5000}`,
  );
  try {
    const full = await cli(["generate", "-i", config, "--root", `${dir}/root`]);
    assertEquals(full.code, 2, full.stderr);
    assertEquals(full.stderr.trim().split("\n").length, 1, full.stderr);
    assertStringIncludes(full.stderr, "5000 lobed would fill");
    assert(!(await Deno.stat(`${dir}/root`).then(() => true, () => false)), "nothing written");

    await Deno.writeTextFile(`${dir}/half.ts`, "export default class { close() {} }\n");
    const text = (await Deno.readTextFile(config))
      .replace("assembler: crowded", 'assembler: "./half.ts"\ncoord: "coord.txt"');
    await Deno.writeTextFile(`${dir}/coord.txt`, "1 6\n0 0 0 0 0 0\n");
    await Deno.writeTextFile(`${dir}/half.yaml`, text.replace(/custom_configs:[\s\S]*$/, ""));
    const half = await cli(["validate", "-i", `${dir}/half.yaml`, "--root", `${dir}/root`]);
    assertEquals(half.code, 2, half.stderr);
    assertEquals(half.stderr.trim().split("\n").length, 1, half.stderr);
    assertStringIncludes(
      half.stderr,
      "does not implement the Assembler interface: its default export has no setUpTiltSeries(), resetTempDir() method",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { EtsError } from "../errors/mod.ts";
import { assert, assertEquals, assertMatch, assertRejects, sharedPath } from "../testing/mod.ts";
import {
  ConfigError,
  defaultConfigPath,
  loadConfig,
  parseConfigText,
  templatesDir,
} from "./mod.ts";

const ETS_CONFIGS = sharedPath("etsimulations/configs.yaml");
const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** A folder with the inputs an ETSimulations config names (sim.txt, coord, bead, model). */
async function inputs(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ets-config-" });
  for (const file of ["sim.txt", "coord.txt", "particle.mrc", "bead.mrc", "orientations.txt"]) {
    await Deno.copyFile(`${REPO}/templates/${file}`, `${dir}/${file}`);
  }
  return dir;
}

async function rejects(dir: string, text: string, pattern: RegExp): Promise<void> {
  const error = await assertRejects(
    () => parseConfigText(text, { fileName: "run.yaml", configFile: `${dir}/run.yaml` }),
    ConfigError,
  );
  assertMatch(error.oneLine, pattern);
  assertEquals(error.kind, "input");
}

const BASE = [
  'root: "out"',
  'model: "particle.mrc"',
  'config: "sim.txt"',
  'coord: "coord.txt"',
  "num_stacks: 3",
  'name: "T"',
  "apix: 0.5",
  "defocus_values: [1, 2]",
].join("\n") + "\n";

Deno.test("config: ETSimulations' own configs.yaml keys run unchanged (paths made local)", async () => {
  const dir = await inputs();
  try {
    // The author's file with its absolute paths pointed at local copies; keys and layout unchanged.
    let text = await Deno.readTextFile(ETS_CONFIGS);
    text = text
      .replace(/tem_simulator_executable: ".*"/, 'tem_simulator_executable: "/bin/sh"')
      .replace(/chimera_exec_path: ".*"/, 'chimera_exec_path: "/bin/sh"')
      .replace(/model: ".*"/, `model: "${dir}/particle.mrc"`)
      .replace(/root: ".*"/, `root: "${dir}/root"`)
      .replace(/config: ".*"/, `config: "${dir}/sim.txt"`)
      .replace(/coord: ".*"/, `coord: "${dir}/coord.txt"`)
      .replace(/bead_map: ".*"/, `bead_map: "${dir}/bead.mrc"`);
    await Deno.writeTextFile(`${dir}/configs.yaml`, text);
    const config = await loadConfig(`${dir}/configs.yaml`);
    assertEquals(config.name, "Bead");
    assertEquals(config.numStacks, 1);
    assertEquals(config.apix, 0.283);
    assertEquals(config.beadOccupancy, 0.00025);
    assertEquals(config.coordError, { mu: 0, sigma: 50 });
    assertEquals(config.assembler, "basic");
    assertEquals(config.assemblerOptions, {
      orientations_source: "gauss(0, 1)",
      use_common_model: true,
    });
    assertEquals(config.temSimulatorExecutable, "/bin/sh");
    assert(config.warnings.some((w) => w.includes('"email"')));
    assert(config.warnings.some((w) => w.includes('"apix" is 0.283 nm')));
    assertEquals(config.simFacts.tiltAngles.length, 9);
    assertEquals(config.coordRows.length, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config: relative paths resolve against the config's folder; defaults", async () => {
  const dir = await inputs();
  try {
    const config = await parseConfigText(BASE, {
      fileName: "run.yaml",
      configFile: `${dir}/sub/../run.yaml`,
    });
    assertEquals(config.root, `${dir}/out`);
    assertEquals(config.model, `${dir}/particle.mrc`);
    assertEquals(config.simTemplate, `${dir}/sim.txt`);
    assertEquals(config.temSimulatorExecutable, undefined);
    assertEquals(config.chimeraExecPath, undefined);
    assertEquals(config.numChimeraWindows, 1);
    assertEquals(config.retries, 1);
    assertEquals(config.chimeraTimeoutSeconds, 600);
    assertEquals(config.assemblerOptions, { use_common_model: false, orientations_source: "none" });
    // --root wins over the config's root; bare program names come from PATH.
    const other = await parseConfigText(BASE + 'tem_simulator_executable: "sh"\n', {
      fileName: "run.yaml",
      configFile: `${dir}/run.yaml`,
      root: "/tmp/elsewhere",
    });
    assertEquals(other.root, "/tmp/elsewhere");
    assertMatch(other.temSimulatorExecutable ?? "", /\/sh$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config: bad keys give one line with the key and its line", async () => {
  const dir = await inputs();
  try {
    await rejects(
      dir,
      BASE + "nmu_stacks: 3\n",
      /line 9: unknown key "nmu_stacks" \(did you mean "num_stacks"\?\)/,
    );
    await rejects(
      dir,
      BASE.replace("num_stacks: 3", "num_stacks: abc"),
      /line 5: "num_stacks" must be an integer, got "abc"/,
    );
    await rejects(
      dir,
      BASE.replace("num_stacks: 3", "num_stacks: 0"),
      /line 5: "num_stacks" must be at least 1, got "0"/,
    );
    await rejects(
      dir,
      BASE.replace("apix: 0.5", "apix: -1"),
      /line 7: "apix" must be greater than 0/,
    );
    await rejects(dir, BASE.replace("apix: 0.5\n", ""), /: missing key "apix"$/);
    await rejects(dir, BASE + "chimera_timeout: 0\n", /"chimera_timeout" must be greater than 0/);
    await rejects(
      dir,
      BASE.replace("num_stacks: 3", "num_stack: 3"),
      /line 5: unknown key "num_stack" \(did you mean "num_stacks"\?\)/,
    );
    await rejects(
      dir,
      BASE.replace("defocus_values: [1, 2]", "defocus_values: [1, x]"),
      /line 8: "defocus_values\[1\]" must be a number, got "x"/,
    );
    await rejects(
      dir,
      BASE + "custom_configs:\n  use_comon_model: true\n",
      /line 10: unknown key "custom_configs.use_comon_model" \(did you mean "use_common_model"\?\)/,
    );
    await rejects(
      dir,
      BASE + "custom_configs:\n  coord_error:\n    mu: 0\n    sigma: -2\n",
      /line 12: "custom_configs.coord_error.sigma" must be at least 0, got "-2"/,
    );
    await rejects(
      dir,
      BASE + 'assembler: "basc"\n',
      /line 9: unknown assembler "basc" \(did you mean "basic"\?\)/,
    );
    await rejects(
      dir,
      BASE + 'bead_map: "bead.mrc"\n',
      /line 9: "bead_map" needs "bead_occupancy"/,
    );
    await rejects(
      dir,
      BASE.replace('model: "particle.mrc"', 'model: "gone.mrc"'),
      /line 2: "model": file ".*\/gone.mrc" does not exist/,
    );
    await rejects(dir, BASE + "seed: [1\n", /line \d+: /);
    await rejects(dir, BASE.replace('root: "out"\n', ""), /missing key "root" \(or give --root\)/);
    await rejects(dir, "- a\n- b\n", /must be a mapping/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config: the embedded default config validates, root ./ets_demo", async () => {
  const config = await loadConfig(undefined);
  assertEquals(config.configFile, defaultConfigPath());
  assert(config.embedded);
  assertEquals(config.root, `${Deno.cwd()}/ets_demo`);
  // a crowded sample of two classes, no coordinate template
  assertEquals(config.assembler, "crowded");
  assertEquals(config.coordTemplate, undefined);
  assertEquals(config.simFacts.detector, { nx: 256, ny: 256 });
  assertEquals(config.warnings, []);
  const membrane = await loadConfig(`${templatesDir()}/membrane_config.yaml`, { root: "/tmp/x" });
  assertEquals(membrane.assembler, "membrane");
  const basic = await loadConfig(`${templatesDir()}/basic_config.yaml`, { root: "/tmp/x" });
  assertEquals(basic.model, `${templatesDir()}/particle.mrc`);
  assertEquals(basic.coordRows.length, 4);
});

Deno.test("config: the files the engine template names are read before anything starts", async () => {
  const dir = await inputs();
  try {
    const sim = await Deno.readTextFile(`${dir}/sim.txt`);
    const own = "\n=== particle own ===\nsource = map\nmap_file_re_in = particle.mrc\n" +
      "use_imag_pot = no\nfamp = 0.1\n\n=== particleset ===\nparticle_type = own\n" +
      "particle_coords = file\ncoord_file_in = own.txt\n";
    await Deno.writeTextFile(
      `${dir}/sim.txt`,
      sim.replace("gen_dose = yes", "gen_dose = no\ndose_file_in = dose.txt") + own,
    );
    const ntilts = Number(/ntilts = (\d+)/.exec(sim)?.[1]);
    await Deno.writeTextFile(`${dir}/dose.txt`, `${ntilts} 1\n${"100\n".repeat(ntilts)}`);
    await Deno.writeTextFile(`${dir}/own.txt`, "1 6\n0 0 0 10 20 30\n");
    const load = () =>
      parseConfigText(BASE, { fileName: "run.yaml", configFile: `${dir}/run.yaml` });
    const config = await load();
    // the template's own particle map is loaded by every engine run: it counts in the estimates
    const voxels = config.inputSizes?.engineMapVoxels ?? [];
    assertEquals(voxels.length, 2);
    assertEquals(voxels[1], voxels[0]);
    await Deno.writeTextFile(`${dir}/dose.txt`, `${ntilts} 1\n${"100\n".repeat(ntilts - 1)}x\n`);
    const error = await assertRejects(load, EtsError);
    assertEquals(
      error.oneLine,
      `Cannot read dose table "dose.txt": line ${ntilts + 1}: column 1: "x" is not a number ` +
        "(allowed: a finite decimal number such as 12, -0.5 or 1.5e3); named by " +
        `"dose_file_in" at sim.txt line ${sim.split("\n").indexOf("gen_dose = yes") + 2}`,
    );
    assertEquals([error.kind, error.key, error.file], ["input", "dose_file_in", `${dir}/dose.txt`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

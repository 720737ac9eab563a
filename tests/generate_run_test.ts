/**
 * Orchestration tests of `runGenerate` with the fake engine (TEST DOUBLE, tests/
 * generate_fake_engine.ts) and an in-process Chimera pool (TEST DOUBLE): queue, workers, Chimera
 * forwarding, metadata, log, retries, failures, resume, shards, dry run.
 */
import { loadConfig } from "../lib/config/mod.ts";
import { EtsError } from "../lib/errors/mod.ts";
import {
  planStacks,
  runGenerate,
  type RunGenerateOptions,
  stackSeed,
} from "../lib/generate/mod.ts";
import { readMrcHeader, readMrcTiltAngles } from "../lib/mrc/mod.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  pythonModules,
  requirements,
} from "../lib/testing/mod.ts";
import {
  InProcessChimeraPool,
  listFiles,
  mrcfileValidate,
  type ProjectOptions,
  writeFakeEngine,
  writeProject,
} from "./generate_test_helpers.ts";

async function project(
  options: ProjectOptions & { engineEnv?: Record<string, string> } = {},
): Promise<{ dir: string; configPath: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ets-generate-run-" });
  const engine = await writeFakeEngine(dir, options.engineEnv ?? {});
  const configPath = await writeProject(dir, {
    ...options,
    keys: { tem_simulator_executable: `"${engine}"`, ...options.keys },
  });
  return { dir, configPath };
}

async function run(
  configPath: string,
  extra: Partial<RunGenerateOptions> & { root?: string } = {},
) {
  const config = await loadConfig(configPath, { root: extra.root });
  let pool: InProcessChimeraPool | undefined;
  const lines: string[] = [];
  const result = await runGenerate({
    config,
    progress: "none",
    print: (line) => lines.push(line),
    signal: new AbortController().signal,
    startChimeraPool: async (options) => (pool = await InProcessChimeraPool.start(options)),
    ...extra,
  });
  return { config, result, pool, lines };
}

async function mrcBytes(root: string): Promise<Map<string, Uint8Array>> {
  const files = (await listFiles(`${root}/raw_data`)).filter((f) =>
    f.endsWith(".mrc") || f.endsWith("_coord.txt")
  );
  const map = new Map<string, Uint8Array>();
  for (const file of files) map.set(file, await Deno.readFile(`${root}/raw_data/${file}`));
  return map;
}

const mrcfile = await requirements(pythonModules("mrcfile"));

Deno.test("generate: 4 stacks on 2 workers through the Chimera pool, with metadata and log", async (t) => {
  const { dir, configPath } = await project();
  try {
    const { config, result, pool } = await run(configPath);
    assertEquals(result.done, [0, 1, 2, 3]);
    assertEquals(result.failed, []);
    assertEquals(result.workers, 2);
    // The pool was really used: one batch per stack (3 particles: open, save, close session).
    assert(pool !== undefined && pool.closed, "pool started and closed");
    assertEquals(pool.batches.length, 4);
    for (const batch of pool.batches) assertEquals(batch.commands.length, 9);
    // Batches come from the workers' shards (which worker takes which stack depends on timing).
    for (const batch of pool.batches) assert([0, 1].includes(batch.shard));
    assertEquals([...pool.ended].sort(), [0, 1]);
    // ETSimulations' 600 s server timeout unless chimera_timeout says otherwise.
    assertEquals(pool.startOptions?.timeoutMs, 600_000);

    const metadata = JSON.parse(await Deno.readTextFile(`${config.root}/sim_metadata.json`));
    assertEquals(metadata.length, 4);
    const plan = planStacks(config);
    for (const [i, record] of metadata.entries()) {
      for (
        const key of [
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
          "seed",
          "tilt_angles",
          "status",
        ]
      ) assert(key in record, `record ${i} has ${key}`);
      assertEquals(record.global_stack_no, i);
      assertEquals(record.defocus, [1.5, 3][i % 2]);
      assertEquals(record.seed, stackSeed(42, i));
      assertEquals(record.seed, plan[i]!.seed);
      assertEquals(record.status, "done");
      assertEquals(record.tilt_angles, [-45, 0, 45]);
      assertEquals(record.positions.length, 3);
      assertEquals(record.orientations.length, 3);
      assertEquals(record.output, `${config.root}/raw_data/Test_${i}/Test_${i}.mrc`);
      // Positions: template pixels × apix (full precision).
      assertEquals(record.positions[0], [-10, -7.5, 0]);
      const header = await readMrcHeader(record.output);
      assertEquals([header.nx, header.ny, header.nz], [96, 96, 3]);
      assertEquals(header.voxelSize.x, 5);
      assertEquals(await readMrcTiltAngles(record.output), [-45, 0, 45]);
      // The particle maps came from Chimera (temporary maps, not kept), named in the engine
      // input by a stable name; the coordinate file is kept.
      assertEquals(record.particle_sets[0].source, "sim/maps/BasicParticle.mrc");
      assertEquals(record.particle_sets[0].temporary, true);
      assertStringIncludes(
        await Deno.readTextFile(record.engine.input),
        "map_file_re_in = maps/BasicParticle.mrc",
      );
      assert(!("elapsed_seconds" in record) && !("seconds" in record.engine), "no wall times");
      assertEquals(
        await Deno.readTextFile(record.particle_sets[0].coord_file),
        "3 6\n" + record.particle_sets[0].coordinates.map((c: number[], k: number) =>
          [...c, ...record.particle_sets[0].orientations[k]].join(" ")
        ).join("\n") + "\n",
      );
      assertStringIncludes(
        await Deno.readTextFile(record.engine.input),
        `rand_seed = ${record.seed}`,
      );
      assertStringIncludes(
        await Deno.readTextFile(record.engine.input),
        `defocus_nominal = ${record.defocus}`,
      );
      assertStringIncludes(await Deno.readTextFile(record.engine.input), "occupancy = 0.0005");
      // Ground truth and preview beside the MRCs, recorded in the metadata.
      assertEquals(
        (await Deno.readTextFile(record.ground_truth.rawtlt)).trim().split("\n").map(Number),
        [-45, 0, 45],
      );
      const particles = await Deno.readTextFile(record.ground_truth.particlesCsv);
      assertEquals(particles.trim().split("\n").length, 1 + 3 + 1, "3 particles + 1 fiducial");
      assertEquals(record.preview, `${config.root}/raw_data/Test_${i}/preview.png`);
      assert((await Deno.stat(record.preview)).size > 100);
    }
    await mrcfile.step(t, "the tilt series pass mrcfile.validate", async () => {
      const [valid, output] = await mrcfileValidate(
        metadata.flatMap((
          r: { output: string; nonoise_output: string },
        ) => [r.output, r.nonoise_output]),
      );
      assert(valid, output);
    });
    const log = await Deno.readTextFile(`${config.root}/Test.log`);
    assertStringIncludes(log, " worker-1 ");
    assertStringIncludes(log, " worker-2 ");
    assertStringIncludes(log, " main generate INFO Finished: 4/4");
    assert(/ worker-\d generate INFO Stack 3 done in [\d.]+ s \(engine [\d.]+ s\)/.test(log));
    assert(/^\d+:\d\d:\d\d\.\d{6} /m.test(log), "elapsed-time format");
    // Worker temp dirs are gone.
    const rootEntries = [...Deno.readDirSync(config.root)].map((e) => e.name).sort();
    assertEquals(rootEntries, [
      "Test.log",
      "dataset_fingerprint.json",
      "index.html",
      "raw_data",
      "sim_metadata.json",
    ]);
    assertStringIncludes(
      await Deno.readTextFile(`${config.root}/index.html`),
      "raw_data/Test_3/preview.png",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate: the same seed gives the same bytes with 1 and 2 workers", async () => {
  const { dir, configPath } = await project();
  try {
    await run(configPath, { workers: 1, root: `${dir}/one` });
    await run(configPath, { workers: 2, root: `${dir}/two` });
    const one = await mrcBytes(`${dir}/one`);
    const two = await mrcBytes(`${dir}/two`);
    assertEquals([...one.keys()], [...two.keys()]);
    assertEquals(one.size, 4 * 4); // 2 MRCs, particle and fiducial coordinates
    for (const [name, bytes] of one) assertEquals(bytes, two.get(name), name);
    // The kept engine inputs and the metadata do not depend on the worker (only on the root).
    for (let i = 0; i < 4; i++) {
      const input = `raw_data/Test_${i}/sim/sim.txt`;
      const text = await Deno.readTextFile(`${dir}/one/${input}`);
      assert(!text.includes("temp_w"), `${input} names a worker temp dir`);
      assertEquals(text, await Deno.readTextFile(`${dir}/two/${input}`), input);
    }
    const metadata = async (root: string) =>
      (await Deno.readTextFile(`${root}/sim_metadata.json`)).replaceAll(root, "ROOT");
    assertEquals(await metadata(`${dir}/one`), await metadata(`${dir}/two`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate: a failing stack is retried, then recorded as failed while others go on", async () => {
  const onceDir = await Deno.makeTempDir();
  const { dir, configPath } = await project({
    engineEnv: { FAKE_ENGINE_FAIL_ONCE_DIR: onceDir },
    keys: { num_stacks: "3" },
    custom: { use_common_model: "true" },
  });
  try {
    const { result, config } = await run(configPath);
    assertEquals(result.done, [0, 1, 2]);
    const metadata = JSON.parse(await Deno.readTextFile(`${config.root}/sim_metadata.json`));
    assertEquals(metadata.map((r: { attempts: number }) => r.attempts), [2, 2, 2]);
    assertStringIncludes(await Deno.readTextFile(`${config.root}/Test.log`), "retrying");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(onceDir, { recursive: true });
  }
  // TEM-Simulator exits 0 when it fails: the log decides.
  const bad = await project({
    engineEnv: { FAKE_ENGINE_FAIL: "log" },
    keys: { num_stacks: "2", retries: "1" },
    custom: { use_common_model: "true" },
  });
  try {
    const { result, config } = await run(bad.configPath);
    assertEquals(result.failed, [0, 1]);
    const metadata = JSON.parse(await Deno.readTextFile(`${config.root}/sim_metadata.json`));
    for (const record of metadata) {
      assertEquals(record.status, "failed");
      assertEquals(record.attempts, 2);
      assertStringIncludes(record.error, "Simulation complete");
    }
    assertEquals([...Deno.readDirSync(`${config.root}/raw_data`)], []);
  } finally {
    await Deno.remove(bad.dir, { recursive: true });
  }
});

Deno.test("generate: a crashing worker is reported with the stack id, replaced, the stack retried", async () => {
  const { dir, configPath } = await project({
    keys: { num_stacks: "3" },
    custom: { use_common_model: "true" },
  });
  try {
    // In a child: Deno reports each worker's deliberate uncaught error on stderr, which is
    // captured and checked here rather than printed among the test results.
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        "--unstable-worker-options",
        new URL("./fixtures/generate/crashing_run.ts", import.meta.url).pathname,
        configPath,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // plain reports whatever the terminal of the test run
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const { done, attempts, log } = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(done, [0, 1, 2], log);
    assertEquals(attempts, [2, 2, 2]);
    assertStringIncludes(log, "crashed while running stack 0: Uncaught Error: boom in stack 0");
    assertStringIncludes(log, "Stack 0 failed (attempt 1): worker crashed");
    // the only noise: the workers' deliberate uncaught errors
    const reports = stderr.split("\n").filter((line) => line.startsWith("error: "));
    assert(reports.length >= 3, stderr);
    for (const line of reports) {
      assertMatch(line, /^error: Uncaught \(in worker "worker-\d+"\) Error: boom in stack \d$/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate: --resume keeps complete stacks (checked) and redoes the rest", async () => {
  const { dir, configPath } = await project({ custom: { use_common_model: "true" } });
  try {
    const first = await run(configPath);
    const root = first.config.root;
    const before = await mrcBytes(root);
    // Refused without --resume.
    await assertRejects(() => run(configPath), EtsError, "already exists");
    // Damage stack 1 (truncated MRC) and mark stack 2 pending in the metadata.
    const damaged = `${root}/raw_data/Test_1/Test_1_nonoise.mrc`;
    const bytes = await Deno.readFile(damaged);
    await Deno.writeFile(damaged, bytes.subarray(0, bytes.length - 100));
    const metadata = JSON.parse(await Deno.readTextFile(`${root}/sim_metadata.json`));
    metadata[2].status = "pending";
    await Deno.writeTextFile(`${root}/sim_metadata.json`, JSON.stringify(metadata));
    const second = await run(configPath, { resume: true });
    assertEquals(second.result.kept.sort(), [0, 3]);
    assertEquals(second.result.done, [1, 2]);
    const after = await mrcBytes(root);
    for (const [name, data] of before) assertEquals(after.get(name), data, name);
    assertStringIncludes(await Deno.readTextFile(`${root}/Test.log`), "Stack 1 is redone");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate: a shard runs only its stacks and writes its own metadata and log", async () => {
  const { dir, configPath } = await project({
    keys: { num_stacks: "5" },
    custom: { use_common_model: "true" },
  });
  try {
    const whole = await run(configPath, { root: `${dir}/whole` });
    const shard1 = await run(configPath, { root: `${dir}/sharded`, shard: { index: 1, count: 2 } });
    assertEquals(shard1.result.done, [3, 4]);
    const shard0 = await run(configPath, { root: `${dir}/sharded`, shard: { index: 0, count: 2 } });
    assertEquals(shard0.result.done, [0, 1, 2]);
    const names = [...Deno.readDirSync(`${dir}/sharded`)].map((e) => e.name).sort();
    assertEquals(names, [
      "Test.shard-0.log",
      "Test.shard-1.log",
      "dataset_fingerprint.shard-0.json",
      "dataset_fingerprint.shard-1.json",
      "raw_data",
      "sim_metadata.shard-0.json",
      "sim_metadata.shard-1.json",
    ]);
    const meta1 = JSON.parse(await Deno.readTextFile(`${dir}/sharded/sim_metadata.shard-1.json`));
    assertEquals(meta1.map((r: { global_stack_no: number }) => r.global_stack_no), [3, 4]);
    assertEquals(meta1[0].shard, { index: 1, count: 2 });
    const a = await mrcBytes(`${dir}/whole`);
    const b = await mrcBytes(`${dir}/sharded`);
    assertEquals([...a.keys()], [...b.keys()]);
    for (const [name, data] of a) assertEquals(b.get(name), data, name);
    // A shard refuses to overwrite its own stacks, not the other shard's.
    await assertRejects(
      () => run(configPath, { root: `${dir}/sharded`, shard: { index: 1, count: 2 } }),
      EtsError,
      "already exists",
    );
    assert(whole.result.done.length === 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate: --dry-run prints the plan and writes nothing", async () => {
  const { dir, configPath } = await project();
  try {
    const { result, lines, config } = await run(configPath, { dryRun: true });
    assert(result.dryRun);
    const text = lines.join("\n");
    assertStringIncludes(text, "stacks:          4");
    assertStringIncludes(text, "workers:         2");
    assertStringIncludes(text, "Chimera servers: 1");
    assertStringIncludes(text, "disk needed:");
    for (const stack of planStacks(config)) {
      assert(
        lines.some((line) =>
          line.includes(stack.name) && line.includes(String(stack.seed)) &&
          line.includes(String(stack.defocus))
        ),
        `plan line of ${stack.name}`,
      );
    }
    await assertRejects(() => Deno.stat(config.root), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

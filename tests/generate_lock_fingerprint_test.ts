/**
 * A run cannot be corrupted by a second one: the dataset fingerprint refuses a resume after an
 * input changed and a merge of shards of different inputs; a whole-run resume on a sharded root
 * keeps the shards' stacks; `ets merge` tells running array tasks from failed ones. With the fake
 * engine (TEST DOUBLE) and without Chimera (use_common_model: true).
 */
import { loadConfig } from "../lib/config/mod.ts";
import { EtsError } from "../lib/errors/mod.ts";
import { acquireRunLock, runGenerate, type RunGenerateOptions } from "../lib/generate/mod.ts";
import { mergeShards } from "../lib/slurm/mod.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../lib/testing/mod.ts";
import { writeFakeEngine, writeProject } from "./generate_test_helpers.ts";

async function project(stacks = 4): Promise<{ dir: string; configPath: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ets-lock-fp-" });
  const engine = await writeFakeEngine(dir, {});
  const configPath = await writeProject(dir, {
    keys: { tem_simulator_executable: `"${engine}"`, num_stacks: String(stacks), retries: "0" },
    custom: { use_common_model: "true" },
  });
  return { dir, configPath };
}

async function run(configPath: string, extra: Partial<RunGenerateOptions> = {}) {
  const config = await loadConfig(configPath);
  return await runGenerate({
    config,
    progress: "none",
    print: () => {},
    preview: false,
    signal: new AbortController().signal,
    ...extra,
  });
}

async function setDose(dir: string, dose: number) {
  const sim = await Deno.readTextFile(`${dir}/sim.txt`);
  await Deno.writeTextFile(
    `${dir}/sim.txt`,
    sim.replace(/dose_per_im = \d+/, `dose_per_im = ${dose}`),
  );
}

Deno.test("fingerprint: --resume after the template changed is refused with one line naming it", async () => {
  const { dir, configPath } = await project(2);
  try {
    const first = await run(configPath);
    assertEquals(first.done, [0, 1]);
    const written = JSON.parse(await Deno.readTextFile(`${dir}/root/dataset_fingerprint.json`));
    const records = JSON.parse(await Deno.readTextFile(`${dir}/root/sim_metadata.json`));
    assertEquals(records[0].fingerprint, written.fingerprint);
    assertEquals((await run(configPath, { resume: true })).kept, [0, 1]);
    await setDose(dir, 1000);
    const error = await assertRejects(() => run(configPath, { resume: true }), EtsError);
    assertEquals(error.kind, "input");
    assert(!error.message.includes("\n"));
    assertStringIncludes(error.message, "Cannot resume: stack 0");
    assertStringIncludes(error.message, "the TEM-Simulator template differs");
    // the lock was released on the refusal
    await assertRejects(() => Deno.stat(`${dir}/root/.ets.lock`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fingerprint: a shard of changed inputs is refused; merge refuses mixed shards", async () => {
  const { dir, configPath } = await project(4);
  try {
    await run(configPath, { shard: { index: 0, count: 2 } });
    await setDose(dir, 1000);
    await assertRejects(
      () => run(configPath, { shard: { index: 1, count: 2 } }),
      EtsError,
      'dataset_fingerprint.shard-0.json" records dataset fingerprint',
    );
    // force the odd shard in by hiding shard 0's fingerprint file, as a user copying roots might
    await Deno.rename(
      `${dir}/root/dataset_fingerprint.shard-0.json`,
      `${dir}/root/hidden.json`,
    );
    await run(configPath, { shard: { index: 1, count: 2 } });
    await Deno.rename(`${dir}/root/hidden.json`, `${dir}/root/dataset_fingerprint.shard-0.json`);
    const error = await assertRejects(
      () => mergeShards(`${dir}/root`, { stacks: [[0, 1], [2, 3]] }),
      EtsError,
    );
    assertEquals(error.kind, "input");
    assertStringIncludes(error.message, "were made from dataset fingerprint");
    assertStringIncludes(error.message, "the TEM-Simulator template differs");
    await assertRejects(() => Deno.stat(`${dir}/root/sim_metadata.json`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resume without --shard on a sharded root keeps the shards' stacks", async () => {
  const { dir, configPath } = await project(4);
  try {
    await run(configPath, { shard: { index: 0, count: 2 } });
    const whole = await run(configPath, { resume: true });
    assertEquals(whole.kept.sort(), [0, 1]);
    assertEquals(whole.done, [2, 3]);
    const records = JSON.parse(await Deno.readTextFile(`${dir}/root/sim_metadata.json`));
    assertEquals(records.map((r: { status: string }) => r.status), [
      "done",
      "done",
      "done",
      "done",
    ]);
    assert(records.every((r: { shard?: unknown }) => r.shard === undefined));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("merge: a task still holding its lock is running, not failed", async () => {
  const { dir, configPath } = await project(4);
  try {
    await run(configPath, { shard: { index: 0, count: 2 } });
    const lock = await acquireRunLock(`${dir}/root`, { index: 1, count: 2 });
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          new URL("../main.ts", import.meta.url).pathname,
          "merge",
          `${dir}/root`,
          "--shards",
          "2",
          "-i",
          configPath,
        ],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 1, stderr);
      assertStringIncludes(stderr, `stack 2 (array task 1): still running (host `);
      assertStringIncludes(stderr, `pid ${Deno.pid}`);
      assertStringIncludes(stderr, "array task(s) 1 still running: merge again when they finish");
      assert(!stderr.includes("rerun shard(s) 1"), stderr);
    } finally {
      await lock.release();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("engine timeout: generate kills a stuck engine and retries the stack, then records it failed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets-timeout-" });
  try {
    const engine = `${dir}/stuck-engine`;
    await Deno.writeTextFile(engine, "#!/bin/sh\nsleep 600\n");
    await Deno.chmod(engine, 0o755);
    const configPath = await writeProject(dir, {
      keys: {
        tem_simulator_executable: `"${engine}"`,
        num_stacks: "1",
        retries: "1",
        engine_timeout: "0.5",
      },
      custom: { use_common_model: "true" },
    });
    const result = await run(configPath);
    assertEquals(result.failed, [0]);
    const record = result.records[0]!;
    assertEquals(record.attempts, 2);
    assertStringIncludes(record.error ?? "", "ran longer than its timeout of 0.5 s");
    const log = await Deno.readTextFile(`${dir}/root/Test.log`);
    assertStringIncludes(log, "Engine timeout per stack: 0.5 s");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

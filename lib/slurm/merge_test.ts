import type { StackRecord } from "../generate/mod.ts";
import { encodeMrc } from "../mrc/mod.ts";
import { EtsError } from "../errors/mod.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../testing/mod.ts";
import { layoutFromRecords, mergeShards, unshardedRecord } from "./merge.ts";

const TILTS = [-30, 0, 30];

function record(id: number, root: string, shard?: { index: number; count: number }): StackRecord {
  const name = `Run_${id}`;
  return {
    output: `${root}/raw_data/${name}/${name}.mrc`,
    nonoise_output: `${root}/raw_data/${name}/${name}_nonoise.mrc`,
    global_stack_no: id,
    apix: 0.5,
    defocus: 2,
    sim_configs: "/cfg/sim.txt",
    particle_coords: "/cfg/coord.txt",
    orientations: [],
    positions: [],
    custom_data: null,
    name,
    seed: 100 + id,
    run_seed: 1,
    tilt_angles: TILTS,
    status: "done",
    attempts: 1,
    ...(shard === undefined ? {} : { shard }),
    detector: { nx: 8, ny: 6 },
    particle_sets: [],
  };
}

async function writeStack(root: string, id: number, nz = TILTS.length): Promise<void> {
  const name = `Run_${id}`;
  await Deno.mkdir(`${root}/raw_data/${name}`, { recursive: true });
  const bytes = encodeMrc(8, 6, nz, new Float32Array(8 * 6 * nz).fill(id), { voxelSize: 5 });
  await Deno.writeFile(`${root}/raw_data/${name}/${name}.mrc`, bytes);
  await Deno.writeFile(`${root}/raw_data/${name}/${name}_nonoise.mrc`, bytes);
}

/** A root with 5 stacks in 2 shards (0-2, 3-4), all complete; returns the layout. */
async function completeRun(root: string): Promise<number[][]> {
  const stacks = [[0, 1, 2], [3, 4]];
  for (const [index, ids] of stacks.entries()) {
    const shard = { index, count: 2 };
    for (const id of ids) await writeStack(root, id);
    await Deno.writeTextFile(
      `${root}/sim_metadata.shard-${index}.json`,
      JSON.stringify(ids.map((id) => record(id, root, shard)), null, 2) + "\n",
    );
  }
  return stacks;
}

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "ets-merge-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("merge joins complete shards into the one-machine metadata, without shard", async () => {
  await withRoot(async (root) => {
    const stacks = await completeRun(root);
    const report = await mergeShards(root, { stacks });
    assertEquals(report.written, true);
    assertEquals(report.problems, []);
    assertEquals([report.planned, report.complete], [5, 5]);
    const expected = JSON.stringify([0, 1, 2, 3, 4].map((id) => record(id, root)), null, 2) + "\n";
    assertEquals(await Deno.readTextFile(`${root}/sim_metadata.json`), expected);
  });
});

Deno.test("merge lists missing and incomplete stacks with their array tasks and writes nothing", async () => {
  await withRoot(async (root) => {
    const stacks = await completeRun(root);
    // stack 1: truncated noisy series; stack 3: failed; stack 4: one section too few
    const path = `${root}/raw_data/Run_1/Run_1.mrc`;
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 10));
    const shard1 = JSON.parse(await Deno.readTextFile(`${root}/sim_metadata.shard-1.json`));
    shard1[0].status = "failed";
    shard1[0].error = "engine exited 1";
    await Deno.writeTextFile(`${root}/sim_metadata.shard-1.json`, JSON.stringify(shard1));
    await writeStack(root, 4, 2);
    const report = await mergeShards(root, { stacks });
    assertEquals(report.written, false);
    assertEquals(report.problems.map((p) => [p.id, p.shard]), [[1, 0], [3, 1], [4, 1]]);
    assertStringIncludes(report.problems[0]!.reason, "Run_1.mrc");
    assertEquals(report.problems[1]!.reason, 'status is "failed": engine exited 1');
    assertStringIncludes(report.problems[2]!.reason, "has 2 sections, expected 3");
    assertEquals(report.resubmit, [0, 1]);
    await Deno.stat(`${root}/sim_metadata.json`).then(
      () => assert(false, "metadata written although stacks are missing"),
      () => {},
    );
  });
});

Deno.test("merge names a shard that never wrote metadata", async () => {
  await withRoot(async (root) => {
    const stacks = await completeRun(root);
    await Deno.remove(`${root}/sim_metadata.shard-1.json`);
    const report = await mergeShards(root, { stacks });
    assertEquals(report.problems.map((p) => p.id), [3, 4]);
    assertStringIncludes(report.problems[0]!.reason, 'no "sim_metadata.shard-1.json"');
    assertEquals(report.resubmit, [1]);
  });
});

Deno.test("merge takes a stack done under an earlier split when its own shard lacks it", async () => {
  await withRoot(async (root) => {
    const stacks = await completeRun(root);
    // re-split into 3 shards: 0-1, 2-3, 4; only the old files exist
    const report = await mergeShards(root, { stacks: [[0, 1], [2, 3], [4]] });
    assertEquals(report.problems, []);
    assertEquals(report.written, true);
    assertEquals(stacks.length, 2, "the files were written for 2 shards");
  });
});

Deno.test("merge refuses unreadable shard metadata with an input error", async () => {
  await withRoot(async (root) => {
    await Deno.writeTextFile(`${root}/sim_metadata.shard-0.json`, "{ not json");
    let error: unknown;
    try {
      await mergeShards(root, { stacks: [[0]] });
    } catch (caught) {
      error = caught;
    }
    assert(error instanceof EtsError && error.kind === "input", String(error));
    assertStringIncludes((error as EtsError).message, "sim_metadata.shard-0.json");
  });
});

Deno.test("unshardedRecord drops only the shard", () => {
  const sharded = record(2, "/r", { index: 1, count: 3 });
  assertEquals(unshardedRecord(sharded), record(2, "/r"));
  assertEquals(Object.keys(unshardedRecord(sharded)), Object.keys(record(2, "/r")));
});

Deno.test("layoutFromRecords takes the shard count from the records or the caller", () => {
  const files = new Map([[0, [record(0, "/r", { index: 0, count: 2 })]]]);
  const ids = (index: number, count: number) => [index * 10 + count];
  assertEquals(layoutFromRecords(files, ids).stacks, [[2], [12]]);
  assertEquals(layoutFromRecords(files, ids, 3).stacks, [[3], [13], [23]]);
  assertThrows(() => layoutFromRecords(new Map(), ids), EtsError, "--shards");
});

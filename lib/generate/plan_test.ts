import { loadConfig } from "../config/mod.ts";
import { assertEquals, assertThrows } from "../testing/mod.ts";
import { metadataPath, planStacks, planStacksWithSeed, shardStackIds, stackSeed } from "./plan.ts";

Deno.test("plan: shards split stacks like ETSimulations' processes, contiguous, complete", () => {
  // 10 stacks over 4: 3, 3, 2, 2 (the first num_stacks % count get one more).
  assertEquals(shardStackIds(10, { index: 0, count: 4 }), [0, 1, 2]);
  assertEquals(shardStackIds(10, { index: 1, count: 4 }), [3, 4, 5]);
  assertEquals(shardStackIds(10, { index: 2, count: 4 }), [6, 7]);
  assertEquals(shardStackIds(10, { index: 3, count: 4 }), [8, 9]);
  assertEquals(shardStackIds(2, { index: 2, count: 3 }), []);
  for (const count of [1, 2, 3, 7, 13]) {
    const all = Array.from({ length: count }, (_, index) => shardStackIds(13, { index, count }))
      .flat();
    assertEquals(all, Array.from({ length: 13 }, (_, i) => i));
  }
  assertThrows(() => shardStackIds(10, { index: 4, count: 4 }), RangeError);
});

Deno.test("plan: defocus cycles, seeds and paths do not depend on the shard", async () => {
  const config = await loadConfig(undefined, { root: "/data/run" });
  const whole = planStacks(config);
  assertEquals(whole.map((s) => s.defocus), [2, 4, 2, 4]);
  assertEquals(whole.map((s) => s.seed), [0, 1, 2, 3].map((id) => stackSeed(1, id)));
  assertEquals(whole[3]?.output, "/data/run/raw_data/demo_3/demo_3.mrc");
  assertEquals(whole[3]?.nonoiseOutput, "/data/run/raw_data/demo_3/demo_3_nonoise.mrc");
  const sharded = [0, 1, 2].flatMap((index) => planStacks(config, { index, count: 3 }));
  assertEquals(sharded, whole);
  assertEquals(planStacksWithSeed(config, 5)[0]?.seed, stackSeed(5, 0));
  assertEquals(metadataPath("/r", { index: 2, count: 3 }), "/r/sim_metadata.shard-2.json");
  assertThrows(() => planStacks({ ...config, seed: undefined }), RangeError);
});

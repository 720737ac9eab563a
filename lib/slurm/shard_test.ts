import { EtsError } from "../errors/mod.ts";
import { GENERATE_ENV_VARS } from "../generate/mod.ts";
import { assert, assertEquals, assertThrows } from "../testing/mod.ts";
import {
  formatShard,
  parseShard,
  resolveShard,
  SLURM_ARRAY_VARIABLES,
  slurmArrayEnv,
} from "./shard.ts";

Deno.test("parseShard reads I/N, 0-based", () => {
  assertEquals(parseShard("0/3"), { index: 0, count: 3 });
  assertEquals(parseShard(" 2 / 3 "), { index: 2, count: 3 });
  assertEquals(formatShard({ index: 1, count: 4 }), "1/4");
});

Deno.test("parseShard refuses bad input with one clear input error", () => {
  for (
    const [text, part] of [
      ["3/3", "0 <= I < 3"],
      ["1/0", "at least 1"],
      ["-1/3", "expected I/N"],
      ["1", "expected I/N"],
      ["a/b", "expected I/N"],
      ["1.5/3", "expected I/N"],
    ] as const
  ) {
    const error = assertThrows(() => parseShard(text), EtsError, part);
    assertEquals(error.kind, "input");
    assertEquals(error.key, "--shard");
  }
});

Deno.test("resolveShard: the flag wins over the Slurm environment", () => {
  const env = { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "2" };
  assertEquals(resolveShard("0/5", env), { index: 0, count: 5 });
});

Deno.test("resolveShard: no flag and no array job means the whole run", () => {
  assertEquals(resolveShard(undefined, {}), undefined);
  assertEquals(resolveShard(undefined, { SLURM_JOB_ID: "17" }), undefined);
});

Deno.test("resolveShard: array task position from MIN/MAX (and STEP)", () => {
  const env = (id: number, min: number, max: number, extra: Record<string, string> = {}) => ({
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(max),
    ...extra,
  });
  assertEquals(resolveShard(undefined, env(0, 0, 2)), { index: 0, count: 3 });
  assertEquals(resolveShard(undefined, env(2, 0, 2, { SLURM_ARRAY_TASK_COUNT: "3" })), {
    index: 2,
    count: 3,
  });
  // 1-based arrays (--array=1-4)
  assertEquals(resolveShard(undefined, env(1, 1, 4)), { index: 0, count: 4 });
  assertEquals(resolveShard(undefined, env(4, 1, 4)), { index: 3, count: 4 });
  // stepped (--array=0-8:4 → 0, 4, 8)
  assertEquals(resolveShard(undefined, env(4, 0, 8, { SLURM_ARRAY_TASK_STEP: "4" })), {
    index: 1,
    count: 3,
  });
});

Deno.test("resolveShard: COUNT alone gives the count, ID the index", () => {
  assertEquals(
    resolveShard(undefined, { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "4" }),
    { index: 1, count: 4 },
  );
  assertThrows(
    () => resolveShard(undefined, { SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_COUNT: "4" }),
    EtsError,
    "--shard",
  );
});

Deno.test("resolveShard: arrays that are not one range ask for --shard", () => {
  // --array=1,5,7: MIN 1, MAX 7, COUNT 3
  const error = assertThrows(
    () =>
      resolveShard(undefined, {
        SLURM_ARRAY_TASK_ID: "5",
        SLURM_ARRAY_TASK_MIN: "1",
        SLURM_ARRAY_TASK_MAX: "7",
        SLURM_ARRAY_TASK_COUNT: "3",
      }),
    EtsError,
    "not one range",
  );
  assertEquals(error.kind, "input");
  assertThrows(
    () => resolveShard(undefined, { SLURM_ARRAY_TASK_ID: "3" }),
    EtsError,
    "neither",
  );
  assertThrows(
    () =>
      resolveShard(undefined, {
        SLURM_ARRAY_TASK_ID: "x",
        SLURM_ARRAY_TASK_MIN: "0",
        SLURM_ARRAY_TASK_MAX: "2",
      }),
    EtsError,
    '"SLURM_ARRAY_TASK_ID" must be a non-negative integer',
  );
  assertThrows(
    () =>
      resolveShard(undefined, {
        SLURM_ARRAY_TASK_ID: "3",
        SLURM_ARRAY_TASK_MIN: "0",
        SLURM_ARRAY_TASK_MAX: "8",
        SLURM_ARRAY_TASK_STEP: "4",
      }),
    EtsError,
    "not on the range",
  );
});

Deno.test("the Slurm variables the shard is told by are in generate's --allow-env list", () => {
  for (const name of SLURM_ARRAY_VARIABLES) {
    assert(GENERATE_ENV_VARS.includes(name), `${name} is missing from GENERATE_ENV_VARS`);
  }
});

Deno.test({
  name: "slurmArrayEnv reads only its variables, one by one (scoped --allow-env)",
  permissions: { env: [...SLURM_ARRAY_VARIABLES] },
  fn: () => {
    const env = slurmArrayEnv();
    assertEquals(Object.keys(env).sort(), [...SLURM_ARRAY_VARIABLES].sort());
  },
});

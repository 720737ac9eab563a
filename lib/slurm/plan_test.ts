import { EtsError } from "../errors/mod.ts";
import { assertEquals, assertThrows } from "../testing/mod.ts";
import { parsePlan, planPath, type SlurmPlan } from "./plan.ts";

const plan: SlurmPlan = {
  version: 1,
  config: "/c/config.yaml",
  root: "/r",
  name: "run",
  num_stacks: 5,
  shards: 2,
  stacks: [[0, 1, 2], [3, 4]],
  array_script: "/r/slurm/generate.sbatch",
};

Deno.test("parsePlan accepts a plan and its path is ROOT/slurm/plan.json", () => {
  assertEquals(parsePlan(JSON.parse(JSON.stringify(plan)), "p.json"), plan);
  assertEquals(planPath("/r"), "/r/slurm/plan.json");
});

Deno.test("parsePlan refuses plans whose shards do not cover the stacks once", () => {
  for (
    const [change, part] of [
      [{ version: 2 }, "unknown version"],
      [{ shards: 3 }, "each of the 3 shards"],
      [{ stacks: [[0, 1, 2], [2, 3, 4]] }, "in two shards"],
      [{ stacks: [[0, 1], [3, 4]] }, "hold 4 stacks, not 5"],
      [{ stacks: [[0, 1, 2], [3, 9]] }, "out of range"],
      [{ root: 3 }, '"root"'],
    ] as const
  ) {
    const error = assertThrows(() => parsePlan({ ...plan, ...change }, "p.json"), EtsError, part);
    assertEquals(error.kind, "input");
  }
});

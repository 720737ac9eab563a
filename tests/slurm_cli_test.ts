/**
 * `ets slurm` and `ets merge` on the command line, without a Slurm cluster: the files written,
 * bad input (one line, exit 2), and merge's report when array tasks never ran (exit 1).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../lib/testing/mod.ts";
import { REPO, writeProject } from "./generate_test_helpers.ts";

const decoder = new TextDecoder();

async function ets(args: string[], cwd?: string, env?: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO}/main.ts`, ...args],
    cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("ets slurm writes the array, merge and submit scripts and the plan", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets-slurm-cli-" });
  try {
    const config = await writeProject(`${dir}/project`, { keys: { num_stacks: "7" } });
    const root = `${dir}/project/root`;
    const result = await ets([
      "slurm",
      "-i",
      config,
      "--array",
      "3",
      "--partition",
      "short",
      "--time",
      "1-00:00:00",
      "--cpus-per-task",
      "2",
      "--mem",
      "4G",
    ]);
    assertEquals(result.code, 0, result.stderr);
    assertStringIncludes(
      result.stdout,
      "task 0: stacks 0-2; task 1: stacks 3-4; task 2: stacks 5-6",
    );
    assertStringIncludes(result.stdout, `submit both jobs with: sh ${root}/slurm/submit.sh`);
    const generate = await Deno.readTextFile(`${root}/slurm/generate.sbatch`);
    for (
      const line of [
        "#SBATCH --array=0-2",
        "#SBATCH --partition=short",
        "#SBATCH --time=1-00:00:00",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --mem=4G",
      ]
    ) assertStringIncludes(generate, line);
    // run from source: Deno, the config's derived permission flags, main.ts
    assertStringIncludes(
      generate,
      `exec ${Deno.execPath()} run --quiet --no-prompt --frozen --cached-only --no-remote --node-modules-dir=manual --unstable-worker-options --allow-read=`,
    );
    assertStringIncludes(generate, `${REPO}/main.ts generate -i ${config} --root ${root} --shard`);
    assert(!generate.includes(" -A "), "the job should not run with -A");
    const merge = await Deno.readTextFile(`${root}/slurm/merge.sbatch`);
    assertStringIncludes(merge, ` merge ${root}\n`);
    assertEquals(((await Deno.stat(`${root}/slurm/submit.sh`)).mode ?? 0) & 0o111, 0o111);
    await Deno.stat(`${root}/slurm/logs`);
    const plan = JSON.parse(await Deno.readTextFile(`${root}/slurm/plan.json`));
    assertEquals(plan.stacks, [[0, 1, 2], [3, 4], [5, 6]]);
    assertEquals(plan.num_stacks, 7);

    // no task has run: merge lists every stack and the tasks to resubmit, exit 1
    const merged = await ets(["merge", root]);
    assertEquals(merged.code, 1);
    assertStringIncludes(merged.stderr, "7 of 7 stack(s) missing or incomplete:");
    assertStringIncludes(merged.stderr, "stack 5 (array task 2)");
    assertStringIncludes(
      merged.stderr,
      `resubmit with: sbatch --array=0,1,2 ${root}/slurm/generate.sbatch`,
    );
    assertMatch(merged.stderr.trim().split("\n").at(-1) ?? "", /^ets: Cannot merge /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ets slurm and ets merge refuse bad input with one line and exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets-slurm-cli-" });
  try {
    const config = await writeProject(`${dir}/a`, { keys: { num_stacks: "2" } });
    const noSeed = await writeProject(`${dir}/b`, { keys: { seed: "null" } });
    await Deno.writeTextFile(
      noSeed,
      (await Deno.readTextFile(noSeed)).split("\n").filter((l) => !l.startsWith("seed:")).join(
        "\n",
      ),
    );
    const cases: [string[], string][] = [
      [["slurm", "-i", config, "--array", "3"], '"--array" 3 is more tasks than the 2 stack(s)'],
      [["slurm", "-i", noSeed, "--array", "2"], 'the config has no "seed"'],
      [["slurm", "-i", config, "--array", "0"], "is not a positive integer"],
      [["slurm", "-i", config, "--array", "2", "--time", "soon"], "is not a Slurm time"],
      [["slurm", "-i", config, "--array", "2", "--mem", "lots"], "is not a Slurm memory size"],
      [["slurm", "-i", config], "--array"],
      [["merge", `${dir}/nowhere`], "no such folder"],
      [["merge", `${dir}/a`], "--shards"],
      // a shard without a seed would draw its own: refused before anything is written
      [
        ["generate", "-i", noSeed, "--shard", "0/2"],
        'Cannot run shard 0/2: the config has no "seed"',
      ],
      [["generate", "-i", config, "--shard", "2/2"], "the shard index I must be 0 <= I < 2"],
      [["generate", "-i", config, "--shard", "one"], 'expected I/N (e.g. "0/3")'],
    ];
    for (const [args, part] of cases) {
      const result = await ets(args);
      assertEquals(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assertStringIncludes(result.stderr, part);
      assertEquals(result.stdout, "", args.join(" "));
    }
    // inside a Slurm array task (no --shard), the shard comes from the environment
    const task = { SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_MIN: "3", SLURM_ARRAY_TASK_MAX: "5" };
    const fromEnv = await ets(["generate", "-i", noSeed], undefined, task);
    assertEquals(fromEnv.code, 2, fromEnv.stderr);
    assertStringIncludes(fromEnv.stderr, 'Cannot run shard 1/3: the config has no "seed"');
    const planned = await ets(["generate", "-i", config, "--dry-run"], undefined, {
      SLURM_ARRAY_TASK_ID: "1",
      SLURM_ARRAY_TASK_COUNT: "2",
    });
    assertEquals(planned.code, 0, planned.stderr);
    assertStringIncludes(planned.stdout, "Test_1");
    assert(!planned.stdout.includes("Test_0"), planned.stdout);
    const uneven = await ets(["generate", "-i", config], undefined, {
      ...task,
      SLURM_ARRAY_TASK_COUNT: "2",
    });
    assertEquals(uneven.code, 2, uneven.stderr);
    assertStringIncludes(uneven.stderr, 'pass "--shard I/N" explicitly');
    // nothing was written for the refused plans and runs
    for (const folder of [`${dir}/a/root`, `${dir}/b/root`]) {
      await Deno.stat(folder).then(
        () => assert(false, `a refused command wrote "${folder}"`),
        () => {},
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

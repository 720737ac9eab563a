/**
 * End to end on a real Slurm: starts munged, slurmctld and slurmd on this machine (single node,
 * scripts/slurm/cluster.ts), submits the 3-task array + merge job that `ets slurm` writes, waits,
 * and checks the merged run is byte-identical to a one-machine run with the same seed; then
 * breaks one stack, checks `ets merge` names it and the task to resubmit, resubmits that task and
 * merges again. Needs root and Debian's slurm-wlm + munge (`.ci/run` installs them): without them
 * the test is ignored (its name says what is missing), or fails under CI=true. Importing this file
 * only looks for the programs: nothing is installed or started before the test runs.
 */
import { startCluster } from "../scripts/slurm/cluster.ts";
import {
  assert,
  assertEquals,
  assertStringIncludes,
  optional,
  programs,
  requirements,
  rootUser,
} from "../lib/testing/mod.ts";
import { REPO, writeProject } from "./generate_test_helpers.ts";

const slurm = await requirements(
  optional({
    name: "Linux",
    install: "run on Linux",
    probe: () =>
      Promise.resolve(Deno.build.os === "linux" ? undefined : `this is ${Deno.build.os}`),
  }),
  rootUser("slurmd runs jobs as their owner"),
  programs(
    ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"],
    ["slurm-wlm", "munge"],
  ),
);

const decoder = new TextDecoder();

async function ets(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO}/main.ts`, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) out.push(...await filesUnder(dir, path));
    else out.push(path);
  }
  return out.sort();
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = [await Deno.readFile(a), await Deno.readFile(b)];
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

async function slurmOutputs(root: string): Promise<string> {
  const parts: string[] = [];
  try {
    for (const name of await filesUnder(`${root}/slurm/logs`)) {
      parts.push(`--- ${name}\n${(await Deno.readTextFile(`${root}/slurm/logs/${name}`)).trim()}`);
    }
  } catch {
    parts.push("(no Slurm output files)");
  }
  return parts.join("\n");
}

slurm.test({
  name: "slurm: a 3-task array from `ets slurm` + merge equals a one-machine run, byte for byte",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "ets-slurm-e2e-" });
    const config = await writeProject(`${dir}/project`, {
      keys: { num_stacks: "5", num_cores: "1" },
      detector: 64,
      tilts: 3,
    });
    const root = `${dir}/project/root`;
    // the one-machine run, moved aside so the Slurm run writes the same absolute paths
    const single = await ets(["generate", "-i", config, "--workers", "1", "--progress", "none"]);
    assertEquals(single.code, 0, single.stderr);
    await Deno.rename(root, `${dir}/single`);

    const cluster = await startCluster();
    try {
      const planned = await ets([
        "slurm",
        "-i",
        config,
        "--array",
        "3",
        "--time",
        "10",
        "--partition",
        cluster.partition,
      ]);
      assertEquals(planned.code, 0, planned.stderr);
      assertStringIncludes(
        planned.stdout,
        "task 0: stacks 0-1; task 1: stacks 2-3; task 2: stacks 4",
      );

      const submitted = await cluster.run("sh", [`${root}/slurm/submit.sh`], dir);
      const ids = /array job (\d+) \(tasks 0-2\), merge job (\d+)/.exec(submitted);
      assert(ids !== null, `submit.sh printed: ${submitted}`);
      const [arrayJob, mergeJob] = [ids[1] as string, ids[2] as string];
      const states = await cluster.waitForJobs([arrayJob, mergeJob], 300_000);
      assertEquals(
        Object.fromEntries(states),
        { [arrayJob]: "COMPLETED", [mergeJob]: "COMPLETED" },
        `${await slurmOutputs(root)}\n${await cluster.logTail()}`,
      );

      // every shard wrote its own metadata and log; the merge job wrote sim_metadata.json
      for (const index of [0, 1, 2]) {
        await Deno.stat(`${root}/sim_metadata.shard-${index}.json`);
        await Deno.stat(`${root}/Test.shard-${index}.log`);
      }
      // every file of raw_data: tilt series, the kept engine input (sim/sim.txt), its log and
      // text outputs, ground truth, previews
      const singleFiles = await filesUnder(`${dir}/single/raw_data`);
      const slurmFiles = await filesUnder(`${root}/raw_data`);
      assertEquals(slurmFiles, singleFiles);
      assertEquals(singleFiles.filter((f) => f.endsWith(".mrc")).length, 10);
      assert(singleFiles.includes("Test_4/sim/sim.txt"), singleFiles.join(", "));
      for (const file of singleFiles) {
        assert(
          await sameBytes(`${dir}/single/raw_data/${file}`, `${root}/raw_data/${file}`),
          `${file} differs from the one-machine run`,
        );
      }
      assertEquals(
        await Deno.readTextFile(`${root}/sim_metadata.json`),
        await Deno.readTextFile(`${dir}/single/sim_metadata.json`),
        "merged sim_metadata.json differs from the one-machine run's",
      );
      assertEquals(
        await Deno.readTextFile(`${root}/index.html`),
        await Deno.readTextFile(`${dir}/single/index.html`),
        "the merged contact sheet differs from the one-machine run's",
      );

      // a broken stack: merge names it and the array task to resubmit, and writes nothing
      await Deno.remove(`${root}/sim_metadata.json`);
      await Deno.remove(`${root}/raw_data/Test_3/Test_3_nonoise.mrc`);
      const broken = await ets(["merge", root]);
      assertEquals(broken.code, 1, broken.stderr);
      assertStringIncludes(broken.stderr, "stack 3 (array task 1)");
      assertStringIncludes(broken.stderr, `sbatch --array=1 ${root}/slurm/generate.sbatch`);
      await Deno.stat(`${root}/sim_metadata.json`).then(
        () => assert(false, "merge wrote metadata although a stack is missing"),
        () => {},
      );

      // resubmitting that task redoes the broken stack; the merge then matches again
      const again = (await cluster.run("sbatch", [
        "--parsable",
        "--array=1",
        `${root}/slurm/generate.sbatch`,
      ], dir)).trim().split(";")[0] as string;
      const againStates = await cluster.waitForJobs([again], 300_000);
      assertEquals(againStates.get(again), "COMPLETED", await slurmOutputs(root));
      const merged = await ets(["merge", root]);
      assertEquals(merged.code, 0, merged.stderr);
      assertStringIncludes(merged.stdout, "merged 5 stack(s) from 3 shard(s)");
      assert(
        await sameBytes(
          `${dir}/single/raw_data/Test_3/Test_3_nonoise.mrc`,
          `${root}/raw_data/Test_3/Test_3_nonoise.mrc`,
        ),
        "the redone stack differs from the one-machine run",
      );
      assertEquals(
        await Deno.readTextFile(`${root}/sim_metadata.json`),
        await Deno.readTextFile(`${dir}/single/sim_metadata.json`),
      );
    } finally {
      await cluster.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

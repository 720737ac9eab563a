import { assert, assertEquals, assertStringIncludes, assertThrows } from "../testing/mod.ts";
import { buildSlurmScripts, shellQuote, type SlurmScriptOptions } from "./sbatch.ts";

const base: SlurmScriptOptions = {
  invocation: ["/opt/ets/ets"],
  configPath: "/data/my run/config.yaml",
  root: "/data/run",
  name: "tomo",
  shards: 3,
  scriptDir: "/data/run/slurm",
  logDir: "/data/run/slurm/logs",
  workersFlag: true,
};

Deno.test("shellQuote quotes only what needs it", () => {
  assertEquals(shellQuote("/a/b-c_d.e"), "/a/b-c_d.e");
  assertEquals(shellQuote("a b"), "'a b'");
  assertEquals(shellQuote("it's"), `'it'"'"'s'`);
  assertEquals(shellQuote("$HOME"), "'$HOME'");
});

Deno.test("the array script asks for N tasks and the resources given", () => {
  const { generate } = buildSlurmScripts({
    ...base,
    partition: "gpu",
    time: "02:00:00",
    cpusPerTask: 4,
    mem: "8G",
  });
  const lines = generate.split("\n");
  for (
    const line of [
      "#SBATCH --array=0-2",
      "#SBATCH --partition=gpu",
      "#SBATCH --time=02:00:00",
      "#SBATCH --cpus-per-task=4",
      "#SBATCH --mem=8G",
      "#SBATCH --chdir=/data/run",
      "#SBATCH --output=/data/run/slurm/logs/ets-tomo-%A_%a.out",
    ]
  ) assert(lines.includes(line), `missing ${line}`);
  // all #SBATCH lines come before the first command (sbatch stops reading at it)
  const firstCommand = lines.findIndex((line) => line !== "" && !line.startsWith("#"));
  const lastDirective = lines.findLastIndex((line) => line.startsWith("#SBATCH"));
  assert(lastDirective < firstCommand);
  assertStringIncludes(
    generate,
    `exec /opt/ets/ets generate -i '/data/my run/config.yaml' --root /data/run --shard "\${SLURM_ARRAY_TASK_ID}/3" --resume --workers "\${SLURM_CPUS_PER_TASK:-1}"`,
  );
});

Deno.test("optional resources are left out", () => {
  const { generate, merge } = buildSlurmScripts(base);
  for (const text of [generate, merge]) {
    assert(!text.includes("--partition"));
    assert(!text.includes("--time"));
    assert(!text.includes("--mem"));
  }
});

Deno.test("the merge and submit scripts chain the jobs with afterok", () => {
  const { merge, submit } = buildSlurmScripts({ ...base, partition: "short" });
  assertStringIncludes(merge, "exec /opt/ets/ets merge /data/run\n");
  assertStringIncludes(merge, "#SBATCH --partition=short");
  assertStringIncludes(submit, 'array=$(sbatch --parsable "$@" "$dir/generate.sbatch")');
  assertStringIncludes(submit, '--dependency=afterok:"$array"');
  assertStringIncludes(submit, "--kill-on-invalid-dep=yes");
});

Deno.test("values that would break #SBATCH lines are refused", () => {
  assertThrows(() => buildSlurmScripts({ ...base, partition: "a b" }), RangeError);
  assertThrows(() => buildSlurmScripts({ ...base, root: "/data/my run" }), RangeError);
  assertThrows(() => buildSlurmScripts({ ...base, shards: 0 }), RangeError);
});

async function runSh(
  script: string,
  env: Record<string, string>,
  dir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const path = `${dir}/script.sh`;
  await Deno.writeTextFile(path, script);
  const out = await new Deno.Command("/bin/bash", {
    args: [path],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("the scripts run: each task passes its shard; submit chains two sbatch calls", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets-sbatch-" });
  try {
    // a stand-in for ets that prints its arguments
    const fake = `${dir}/fake`;
    await Deno.writeTextFile(
      fake,
      '#!/bin/sh\nprintf "%s|" "$(basename "$0")" "$@"; echo\n',
    );
    await Deno.chmod(fake, 0o755);
    const scripts = buildSlurmScripts({ ...base, invocation: [fake, "--flag"], scriptDir: dir });
    const task = await runSh(scripts.generate, {
      SLURM_ARRAY_TASK_ID: "2",
      SLURM_CPUS_PER_TASK: "4",
      PATH: "/usr/bin:/bin",
    }, dir);
    assertEquals(task.code, 0, task.stderr);
    assertEquals(
      task.stdout.trim(),
      "fake|--flag|generate|-i|/data/my run/config.yaml|--root|/data/run|--shard|2/3|--resume|--workers|4|",
    );
    const notArray = await runSh(scripts.generate, { PATH: "/usr/bin:/bin" }, dir);
    assertEquals(notArray.code, 2);
    assertStringIncludes(notArray.stderr, "not an array task");

    // sbatch --parsable prints "jobid[;cluster]": a stand-in records its arguments
    await Deno.writeTextFile(
      `${dir}/sbatch`,
      '#!/bin/sh\necho "$*" >> "$(dirname "$0")/calls.txt"\n' +
        'case "$*" in *generate.sbatch) echo "41;cluster";; *) echo 42;; esac\n',
    );
    await Deno.chmod(`${dir}/sbatch`, 0o755);
    const submit = await runSh(scripts.submit, { PATH: `${dir}:/usr/bin:/bin` }, dir);
    assertEquals(submit.code, 0, submit.stderr);
    const calls = (await Deno.readTextFile(`${dir}/calls.txt`)).trim().split("\n");
    assertEquals(calls, [
      `--parsable ${dir}/generate.sbatch`,
      `--parsable --dependency=afterok:41 --kill-on-invalid-dep=yes ${dir}/merge.sbatch`,
    ]);
    assertStringIncludes(submit.stdout, "array job 41 (tasks 0-2), merge job 42");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every array task's generate gets the --allow-dir folders", () => {
  const { generate } = buildSlurmScripts({ ...base, allowDirs: ["/data/tables", "/data/my maps"] });
  assertStringIncludes(generate, " --allow-dir /data/tables --allow-dir '/data/my maps'");
});

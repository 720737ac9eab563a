/**
 * `ets generate` stopped by SIGINT/SIGTERM: every worker and engine process stopped before it exits,
 * exit 130/143, metadata consistent; `--resume` then finishes the run with the same bytes as an
 * uninterrupted run. SIGTERM uses the fake engine (TEST DOUBLE) made never-ending, so the signal
 * always lands mid-run.
 */
import { assert, assertEquals, assertStringIncludes } from "../lib/testing/mod.ts";
import { listFiles, REPO, writeFakeEngine, writeProject } from "./generate_test_helpers.ts";

/**
 * Processes (other than this one) whose command line mentions `token` or whose working
 * directory is inside it (engines run in their stack's work dir, given the input by name).
 */
async function processesMentioning(token: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      const cmdline = (await Deno.readTextFile(`/proc/${entry.name}/cmdline`)).replaceAll(
        "\0",
        " ",
      );
      const cwd = await Deno.readLink(`/proc/${entry.name}/cwd`).catch(() => "");
      if (cmdline.includes(token) || cwd === token || cwd.startsWith(`${token}/`)) {
        found.push(`${entry.name}: ${cmdline} (in ${cwd})`);
      }
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

function generate(configPath: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      `${REPO}/main.ts`,
      "generate",
      "-i",
      configPath,
      "--progress",
      "plain",
      ...args,
    ],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stackBytes(root: string): Promise<Map<string, Uint8Array>> {
  const map = new Map<string, Uint8Array>();
  for (const file of await listFiles(`${root}/raw_data`)) {
    if (file.endsWith(".mrc") || file.endsWith("_coord.txt")) {
      map.set(file, await Deno.readFile(`${root}/raw_data/${file}`));
    }
  }
  return map;
}

/**
 * Starts a run and interrupts it mid-way. `embedded`: the embedded engine and Chimera servers
 * (use_common_model false); else the fake engine (TEST DOUBLE) slowed down.
 */
async function interruptedRun(signal: "SIGINT" | "SIGTERM", embedded: boolean) {
  const dir = await Deno.makeTempDir({ prefix: `ets-interrupt-${signal}-` });
  const keys: Record<string, string> = { num_stacks: "5", workers: "2" };
  if (!embedded) {
    // an engine that never finishes by itself (10 min per tilt): the signal always lands mid-run
    const engine = await writeFakeEngine(dir, { FAKE_ENGINE_SLEEP_MS: "600000" });
    keys.tem_simulator_executable = `"${engine}"`;
  }
  const configPath = await writeProject(dir, {
    keys,
    custom: { use_common_model: embedded ? "false" : "true" },
    detector: embedded ? 128 : 96,
    tilts: embedded ? 7 : 3,
  });
  const root = `${dir}/root`;
  const child = generate(configPath, []);
  const output = Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  // Embedded: wait until one stack is done and two engines are running again. Fake engine:
  // until both workers run their (never-ending) engine.
  await waitFor(async () => {
    try {
      const log = await Deno.readTextFile(`${root}/Test.log`);
      const engines = (log.match(/running the engine/g) ?? []).length;
      return embedded ? /Stack \d done/.test(log) && engines >= 3 : engines >= 2;
    } catch {
      return false;
    }
  }, 60_000);
  assert((await processesMentioning(root)).length > 0, "engines run before the signal");
  const sent = performance.now();
  child.kill(signal);
  const status = await child.status;
  const stopped = performance.now() - sent;
  const [stdout, stderr] = await output;
  return { dir, configPath, root, status, stopped, stdout, stderr };
}

Deno.test("generate: SIGINT stops everything; --resume finishes with the same bytes", async () => {
  // The embedded engine and Chimera servers: every child process must be gone.
  const run = await interruptedRun("SIGINT", true);
  try {
    assertEquals(run.status.code, 130, run.stderr);
    // how fast is a measurement, not a pass/fail window (machines may be loaded)
    console.log(`stopped ${run.stopped.toFixed(0)} ms after the signal`);
    assertStringIncludes(run.stderr, "--resume");
    const left = await processesMentioning(run.root);
    assertEquals(left, [], "no child process left");
    // The metadata is consistent: valid JSON, every planned stack, done or pending.
    const metadata = JSON.parse(await Deno.readTextFile(`${run.root}/sim_metadata.json`));
    assertEquals(metadata.length, 5);
    const done = metadata.filter((r: { status: string }) => r.status === "done").map((
      r: { global_stack_no: number },
    ) => r.global_stack_no);
    assert(done.length >= 1 && done.length < 5, `some stacks done: ${done}`);
    for (const record of metadata) assert(["done", "pending"].includes(record.status));
    // Temp dirs are gone; only complete stacks are in raw_data.
    const rootNames = [...Deno.readDirSync(run.root)].map((e) => e.name).sort();
    assertEquals(rootNames, [
      "Test.log",
      "dataset_fingerprint.json",
      "raw_data",
      "sim_metadata.json",
    ]);
    assertStringIncludes(await Deno.readTextFile(`${run.root}/Test.log`), "Interrupted by SIGINT");
    const stackDirs = [...Deno.readDirSync(`${run.root}/raw_data`)].map((e) => e.name).sort();
    assertEquals(stackDirs, done.map((id: number) => `Test_${id}`).sort());

    const resumed = generate(run.configPath, ["--resume"]);
    const [resumedOut, resumedErr] = await Promise.all([
      new Response(resumed.stdout).text(),
      new Response(resumed.stderr).text(),
    ]);
    assertEquals((await resumed.status).code, 0, resumedErr);
    assertStringIncludes(resumedOut, "5/5 stack(s) complete");
    assertStringIncludes(resumedOut, `(${done.length} kept from before)`);

    const fresh = generate(run.configPath, ["--root", `${run.dir}/fresh`]);
    const [, freshErr] = await Promise.all([
      new Response(fresh.stdout).text(),
      new Response(fresh.stderr).text(),
    ]);
    assertEquals((await fresh.status).code, 0, freshErr);
    const a = await stackBytes(run.root);
    const b = await stackBytes(`${run.dir}/fresh`);
    assertEquals([...a.keys()], [...b.keys()]);
    assertEquals(a.size, 5 * 4); // 2 MRCs, particle and fiducial coordinates per stack
    for (const [name, bytes] of a) assertEquals(bytes, b.get(name), name);
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("generate: SIGTERM stops the run with exit 143 and no child left", async () => {
  const run = await interruptedRun("SIGTERM", false);
  try {
    assertEquals(run.status.code, 143, run.stderr);
    // how fast is a measurement, not a pass/fail window (machines may be loaded)
    console.log(`stopped ${run.stopped.toFixed(0)} ms after the signal`);
    assertEquals(await processesMentioning(run.root), []);
    JSON.parse(await Deno.readTextFile(`${run.root}/sim_metadata.json`));
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

/**
 * The sandbox as an adversary tries it (issue #12): `ets generate` started with `-A` re-runs
 * itself under the grants its config implies; engine-template files outside the config's folder
 * are refused unless granted with --allow-dir, without a byte of them echoed; a root in a system
 * folder is refused and never created (not even the folder, under --dry-run); a symbolic link
 * planted at the log's name is refused; SIGHUP stops a run like SIGTERM, leaving no temp folder.
 */
import { assert, assertEquals, assertStringIncludes } from "../lib/testing/mod.ts";
import { pathExists, REPO, writeFakeEngine, writeProject } from "./generate_test_helpers.ts";

const decoder = new TextDecoder();

function spawnGenerate(args: string[], cwd: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO}/main.ts`, "generate", "--progress", "none", ...args],
    cwd,
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function generate(args: string[], cwd: string) {
  const out = await spawnGenerate(args, cwd).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A project run by the fake engine through a wrapper that records its parent's command line. */
async function project(dir: string, keys: Record<string, string> = {}) {
  const fake = await writeFakeEngine(dir, { FAKE_ENGINE_SLEEP_MS: keys.sleep ?? "0" });
  delete keys.sleep;
  const wrapper = `${dir}/recording-engine`;
  await Deno.writeTextFile(
    wrapper,
    `#!/bin/sh\ntr '\\000' '\\n' < /proc/$PPID/cmdline > '${dir}/parent-cmdline'\nexec '${fake}' "$@"\n`,
  );
  await Deno.chmod(wrapper, 0o755);
  return await writeProject(dir, {
    keys: {
      num_stacks: "1",
      num_cores: "1",
      tem_simulator_executable: `"${wrapper}"`,
      ...keys,
    },
  });
}

Deno.test("sandbox: generate started with -A runs its work under the config's scoped grants", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-sandbox-scoped-" }));
  const config = await project(dir);
  const out = await generate(["-i", config], dir);
  assertEquals(out.code, 0, out.stderr);
  const flags = (await Deno.readTextFile(`${dir}/parent-cmdline`)).split("\n");
  for (const broad of ["-A", "--allow-all", "--allow-read", "--allow-write", "--allow-run"]) {
    assert(!flags.includes(broad), `the generate process has ${broad}: ${flags.join(" ")}`);
  }
  const write = flags.find((flag) => flag.startsWith("--allow-write="))!.slice(14).split(",");
  assertEquals(write[0], `${dir}/root`);
  assertEquals(write.length, 2, `root and a private temp folder: ${write}`);
  assert(write[1]!.includes("/ets-run-"), write[1]);
  const read = flags.find((flag) => flag.startsWith("--allow-read="))!.slice(13).split(",");
  assert(!read.includes("/") && !read.some((path) => path.startsWith("/etc")), read.join(","));
  assert(flags.includes("--allow-net=127.0.0.1,localhost"), flags.join(" "));
  assert(flags.includes("--cached-only") && flags.includes("--frozen"), flags.join(" "));
  // the private temp folder is gone after the run
  assert(!(await pathExists(write[1]!)), `${write[1]} was left behind`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sandbox: an engine-template file outside the config's folder needs --allow-dir", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-sandbox-tmpl-" }));
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-sandbox-secret-" }));
  const secret = "root:SECRET-HASH-0123456789:19000:0:99999:7:::";
  await Deno.writeTextFile(`${outside}/shadow`, `${secret}\n`);
  const config = await project(dir);
  const sim = (await Deno.readTextFile(`${dir}/sim.txt`))
    .replace("geom_errors = random", `geom_errors = file\nerror_file_in = ${outside}/shadow`);
  await Deno.writeTextFile(`${dir}/sim.txt`, sim);
  const refused = await generate(["-i", config], dir);
  assertEquals(refused.code, 2, refused.stderr);
  const lines = refused.stderr.trim().split("\n");
  assertEquals(lines.length, 1, refused.stderr);
  assertStringIncludes(lines[0]!, '"error_file_in" names');
  assertStringIncludes(lines[0]!, `--allow-dir ${outside}`);
  assert(!refused.stderr.includes("SECRET") && !refused.stdout.includes("SECRET"));
  assert(!(await pathExists(`${dir}/root`)), "nothing was written");
  // a symbolic link inside the config's folder pointing out of it is refused too
  await Deno.symlink(outside, `${dir}/tables`);
  await Deno.writeTextFile(`${dir}/sim.txt`, sim.replace(`${outside}/shadow`, "tables/shadow"));
  const linked = await generate(["-i", config, "--dry-run"], dir);
  assertEquals(linked.code, 2, linked.stderr);
  assertStringIncludes(linked.stderr, `really "${outside}/shadow"`);
  // granted: the folder check passes; validation then judges the table and quotes at most a
  // short excerpt of it, never the line
  const granted = await generate(["-i", config, "--dry-run", "--allow-dir", outside], dir);
  assertEquals(granted.code, 2, granted.stderr);
  assert(!granted.stderr.includes("--allow-dir"), granted.stderr);
  assert(!granted.stderr.includes(secret) && !granted.stdout.includes(secret), granted.stderr);
  assert(!(await pathExists(`${dir}/root`)), "a dry run creates nothing");
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(outside, { recursive: true });
});

Deno.test("sandbox: a root in a system folder is refused and never created", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-sandbox-root-" }));
  const config = await project(dir);
  for (const root of ["/etc/ets-sandbox-test", "/usr/ets-sandbox-test", "/"]) {
    const out = await generate(["-i", config, "--root", root, "--dry-run"], dir);
    assertEquals(out.code, 2, out.stderr);
    assertEquals(out.stderr.trim().split("\n").length, 1, out.stderr);
    assertStringIncludes(out.stderr, "Cannot use the root");
    if (root !== "/") assert(!(await pathExists(root)), `${root} was created`);
  }
  // a root outside the config's folder elsewhere is fine, and a dry run does not create it
  const elsewhere = `${await Deno.realPath(await Deno.makeTempDir())}/scratch/run1`;
  const dry = await generate(["-i", config, "--root", elsewhere, "--dry-run"], dir);
  assertEquals(dry.code, 0, dry.stderr);
  assert(!(await pathExists(elsewhere)), "the dry run created the root");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sandbox: a symbolic link planted at the log's name is not followed", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-sandbox-log-" }));
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-sandbox-victim-" }));
  await Deno.writeTextFile(`${outside}/victim`, "untouched\n");
  const config = await project(dir);
  await Deno.mkdir(`${dir}/root`);
  await Deno.symlink(`${outside}/victim`, `${dir}/root/Test.log`);
  const out = await generate(["-i", config], dir);
  assertEquals(out.code, 2, out.stderr);
  assertStringIncludes(out.stderr, "symbolic link");
  assertEquals(await Deno.readTextFile(`${outside}/victim`), "untouched\n");
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(outside, { recursive: true });
});

Deno.test("sandbox: SIGHUP stops a run like SIGTERM, temp folders removed", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-sandbox-hup-" }));
  const config = await project(dir, { sleep: "400", num_stacks: "2" });
  const child = spawnGenerate(["-i", config], dir);
  // the engine has started once the wrapper recorded its parent (wholly: up to the last line)
  let recorded = "";
  while (!/\ngenerate\n/.test(recorded)) {
    await new Promise((r) => setTimeout(r, 50));
    recorded = await Deno.readTextFile(`${dir}/parent-cmdline`).catch(() => "");
  }
  const flags = recorded.split("\n");
  const temp = flags.find((flag) => flag.startsWith("--allow-write="))!.split(",")[1]!;
  child.kill("SIGHUP");
  const out = await child.output();
  assertEquals(out.code, 143, decoder.decode(out.stderr));
  const left = (await Array.fromAsync(Deno.readDir(`${dir}/root`))).map((e) => e.name);
  assert(!left.some((name) => name.startsWith("temp_w")), left.join(", "));
  assert(!(await pathExists(temp)), `${temp} was left behind`);
  await Deno.remove(dir, { recursive: true });
});

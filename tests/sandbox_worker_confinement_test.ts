/**
 * The compiled binary's confinement (issue #12), taken from source with the internal
 * `ETS_CONFINE=worker`: a `-A` generate runs its body in a Web Worker holding exactly the grants
 * of the scoped re-run (lib/platform/confined_run.ts), and starts its engine and Chimera children
 * as the compiled binary does — broad bootstrap grants, the child's grants as flags before the
 * subcommand — which run their own body confined the same way. Checked: the same bytes as the
 * re-run path, the same grants seen from inside (a probe assembler queries them), children's
 * command lines (strace, when installed; required when CI=true), children refused outside their
 * grants, signals.
 */
import { BOOTSTRAP_PERMISSION_FLAGS } from "../lib/platform/mod.ts";
import { assert, assertEquals, assertStringIncludes, findProgram } from "../lib/testing/mod.ts";
import {
  pathExists,
  REPO,
  tinySimTxt,
  writeFakeEngine,
  writeProject,
} from "./generate_test_helpers.ts";

const decoder = new TextDecoder();
const MAIN = `${REPO}/main.ts`;

const strace = Deno.build.os === "linux" ? await findProgram("strace") : undefined;
const ci = (Deno.env.get("CI") ?? "") === "true";

interface Run {
  /** Take the worker path (ETS_CONFINE=worker) instead of the scoped re-run. */
  worker: boolean;
  /** Trace every execve into this file. */
  trace?: string;
}

function generateCommand(args: string[], cwd: string, run: Run): Deno.Command {
  const deno = [
    Deno.execPath(),
    "run",
    "-A",
    "--unstable-worker-options",
    "--quiet",
    MAIN,
    "generate",
    "--progress",
    "none",
    ...args,
  ];
  const argv = run.trace === undefined
    ? deno
    : [strace!, "-f", "-qq", "-e", "trace=execve", "-s", "65536", "-o", run.trace, ...deno];
  return new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    cwd,
    env: { DENO_NO_UPDATE_CHECK: "1", ...(run.worker ? { ETS_CONFINE: "worker" } : {}) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

async function generate(args: string[], cwd: string, run: Run) {
  const out = await generateCommand(args, cwd, run).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** The argv of every successful execve of an strace log. */
function execves(trace: string): string[][] {
  const calls: string[][] = [];
  for (const line of trace.split("\n")) {
    const match = /execve\("[^"]*", \[(.*)\], (?:0x[0-9a-f]+|\[)/.exec(line);
    if (match === null || !/= 0$/.test(line.trim())) continue;
    calls.push([...match[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!));
  }
  return calls;
}

/** The value list of `--allow-NAME=…` in `flags`, undefined when absent. */
function granted(flags: string[], name: string): string[] | undefined {
  const flag = flags.find((arg) => arg.startsWith(`--allow-${name}=`));
  return flag?.slice(`--allow-${name}=`.length).split(",");
}

Deno.test("worker confinement: generate writes the re-run's bytes; children start as the compiled binary's", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-confine-e2e-" }));
  const config = await writeProject(dir, {
    keys: { num_stacks: "1", num_cores: "1" },
    detector: 64,
    tilts: 2,
  });
  const rerun = await generate(["-i", config, "--root", `${dir}/rerun`], dir, { worker: false });
  assertEquals(rerun.code, 0, rerun.stderr);
  const traced = strace !== undefined;
  assert(traced || !ci, "CI=true needs strace (apt-get install strace)");
  const trace = `${dir}/execve.trace`;
  const confined = await generate(["-i", config, "--root", `${dir}/worker`], dir, {
    worker: true,
    trace: traced ? trace : undefined,
  });
  assertEquals(confined.code, 0, confined.stderr);
  assertStringIncludes(confined.stdout, "1/1 stack(s) complete");
  for (
    const file of [
      "Test_0.mrc",
      "Test_0_nonoise.mrc",
      "Test_0_particles.csv",
      "Test_0_tilts.csv",
      "Test_0.tlt",
      "preview.png",
    ]
  ) {
    const a = await Deno.readFile(`${dir}/rerun/raw_data/Test_0/${file}`);
    const b = await Deno.readFile(`${dir}/worker/raw_data/Test_0/${file}`);
    assertEquals(b, a, `${file} differs between the re-run and the worker path`);
  }
  if (traced) {
    const calls = execves(await Deno.readTextFile(trace));
    // the worker path never re-runs generate
    const generates = calls.filter((argv) => argv.includes("generate"));
    assertEquals(generates.length, 1, generates.map((argv) => argv.join(" ")).join("\n"));
    const children = calls.filter((argv) =>
      argv[0] === Deno.execPath() &&
      (argv.includes("tem-simulator") || argv.includes("chimera-server"))
    );
    const engines = children.filter((argv) => argv.includes("tem-simulator"));
    assert(engines.length >= 1 && children.length > engines.length, "an engine and a server");
    for (const argv of children) {
      const main = argv.indexOf(MAIN);
      const subcommand = argv.findIndex((arg, i) =>
        i > main && (arg === "tem-simulator" || arg === "chimera-server")
      );
      // the process holds the compiled binary's grants; its body only what follows main.ts
      for (const flag of BOOTSTRAP_PERMISSION_FLAGS) {
        assert(argv.slice(0, main).includes(flag), flag);
      }
      assert(argv.slice(0, main).includes("--unstable-worker-options"), argv.join(" "));
      const grants = argv.slice(main + 1, subcommand);
      assert(
        grants.length > 0 && grants.every((flag) => flag.startsWith("--allow-")),
        grants.join(" "),
      );
      const read = granted(grants, "read") ?? [];
      assert(read.includes(`${dir}/worker`), read.join(","));
      assert(!read.some((path) => path === "/" || path.startsWith("/etc")), read.join(","));
      assertEquals(granted(grants, "write"), [`${dir}/worker`]);
      assertEquals(granted(grants, "run"), undefined, "children run nothing");
      assertEquals(
        granted(grants, "net"),
        argv[subcommand] === "chimera-server" ? ["127.0.0.1", "localhost"] : undefined,
      );
    }
  }
  await Deno.remove(dir, { recursive: true });
});

/** A user assembler (docs/assemblers.md) that reports what its code may touch. */
function probeAssembler(report: string, paths: Record<string, string>): string {
  return `
const paths = ${JSON.stringify(paths)};
export const usesChimera = false;
export default class Probe {
  constructor(context, options) {}
  async setUpTiltSeries(sim) {
    const state = async (descriptor) => (await Deno.permissions.query(descriptor)).state;
    const seen = {};
    for (const [name, path] of Object.entries(paths)) {
      seen["read " + name] = await state({ name: "read", path });
      seen["write " + name] = await state({ name: "write", path });
    }
    seen["env HOME"] = await state({ name: "env", variable: "HOME" });
    seen["env USER"] = await state({ name: "env", variable: "USER" });
    seen["run /bin/sh"] = await state({ name: "run", command: "/bin/sh" });
    seen["net example.com"] = await state({ name: "net", host: "example.com:443" });
    seen["net 127.0.0.1"] = await state({ name: "net", host: "127.0.0.1:1" });
    seen["sys hostname"] = await state({ name: "sys", kind: "hostname" });
    seen["ffi"] = await state({ name: "ffi" });
    try {
      await Deno.readTextFile(paths.secret);
      seen["read the secret"] = "read";
    } catch (error) {
      seen["read the secret"] = error.name;
    }
    await Deno.writeTextFile(${JSON.stringify(report)}, JSON.stringify(seen));
  }
  async resetTempDir() {}
  async close() {}
}
`;
}

Deno.test("worker confinement: the confined body holds exactly the re-run's grants", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-confine-probe-" }));
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-confine-outside-" }));
  const secret = "root:CONFINED-SECRET-42:19000:0:99999:7:::";
  await Deno.writeTextFile(`${outside}/shadow`, `${secret}\n`);
  const fake = await writeFakeEngine(dir);
  const seen: Record<string, string>[] = [];
  for (const worker of [false, true]) {
    const root = `${dir}/root-${worker ? "worker" : "rerun"}`;
    await Deno.writeTextFile(
      `${dir}/probe.js`,
      probeAssembler(`${root}/probe.json`, {
        etc: "/etc",
        outside,
        secret: `${outside}/shadow`,
        root,
        "config folder": dir,
        home: Deno.env.get("HOME") ?? "/root",
      }),
    );
    const config = await writeProject(dir, {
      keys: {
        num_stacks: "1",
        num_cores: "1",
        assembler: '"probe.js"',
        tem_simulator_executable: `"${fake}"`,
      },
    });
    const out = await generate(["-i", config, "--root", root], dir, { worker });
    assertEquals(out.code, 0, out.stderr);
    assert(!out.stdout.includes("CONFINED-SECRET") && !out.stderr.includes("CONFINED-SECRET"));
    seen.push(JSON.parse(await Deno.readTextFile(`${root}/probe.json`)));
  }
  // "denied" once a check failed, "prompt" before: either way not granted
  const [rerun, worker] = (seen as [Record<string, string>, Record<string, string>]).map((
    answers,
  ) =>
    Object.fromEntries(
      Object.entries(answers).map(([key, state]) => [key, state === "denied" ? "prompt" : state]),
    )
  ) as [Record<string, string>, Record<string, string>];
  for (const key of ["read etc", "read outside", "write outside", "write config folder"]) {
    assertEquals(worker[key], "prompt", `${key}: ${JSON.stringify(worker)}`);
  }
  for (const key of ["env USER", "run /bin/sh", "net example.com", "sys hostname", "ffi"]) {
    assertEquals(worker[key], "prompt", `${key}: ${JSON.stringify(worker)}`);
  }
  assertEquals(worker["read the secret"], "NotCapable");
  assertEquals(worker["read root"], "granted");
  assertEquals(worker["write root"], "granted");
  assertEquals(worker["net 127.0.0.1"], "granted");
  // the same answers as under the re-run's flags (the roots differ by name only)
  assertEquals(worker, rerun);
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(outside, { recursive: true });
});

Deno.test("worker confinement: a child started as the compiled binary starts it stays in its grants", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-confine-child-" }));
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-confine-elsewhere-" }));
  const sim = tinySimTxt({ detector: 16, tilts: 1 });
  await Deno.writeTextFile(`${dir}/in.txt`, sim);
  await Deno.writeTextFile(
    `${dir}/log_outside.txt`,
    sim.replace("log_file = simulator.log", `log_file = ${outside}/simulator.log`),
  );
  await Deno.writeTextFile(`${outside}/in.txt`, sim);
  const child = async (grants: string[], input: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "--frozen",
        "--cached-only",
        ...BOOTSTRAP_PERMISSION_FLAGS,
        "--unstable-worker-options",
        MAIN,
        ...grants,
        "tem-simulator",
        input,
      ],
      env: { DENO_NO_UPDATE_CHECK: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: decoder.decode(out.stderr) };
  };
  const grants = [`--allow-read=${dir},${REPO}`, `--allow-write=${dir}`, "--allow-env=HOME"];
  // inside its grants it runs
  const ok = await child(grants, `${dir}/in.txt`);
  assertEquals(ok.code, 0, ok.stderr);
  assert(await pathExists(`${dir}/tiltseries.mrc`));
  // the process may write anywhere, its body may not
  const write = await child(grants, `${dir}/log_outside.txt`);
  assertEquals(write.code, 1, write.stderr);
  assertStringIncludes(write.stderr, `Requires read access to "${outside}`);
  assert(!(await pathExists(`${outside}/simulator.log`)), "the child wrote outside its grants");
  const read = await child(grants, `${outside}/in.txt`);
  assertEquals(read.code, 2, read.stderr);
  assertEquals(read.stderr.trim().split("\n").length, 1, read.stderr);
  assertStringIncludes(read.stderr, `Requires read access to "${outside}/in.txt"`);
  // only the exact grant form may come before the subcommand
  const broad = await child(["--allow-read", ...grants], `${dir}/in.txt`);
  assertEquals(broad.code, 2, broad.stderr);
  assertStringIncludes(broad.stderr, 'Cannot confine the command to "--allow-read"');
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(outside, { recursive: true });
});

Deno.test("worker confinement: SIGINT and SIGHUP stop the confined run as on the re-run path", async () => {
  for (const [signal, code] of [["SIGINT", 130], ["SIGHUP", 143]] as const) {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-confine-signal-" }));
    const fake = await writeFakeEngine(dir, { FAKE_ENGINE_SLEEP_MS: "400" });
    const wrapper = `${dir}/recording-engine`;
    await Deno.writeTextFile(
      wrapper,
      `#!/bin/sh\nprintf '%s\\n' "$TMPDIR" > '${dir}/engine-tmpdir.part'\n` +
        `mv '${dir}/engine-tmpdir.part' '${dir}/engine-tmpdir'\nexec '${fake}' "$@"\n`,
    );
    await Deno.chmod(wrapper, 0o755);
    const config = await writeProject(dir, {
      keys: { num_stacks: "2", num_cores: "1", tem_simulator_executable: `"${wrapper}"` },
    });
    const child = generateCommand(["-i", config], dir, { worker: true }).spawn();
    // the engine has started once the wrapper recorded the run's private temp folder
    let temp = "";
    while (temp === "") {
      await new Promise((r) => setTimeout(r, 50));
      temp = (await Deno.readTextFile(`${dir}/engine-tmpdir`).catch(() => "")).trim();
    }
    assertStringIncludes(temp, "/ets-run-");
    child.kill(signal);
    const out = await child.output();
    assertEquals(out.code, code, `${signal}: ${decoder.decode(out.stderr)}`);
    const left = (await Array.fromAsync(Deno.readDir(`${dir}/root`))).map((e) => e.name);
    assert(!left.some((name) => name.startsWith("temp_w")), left.join(", "));
    assert(!(await pathExists(temp)), `${temp} was left behind`);
    await Deno.remove(dir, { recursive: true });
  }
});

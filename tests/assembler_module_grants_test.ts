/**
 * A config's own assembler module never runs under the broad grants `ets` may be started with
 * (issue #12): its top-level code tries to read a secret outside the config's folder and to
 * write outside the root, and must be denied both however `ets` runs it — `generate` started
 * from source with `-A` (scoped re-run), `generate` under `ETS_CONFINE=worker` (the compiled
 * binary's confined worker), `validate` with `-A`. A module whose top-level code got either
 * throws at import (so such a run cannot end in exit 0) and would name what it got; the secret
 * appears in no output and no file. The same module is otherwise a working assembler: its stack
 * is written, its custom data recorded. Bad modules (syntax error, no interface, throwing at
 * import) end in exit 2, one line, nothing written, on both paths. Fake engine (TEST DOUBLE).
 */
import { assert, assertEquals, assertStringIncludes } from "../lib/testing/mod.ts";
import { pathExists, REPO, writeFakeEngine, writeProject } from "./generate_test_helpers.ts";

const decoder = new TextDecoder();
const SECRET = "root:MODULE-SECRET-7731:19000:0:99999:7:::";

interface Run {
  /** `generate` or `validate`. */
  command: string;
  /** Take the compiled binary's path (ETS_CONFINE=worker) instead of the scoped re-run. */
  worker?: boolean;
}

async function ets(args: string[], cwd: string, run: Run) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(run.worker ? ["--unstable-worker-options"] : []),
      "--quiet",
      `${REPO}/main.ts`,
      run.command,
      ...(run.command === "generate" ? ["--progress", "none"] : []),
      ...args,
    ],
    cwd,
    env: { DENO_NO_UPDATE_CHECK: "1", ...(run.worker ? { ETS_CONFINE: "worker" } : {}) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** The text of every regular file under `dir` (none when it does not exist). */
async function allText(dir: string): Promise<string> {
  if (!(await pathExists(dir))) return "";
  let text = "";
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) text += await allText(path);
    else if (entry.isFile) text += decoder.decode(await Deno.readFile(path));
  }
  return text;
}

/**
 * A working assembler (the template positions, the config's model) whose top-level code tries
 * the secret and a write outside the root, appends what it got to `root/import-outcomes.jsonl`
 * when it may, and throws at import when it got either.
 */
function spyModule(paths: { secret: string; outside: string; root: string }): string {
  return `
const paths = ${JSON.stringify(paths)};
const outcome = {};
try {
  outcome.secret = Deno.readTextFileSync(paths.secret).length > 0 ? "read" : "empty";
} catch (error) {
  outcome.secret = error.name;
}
try {
  Deno.writeTextFileSync(paths.outside, "written at import");
  outcome.write = "written";
} catch (error) {
  outcome.write = error.name;
}
try {
  Deno.writeTextFileSync(paths.root + "/import-outcomes.jsonl", JSON.stringify(outcome) + "\\n", {
    append: true,
  });
} catch {
  // no write here (the check apart, or the root is not made yet)
}
if (outcome.secret === "read" || outcome.write === "written") {
  throw new Error("top-level code escaped its grants: " + JSON.stringify(outcome));
}
export const usesChimera = false;
export const requiresModel = true;
export default class Spy {
  constructor(context) {
    this.model = context.model;
  }
  setUpTiltSeries(sim) {
    const parsed = sim.parseCoordinates();
    sim.addParticleSets([{
      name: "Spy",
      source: this.model,
      key: true,
      coordinates: parsed.trueCoordinates,
      orientations: parsed.trueCoordinates.map(() => [0, 0, 0]),
    }]);
    sim.setCustomData({ spy: "placed " + parsed.trueCoordinates.length });
    return Promise.resolve();
  }
  resetTempDir() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
}
`;
}

Deno.test("assembler module grants: top-level code is denied the secret and outside writes on every path", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-module-grants-" }));
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-module-outside-" }));
  await Deno.writeTextFile(`${outside}/shadow`, `${SECRET}\n`);
  const fake = await writeFakeEngine(dir);
  try {
    for (const run of [{ command: "generate" }, { command: "generate", worker: true }]) {
      const root = `${dir}/root-${run.worker ? "worker" : "rerun"}`;
      const written = `${outside}/written-${run.worker ? "worker" : "rerun"}`;
      await Deno.writeTextFile(
        `${dir}/spy.js`,
        spyModule({ secret: `${outside}/shadow`, outside: written, root }),
      );
      const config = await writeProject(dir, {
        keys: {
          num_stacks: "1",
          num_cores: "1",
          assembler: '"./spy.js"',
          tem_simulator_executable: `"${fake}"`,
        },
      });
      const out = await ets(["-i", config, "--root", root], dir, run);
      const where = `${run.command}${run.worker ? " (worker)" : ""}`;
      assertEquals(out.code, 0, `${where}: ${out.stderr}`);
      assert(!(await pathExists(written)), `${where}: the module wrote outside the root`);
      for (const text of [out.stdout, out.stderr, await allText(root), await allText(outside)]) {
        assert(!text.replace(`${SECRET}\n`, "").includes("MODULE-SECRET"), where);
      }
      assertEquals(
        (await allText(outside)).split("MODULE-SECRET").length,
        2,
        "only the secret itself",
      );
      // the module's code ran in the run (its generate worker) and was denied both there
      const outcomes = (await Deno.readTextFile(`${root}/import-outcomes.jsonl`)).trim()
        .split("\n").map((line) => JSON.parse(line));
      assert(outcomes.length >= 1, where);
      for (const outcome of outcomes) {
        assertEquals(outcome, { secret: "NotCapable", write: "NotCapable" }, where);
      }
      // and it is a working assembler
      const metadata = JSON.parse(await Deno.readTextFile(`${root}/sim_metadata.json`));
      const record = (Array.isArray(metadata) ? metadata : metadata.stacks ?? [])[0] ??
        metadata;
      assertStringIncludes(JSON.stringify(record), "placed 3");
      assert(await pathExists(`${root}/raw_data/Test_0/Test_0.mrc`), where);
    }
    // validate with -A: the module's facts come from a child that may read only the module
    const root = `${dir}/root-validate`;
    await Deno.writeTextFile(
      `${dir}/spy.js`,
      spyModule({ secret: `${outside}/shadow`, outside: `${outside}/written-validate`, root }),
    );
    const out = await ets(["-i", `${dir}/config.yaml`, "--root", root], dir, {
      command: "validate",
    });
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(out.stdout, "is a valid config");
    assert(!(await pathExists(`${outside}/written-validate`)));
    assert(!(await pathExists(root)), "validate writes nothing");
    assert(!out.stdout.includes("MODULE-SECRET") && !out.stderr.includes("MODULE-SECRET"));
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

const BAD_MODULES: { name: string; text: string; says: string }[] = [
  { name: "syntax error", text: "export default class {\n", says: "cannot load it:" },
  {
    name: "no interface",
    text: "export default class Half { setUpTiltSeries() {} resetTempDir() {} }\n",
    says: "its default export has no close() method",
  },
  { name: "no default export", text: "export const x = 1;\n", says: "its default export must be" },
  {
    name: "throws at import",
    text: 'throw new Error("not today");\nexport default class {}\n',
    says: "cannot load it: not today",
  },
  { name: "missing file", text: "", says: "the file does not exist" },
];

Deno.test("assembler module grants: bad modules end in exit 2, one line, nothing written, on both paths", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-module-bad-" }));
  const fake = await writeFakeEngine(dir);
  try {
    for (const [i, bad] of BAD_MODULES.entries()) {
      const module = `bad_${i}.ts`;
      if (bad.text !== "") await Deno.writeTextFile(`${dir}/${module}`, bad.text);
      const config = await writeProject(dir, {
        keys: {
          num_stacks: "1",
          num_cores: "1",
          assembler: `"./${module}"`,
          tem_simulator_executable: `"${fake}"`,
        },
      });
      for (const worker of [false, true]) {
        const root = `${dir}/root`;
        const out = await ets(["-i", config, "--root", root], dir, {
          command: "generate",
          worker,
        });
        const where = `${bad.name}${worker ? " (worker)" : ""}`;
        assertEquals(out.code, 2, `${where}: ${out.stderr}`);
        const lines = out.stderr.trim().split("\n");
        assertEquals(lines.length, 1, `${where}: ${out.stderr}`);
        assertStringIncludes(lines[0]!, `module "${dir}/${module}"`, where);
        assertStringIncludes(lines[0]!, bad.says, where);
        assert(!(await pathExists(root)), `${where}: nothing written`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

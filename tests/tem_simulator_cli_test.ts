/**
 * End-to-end: `ets tem-simulator FILE` on bad input exits 2 with one line on stderr and writes
 * nothing.
 */
import { assert, assertEquals } from "../lib/testing/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CASE = new URL("./fixtures/tem/single_pdb/", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  before: string[];
  after: string[];
}

async function listing(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

/**
 * Runs `ets tem-simulator sim.txt ...extra` in a fresh copy of the single_pdb case whose sim.txt
 * is edited by `edit` and whose other files are replaced by `files`.
 */
async function runCase(
  edit: (text: string) => string,
  files: Record<string, string | null> = {},
  extra: string[] = [],
): Promise<Run> {
  const dir = await Deno.makeTempDir({ prefix: "ets_tem_cli_" });
  try {
    for (const name of ["1tii.pdb", "tii_coord.txt"]) {
      await Deno.copyFile(`${CASE}${name}`, `${dir}/${name}`);
    }
    await Deno.writeTextFile(`${dir}/sim.txt`, edit(await Deno.readTextFile(`${CASE}sim.txt`)));
    for (const [name, text] of Object.entries(files)) {
      if (text === null) await Deno.remove(`${dir}/${name}`);
      else await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    const before = await listing(dir);
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        "--unstable-worker-options",
        MAIN,
        "tem-simulator",
        "sim.txt",
        ...extra,
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
      before,
      after: await listing(dir),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function replaceLine(from: string, to: string): (text: string) => string {
  return (text) => {
    assert(text.includes(from), `sim.txt has no "${from}"`);
    return text.replace(from, to);
  };
}

const BAD_INPUTS: { title: string; run: () => Promise<Run>; message: string }[] = [
  {
    title: "a real number for an integer parameter",
    run: () => runCase(replaceLine("det_pix_x = 256", "det_pix_x = 6.4e1")),
    message: 'Cannot read "sim.txt": line 49: "det_pix_x" must be an integer, got "6.4e1"',
  },
  {
    title: "an unknown parameter",
    run: () => runCase(replaceLine("mtf_beta = 40", "mtf_gamma = 40")),
    message:
      'Cannot read "sim.txt": line 59: unknown parameter "mtf_gamma" in component "detector"',
  },
  {
    title: "an unknown component",
    run: () => runCase(replaceLine("=== optics ===", "=== optic ===")),
    message: 'Cannot read "sim.txt": line 38: unknown component "optic" (known: simulation, ' +
      "detector, electronbeam, geometry, optics, particle, particleset, sample, volume, end)",
  },
  {
    title: "a missing required value",
    run: () => runCase(replaceLine("dqe = 0.4\n", "\n")),
    message: 'Cannot read "sim.txt": line 48: component "detector" needs "dqe"',
  },
  {
    title: "an out-of-range value",
    run: () => runCase(replaceLine("dqe = 0.4", "dqe = 4")),
    message: 'Cannot read "sim.txt": line 54: "dqe" must be between 0.01 and 1, got "4"',
  },
  {
    title: "a missing input file",
    run: () => runCase((text) => text, { "1tii.pdb": null }),
    message: 'Cannot read "sim.txt": line 14: "pdb_file_in" names a missing file "1tii.pdb"',
  },
  {
    title: "a malformed coordinate table",
    run: () => runCase((text) => text, { "tii_coord.txt": "1 6\n0 0 0 0 0\n" }),
    message:
      'Cannot read "tii_coord.txt": line 2: expected 6 numbers (the header\'s column count), got 5',
  },
  {
    title: "a missing output folder",
    run: () =>
      runCase(replaceLine("image_file_out = tiltseries.mrc", "image_file_out = out/t.mrc")),
    message: 'Cannot read "sim.txt": line 60: "image_file_out": the folder "out" does not exist',
  },
];

Deno.test("bad input exits 2 with one line on stderr and leaves no output", async () => {
  const runs = await Promise.all(BAD_INPUTS.map((input) => input.run()));
  for (const [index, run] of runs.entries()) {
    const { title, message } = BAD_INPUTS[index]!;
    assertEquals(run.stderr, `ets: ${message}\n`, title);
    assertEquals(run.code, 2, title);
    assertEquals(run.after, run.before, title);
  }
});

Deno.test("a missing input file or a bad --threads exits 2", async () => {
  const threads = await runCase((text) => text, {}, ["--threads", "0"]);
  assertEquals(threads.code, 2);
  assert(threads.stderr.includes('"0" is not a number of threads'), threads.stderr);
  assertEquals(threads.after, threads.before);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, "tem-simulator", "/nonexistent/sim.txt"],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assertEquals(output.code, 2);
  assertEquals(
    new TextDecoder().decode(output.stderr),
    'ets: Cannot read "/nonexistent/sim.txt": no such file\n',
  );
});

/**
 * End-to-end: `ets tem-simulator --compare REF_DIR sim.txt` prints the four figures per tilt and
 * exits 0 against TEM-Simulator's own outputs of the case, 1 against the outputs of another
 * configuration, and leaves the input folder as it was.
 */
import { assert, assertEquals } from "../lib/testing/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CASE = new URL("./fixtures/tem/single_pdb/", import.meta.url).pathname;
const REFERENCE = new URL("../../shared/reference/tem-simulator/", import.meta.url).pathname;

async function compare(reference: string, edit: (text: string) => string = (t) => t) {
  const dir = await Deno.makeTempDir({ prefix: "ets_tem_compare_" });
  try {
    for (const name of ["1tii.pdb", "tii_coord.txt"]) {
      await Deno.copyFile(`${CASE}${name}`, `${dir}/${name}`);
    }
    await Deno.writeTextFile(`${dir}/sim.txt`, edit(await Deno.readTextFile(`${CASE}sim.txt`)));
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        "--unstable-worker-options",
        MAIN,
        "tem-simulator",
        "--compare",
        reference,
        "sim.txt",
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const files: string[] = [];
    for await (const entry of Deno.readDir(dir)) files.push(entry.name);
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
      files: files.sort(),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("tem-simulator --compare: equivalent to TEM-Simulator's own outputs, exit 0", async () => {
  const run = await compare(`${REFERENCE}single_pdb`);
  assertEquals(run.code, 0, run.stderr);
  const tilts = run.stdout.split("\n").filter((line) => / tilt \d+: contrast /.test(line));
  assertEquals(tilts.length, 3, run.stdout);
  for (const line of tilts) assert(/noisy mean .* noise std /.test(line), line);
  assert(run.stdout.includes("equivalent: every figure within its bar"), run.stdout);
  // Outputs went to a temp folder: the input folder holds only the inputs.
  assertEquals(run.files, ["1tii.pdb", "sim.txt", "tii_coord.txt"]);
});

Deno.test("tem-simulator --compare: another defocus is not equivalent, exit 1 naming the figure", async () => {
  const run = await compare(
    `${REFERENCE}single_pdb`,
    (text) => text.replace(/^defocus_nominal = .*$/m, "defocus_nominal = 1"),
  );
  assertEquals(run.code, 1, run.stdout + run.stderr);
  const lines = run.stderr.trim().split("\n");
  assertEquals(lines.length, 1, run.stderr);
  assert(/over the bar: contrast/.test(lines[0]!), lines[0]);
});

Deno.test("tem-simulator --compare: a missing reference folder exits 2 with one line", async () => {
  const run = await compare(`${REFERENCE}no_such_case`);
  assertEquals(run.code, 2);
  assertEquals(run.stderr.trim().split("\n").length, 1, run.stderr);
});

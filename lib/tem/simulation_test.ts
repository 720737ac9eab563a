import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../testing/mod.ts";
import { parseSimulationFile } from "./input/mod.ts";
import { defaultThreads, runTemSimulation } from "./simulation.ts";

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "tests",
  "fixtures",
  "tem",
  "single_pdb",
);
const OUTPUTS = [
  "tiltseries.mrc",
  "tiltseries_nonoise.mrc",
  "tii_re.mrc",
  "tii_im.mrc",
  "geom.txt",
  "dose.txt",
  "defocus.txt",
];

async function runCopy(
  threads: number,
  edit?: (text: string) => string,
): Promise<{ folder: string; files: Map<string, Uint8Array> }> {
  const folder = await Deno.makeTempDir({ prefix: "ets_tem_determinism_" });
  for await (const entry of Deno.readDir(FIXTURE)) {
    if (entry.isFile) await Deno.copyFile(join(FIXTURE, entry.name), join(folder, entry.name));
  }
  if (edit !== undefined) {
    const sim = join(folder, "sim.txt");
    await Deno.writeTextFile(sim, edit(await Deno.readTextFile(sim)));
  }
  await runTemSimulation(join(folder, "sim.txt"), { threads });
  const files = new Map<string, Uint8Array>();
  for (const name of OUTPUTS) files.set(name, await Deno.readFile(join(folder, name)));
  return { folder, files };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

Deno.test("rand_seed gives byte-identical outputs run after run, whatever the number of threads", async () => {
  // the workers draw the noise of their tilts in turn, whichever tilts they take
  const runs = [await runCopy(1), await runCopy(2), await runCopy(2), await runCopy(3)];
  try {
    for (const name of OUTPUTS) {
      const first = runs[0]!.files.get(name)!;
      for (const run of runs.slice(1)) {
        assert(sameBytes(first, run.files.get(name)!), `${name} differs between runs`);
      }
    }
  } finally {
    for (const run of runs) await Deno.remove(run.folder, { recursive: true });
  }
});

Deno.test("another rand_seed changes the noise but not the noise-free images", async () => {
  const a = await runCopy(2);
  const b = await runCopy(2, (text) => text.replace(/^rand_seed = 1$/m, "rand_seed = 2"));
  try {
    assert(
      !sameBytes(a.files.get("tiltseries.mrc")!, b.files.get("tiltseries.mrc")!),
      "noisy stacks are equal",
    );
    assert(
      sameBytes(a.files.get("tiltseries_nonoise.mrc")!, b.files.get("tiltseries_nonoise.mrc")!),
      "noise-free stacks differ",
    );
  } finally {
    await Deno.remove(a.folder, { recursive: true });
    await Deno.remove(b.folder, { recursive: true });
  }
});

Deno.test("without rand_seed the seed taken from the clock is logged", async () => {
  const run = await runCopy(1, (text) => text.replace(/^rand_seed = 1$/m, ""));
  try {
    const log = await Deno.readTextFile(join(run.folder, "sim.log"));
    const match = log.match(/^# Random seed taken from clock: (\d+)\.$/m);
    assert(match !== null, "the seed is not logged");
    assertEquals(String(Number(match[1])), match[1]);
  } finally {
    await Deno.remove(run.folder, { recursive: true });
  }
});

Deno.test("small wave grids run in one thread by default, larger ones on every CPU", async () => {
  const input = await parseSimulationFile(join(FIXTURE, "sim.txt"));
  assertEquals(defaultThreads(input), 1);
  const detector = input.detectors[0]!;
  const large = { ...input, detectors: [{ ...detector, det_pix_x: 2000, det_pix_y: 2000 }] };
  assertEquals(defaultThreads(large), Math.max(1, navigator.hardwareConcurrency));
});

/**
 * `ets tem-simulator` against TEM-Simulator 1.3 over the whole reference set: the 52 random
 * configurations of ../shared/reference/tem-simulator/sweep (its index.json), `ghost_bead` and
 * the three hand-made cases, each run through `runTemSimulation` as one test step that prints its
 * four worst figures (lib/tem/compare.ts: noise-free contrast and mean, noisy mean, noise std).
 *
 * Asserted on every case, with the same bars for all: the noise-free mean of every tilt within
 * 0.5 %. The full four bars are counted (cases holding all of them) and the count may not fall
 * below what the engine reached when this test was written (see docs/engine.md for the figures
 * and what is left). The sweep's total engine time is printed.
 *
 * Needs --allow-read (the repository and ../shared), --allow-write (temp folders) and the worker
 * permissions.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert } from "../lib/testing/mod.ts";
import { runTemSimulation } from "../lib/tem/mod.ts";
import {
  compareWithReference,
  EQUIVALENCE_BARS,
  failedFigures,
  formatFigures,
  worstFigures,
} from "../lib/tem/compare.ts";
import { parseSimulationFile } from "../lib/tem/input/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SHARED = join(ROOT, "..", "shared");
const REFERENCE = join(SHARED, "reference", "tem-simulator");
/** Inputs the sweep's cases name without carrying them (sweep/README.md). */
const SHARED_INPUTS = [
  join(SHARED, "data", "pdb", "1tii.pdb"),
  join(SHARED, "data", "pdb", "3al1.pdb"),
  join(SHARED, "data", "bead_small.mrc"),
  join(SHARED, "bench", "prot_re.mrc"),
  join(SHARED, "bench", "prot_im.mrc"),
];
/** Cases holding all four bars when this test was written: the floor of the count. */
const CASES_HOLDING_FLOOR = 52;

/** A case's input folder in a temp folder: its inputs, without TEM-Simulator's outputs. */
async function stageCase(caseFolder: string): Promise<string> {
  const folder = await Deno.makeTempDir({ prefix: "ets_sweep_" });
  const outputs = new Set(["tiltseries.mrc", "tiltseries_nonoise.mrc", "sim.log"]);
  for await (const entry of Deno.readDir(caseFolder)) {
    if (entry.isFile && !outputs.has(entry.name)) {
      await Deno.copyFile(join(caseFolder, entry.name), join(folder, entry.name));
    }
  }
  for (const path of SHARED_INPUTS) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    await Deno.copyFile(path, join(folder, name)).catch(() => {});
  }
  return folder;
}

const sweepIndex = JSON.parse(
  await Deno.readTextFile(join(REFERENCE, "sweep", "index.json")),
) as Record<string, unknown>;
const cases = [
  ...Object.keys(sweepIndex).map((name) => `sweep/${name}`),
  "ghost_bead",
  "single_pdb",
  "ice_edge",
  "map_particles",
];

Deno.test("tem-simulator equals TEM-Simulator 1.3 over the sweep and the reference cases", async (t) => {
  let holding = 0, engineSeconds = 0;
  const failing: string[] = [];
  for (const name of cases) {
    await t.step(name, async () => {
      const caseFolder = join(REFERENCE, name);
      const folder = await stageCase(caseFolder);
      try {
        const out = join(folder, "out");
        await Deno.mkdir(out);
        const started = performance.now();
        await runTemSimulation(join(folder, "sim.txt"), { outputFolder: out });
        engineSeconds += (performance.now() - started) / 1000;
        const input = await parseSimulationFile(join(folder, "sim.txt"));
        const tilts = (await compareWithReference(input, caseFolder, out)).flatMap((d) => d.tilts);
        const worst = worstFigures(tilts);
        const failed = failedFigures(worst);
        console.log(`${name}: ${formatFigures(worst)}${failed.length ? ` (over: ${failed})` : ""}`);
        if (failed.length === 0) holding++;
        else failing.push(name);
        assert(
          worst.meanError !== undefined && worst.meanError <= EQUIVALENCE_BARS.meanError,
          `${name}: noise-free mean error ${worst.meanError} > 0.5 %`,
        );
      } finally {
        await Deno.remove(folder, { recursive: true });
      }
    });
  }
  console.log(
    `${holding} of ${cases.length} cases hold all four bars; engine time ${
      engineSeconds.toFixed(1)
    } s; over a bar: ${failing.join(" ")}`,
  );
  assert(
    holding >= CASES_HOLDING_FLOOR,
    `${holding} cases hold all four bars, fewer than the ${CASES_HOLDING_FLOOR} reached before`,
  );
});

/**
 * `ets tem-simulator` draws TEM-Simulator 1.3's own random numbers (glibc rand(), its draw
 * formulas and order): on reference cases whose noise-free images agree, the noisy images are
 * TEM-Simulator's pixel for pixel, not only statistically. Cases: sweep/case24 (80 kV, Poisson
 * means on both sides of 10, i.e. both Poisson algorithms, geometry errors from a file),
 * sweep/case30 (no padding, PD with its rejection steps, map particles) and ice_edge (300 kV,
 * 256 × 256 pixels with padding, support in view), with one thread and with two.
 *
 * Needs --allow-read (the repository and ../shared), --allow-write (temp folders) and the worker
 * permissions.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert } from "../lib/testing/mod.ts";
import { readMrc } from "../lib/mrc/mod.ts";
import { runTemSimulation } from "../lib/tem/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SHARED = join(ROOT, "..", "shared");
const REFERENCE = join(SHARED, "reference", "tem-simulator");
const SHARED_INPUTS = [
  join(SHARED, "data", "pdb", "1tii.pdb"),
  join(SHARED, "data", "pdb", "3al1.pdb"),
  join(SHARED, "data", "bead_small.mrc"),
  join(SHARED, "bench", "prot_re.mrc"),
  join(SHARED, "bench", "prot_im.mrc"),
];

/** The share of each section's pixels within 5 % of the noise SD of TEM-Simulator's. */
async function matchingShares(caseName: string, threads: number): Promise<number[]> {
  const caseFolder = join(REFERENCE, caseName);
  const folder = await Deno.makeTempDir({ prefix: "ets_noise_stream_" });
  try {
    const outputs = new Set(["tiltseries.mrc", "tiltseries_nonoise.mrc", "sim.log"]);
    for await (const entry of Deno.readDir(caseFolder)) {
      if (entry.isFile && !outputs.has(entry.name)) {
        await Deno.copyFile(join(caseFolder, entry.name), join(folder, entry.name));
      }
    }
    for (const path of SHARED_INPUTS) {
      await Deno.copyFile(path, join(folder, path.slice(path.lastIndexOf("/") + 1)));
    }
    const out = join(folder, "out");
    await Deno.mkdir(out);
    await runTemSimulation(join(folder, "sim.txt"), { threads, outputFolder: out });
    const ours = (await readMrc(join(out, "tiltseries.mrc"))).data;
    const noisy = await readMrc(join(caseFolder, "tiltseries.mrc"));
    const clean = (await readMrc(join(caseFolder, "tiltseries_nonoise.mrc"))).data;
    const { nx, ny, nz } = { nx: noisy.header.nx, ny: noisy.header.ny, nz: noisy.header.nz };
    const n = nx * ny;
    const shares: number[] = [];
    for (let z = 0; z < nz; z++) {
      let s2 = 0;
      for (let i = z * n; i < (z + 1) * n; i++) s2 += (noisy.data[i]! - clean[i]!) ** 2;
      const sd = Math.sqrt(s2 / n);
      let equal = 0;
      for (let i = z * n; i < (z + 1) * n; i++) {
        if (Math.abs(ours[i]! - noisy.data[i]!) < 0.05 * sd) equal++;
      }
      shares.push(equal / n);
    }
    return shares;
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

for (
  const [caseName, threads] of [["sweep/case24", 1], ["sweep/case30", 2], ["ice_edge", 1]] as const
) {
  Deno.test(`noisy ${caseName} (${threads} thread(s)) is TEM-Simulator's pixel for pixel`, async () => {
    const shares = await matchingShares(caseName, threads);
    for (const [z, share] of shares.entries()) {
      assert(share >= 0.99, `section ${z}: ${(100 * share).toFixed(1)} % of the pixels equal`);
    }
  });
}

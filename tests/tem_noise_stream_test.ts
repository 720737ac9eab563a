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
import { join } from "node:path";
import { assert } from "../lib/testing/mod.ts";
import { readMrc } from "../lib/mrc/mod.ts";
import { runTemSimulation } from "../lib/tem/mod.ts";
import { stageReferenceCase } from "./tem_reference_cases.ts";

/** The share of each section's pixels within 5 % of the noise SD of TEM-Simulator's. */
async function matchingShares(caseName: string, threads: number): Promise<number[]> {
  const { folder, out, reference: caseFolder } = await stageReferenceCase(caseName);
  try {
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

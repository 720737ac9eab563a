import { buildStackTruth, formatTiltCsv, projectParticleToTilt } from "../groundtruth/mod.ts";
import { readMrc, writeMrc } from "../mrc/mod.ts";
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../testing/mod.ts";
import { reconstructTiltSeries } from "./reconstruct.ts";

const BLOBS = [{ x: 10, y: -8, z: 9 }, { x: -15, y: 12, z: -10 }, { x: 2, y: 3, z: 0 }];
const SIGMA = 1.5; // nm
const NX = 96, NY = 80, APIX = 1; // nm

/** Error table (ρ α τ x0 y0) of 31 tilts: rotation, tilt errors about 30°, shifts in nm. */
function errorTable(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const s = Math.sin(i * 1.7), c = Math.cos(i * 2.3);
    return `${(0.8 * s).toFixed(3)} 30 ${(0.8 * c).toFixed(3)} ${(2 * c).toFixed(3)} ${
      (-2 * s).toFixed(3)
    }`;
  });
  return `${n} 5\n${rows.join("\n")}\n`;
}

/**
 * A tilt series of Gaussian blobs drawn analytically where the engine's forward model
 * (projectParticleToTilt, errors included) puts them, with its tilt table beside it.
 */
async function writeBlobSeries(dir: string): Promise<void> {
  const angles = Array.from({ length: 31 }, (_, i) => -60 + 4 * i);
  const tables = buildStackTruth({
    stackDir: dir,
    stackName: "blobs",
    apixNm: APIX,
    detector: { nx: NX, ny: NY },
    nominalTiltAngles: angles,
    engineOutputs: {},
    particleSets: [],
  }, { error: { text: errorTable(angles.length), name: "errors.txt" } });
  await Deno.writeTextFile(`${dir}/blobs_tilts.csv`, formatTiltCsv(tables));
  const data = new Float32Array(NX * NY * angles.length);
  tables.tilts.forEach((t, k) => {
    for (const b of BLOBS) {
      const p = projectParticleToTilt(b, t.geometry, { nx: NX, ny: NY, apixNm: APIX });
      for (let y = 0; y < NY; y++) {
        for (let x = 0; x < NX; x++) {
          const r2 = ((x - p.x) ** 2 + (y - p.y) ** 2) * APIX * APIX;
          data[k * NX * NY + y * NX + x]! += Math.exp(-r2 / (2 * SIGMA * SIGMA));
        }
      }
    }
  });
  await writeMrc(`${dir}/blobs.mrc`, NX, NY, angles.length, data, {
    voxelSize: APIX * 10,
    tiltAngles: angles,
  });
}

/** Sub-voxel position of the maximum within ±3 voxels of `guess` (x, y, z voxel indices). */
function peakNear(v: Float32Array, n: number[], guess: number[]): number[] {
  const [nx, ny] = [n[0]!, n[1]!];
  const at = (x: number, y: number, z: number) => v[x + nx * (y + ny * z)]!;
  let best = [0, 0, 0], top = -Infinity;
  const g = guess.map(Math.round);
  for (let z = g[2]! - 3; z <= g[2]! + 3; z++) {
    for (let y = g[1]! - 3; y <= g[1]! + 3; y++) {
      for (let x = g[0]! - 3; x <= g[0]! + 3; x++) {
        if (at(x, y, z) > top) [top, best] = [at(x, y, z), [x, y, z]];
      }
    }
  }
  return best.map((c, a) => {
    const e = [0, 0, 0];
    e[a] = 1;
    const m = at(best[0]! - e[0]!, best[1]! - e[1]!, best[2]! - e[2]!);
    const p = at(best[0]! + e[0]!, best[1]! + e[1]!, best[2]! + e[2]!);
    const d = m - 2 * top + p;
    return d < 0 ? c + (0.5 * (m - p)) / d : c;
  });
}

Deno.test("reconstruct: blobs drawn with errors come back where they are, on 1 or 2 threads alike", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_rec_unit_" });
  try {
    await writeBlobSeries(dir);
    const one = await reconstructTiltSeries({
      input: `${dir}/blobs.mrc`,
      output: `${dir}/one.mrc`,
      thicknessNm: 40,
      threads: 1,
    });
    await reconstructTiltSeries({
      input: `${dir}/blobs.mrc`,
      output: `${dir}/two.mrc`,
      thicknessNm: 40,
      threads: 2,
    });
    await reconstructTiltSeries({
      input: `${dir}/blobs.mrc`,
      output: `${dir}/nominal.mrc`,
      thicknessNm: 40,
      threads: 1,
      geometry: "nominal",
    });
    const a = await readMrc(`${dir}/one.mrc`), b = await readMrc(`${dir}/two.mrc`);
    assertEquals(a.data, b.data);
    const nominal = await readMrc(`${dir}/nominal.mrc`);
    const g = one.grid, size = [g.nx, g.ny, g.nz];
    let worstNominal = 0;
    for (const blob of BLOBS) {
      const truth = [blob.x + g.centre.x, blob.y + g.centre.y, blob.z + g.centre.z];
      const found = peakNear(a.data, size, truth);
      const error = Math.hypot(...found.map((f, i) => f - truth[i]!));
      assert(error < 0.35, `blob ${JSON.stringify(blob)} found ${error.toFixed(2)} voxels off`);
      const off = peakNear(nominal.data, size, truth);
      worstNominal = Math.max(worstNominal, Math.hypot(...off.map((f, i) => f - truth[i]!)));
    }
    // control: the nominal geometry ignores 2 nm shifts and 0.8° errors, and it shows
    assert(worstNominal > 0.5, `nominal geometry only ${worstNominal.toFixed(2)} voxels off`);
    assertAlmostEquals(a.header.origin.x, -g.centre.x * 10, 1e-4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reconstruct: a volume over the memory limit is refused before anything is written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_rec_mem_" });
  try {
    await writeBlobSeries(dir);
    await assertRejects(
      () =>
        reconstructTiltSeries({
          input: `${dir}/blobs.mrc`,
          output: `${dir}/big.mrc`,
          thicknessNm: 40,
          memoryLimitBytes: 1e6,
        }),
      Error,
      "GiB allowed",
    );
    await assertRejects(
      () => reconstructTiltSeries({ input: `${dir}/blobs.mrc`, output: `${dir}/b.mrc`, bin: 48 }),
      Error,
      "too small",
    );
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "blobs.mrc",
      "blobs_tilts.csv",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

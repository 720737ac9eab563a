import { assert, assertEquals } from "../testing/mod.ts";
import { MrcSeriesWriter } from "./write.ts";
import { readMrc, readMrcTiltAngles } from "./read.ts";
import { reheaderMrcSeries } from "./reheader.ts";

async function writeSeries(path: string, voxelSize: number, angles?: number[]) {
  const writer = await MrcSeriesWriter.create(path, 6, 4, {
    voxelSize,
    tiltAngles: angles,
    labels: ["engine"],
  });
  for (let z = 0; z < 3; z++) {
    await writer.append(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i + 7 * z) * 100));
  }
  await writer.close();
}

Deno.test("reheaderMrcSeries gives the same bytes as a full rewrite with the new header", async () => {
  const dir = await Deno.makeTempDir();
  const angles = [-30, 0, 30];
  await writeSeries(`${dir}/engine.mrc`, 2.8302, angles);
  await writeSeries(`${dir}/expected.mrc`, 5, angles);
  // the expected file: same data, written with the new voxel size and label
  const data = (await readMrc(`${dir}/engine.mrc`)).data;
  const writer = await MrcSeriesWriter.create(`${dir}/expected.mrc`, 6, 4, {
    voxelSize: 5,
    tiltAngles: angles,
    labels: ["ets generate: demo_0"],
  });
  for (let z = 0; z < 3; z++) await writer.append(data.subarray(z * 24, (z + 1) * 24));
  await writer.close();

  const done = await reheaderMrcSeries(`${dir}/engine.mrc`, {
    voxelSize: 5,
    tiltAngles: angles,
    labels: ["ets generate: demo_0"],
  });
  assert(done);
  assertEquals(
    await Deno.readFile(`${dir}/engine.mrc`),
    await Deno.readFile(`${dir}/expected.mrc`),
  );
  assertEquals(await readMrcTiltAngles(`${dir}/engine.mrc`), angles);
  assertEquals((await readMrc(`${dir}/engine.mrc`)).header.voxelSize, { x: 5, y: 5, z: 5 });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reheaderMrcSeries refuses a file without our extended header and leaves it alone", async () => {
  const dir = await Deno.makeTempDir();
  await writeSeries(`${dir}/plain.mrc`, 2, undefined);
  const before = await Deno.readFile(`${dir}/plain.mrc`);
  assertEquals(
    await reheaderMrcSeries(`${dir}/plain.mrc`, { voxelSize: 5, tiltAngles: [0, 1, 2] }),
    false,
  );
  assertEquals(await Deno.readFile(`${dir}/plain.mrc`), before);
  await Deno.remove(dir, { recursive: true });
});

import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../testing/mod.ts";
import { EtsError } from "../errors/mod.ts";
import {
  decodeMrc,
  encodeMrc,
  FEI1_BLOCK_BYTES,
  MrcSeriesWriter,
  readMrc,
  readMrcHeader,
  readMrcSections,
  readMrcTiltAngles,
  readTiltAngles,
  writeMrc,
} from "./mod.ts";

function ramp(n: number, scale = 0.25, offset = -3): Float32Array {
  return new Float32Array(n).map((_, i) => Math.sin(i * scale) * 10 + offset);
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("encodeMrc writes an MRC2014 header: MAP, stamp, version, cell, stats, labels", () => {
  const data = ramp(5 * 4 * 3);
  const bytes = encodeMrc(5, 4, 3, data, {
    voxelSize: { x: 2, y: 2.5, z: 3 },
    origin: { x: -5, y: 1, z: 2 },
    labels: ["a label", "", "é third"],
  });
  assertEquals(bytes.length, 1024 + 4 * data.length);
  const view = new DataView(bytes.buffer);
  assertEquals(new TextDecoder().decode(bytes.subarray(208, 212)), "MAP ");
  assertEquals([...bytes.subarray(212, 216)], [0x44, 0x44, 0, 0]);
  assertEquals(view.getInt32(108, true), 20140);
  assertEquals(view.getInt32(88, true), 1); // volume
  assertEquals(view.getInt32(92, true), 0);
  const { header, data: back } = decodeMrc(bytes);
  assertEquals([header.nx, header.ny, header.nz, header.mode], [5, 4, 3, 2]);
  assertEquals([header.mx, header.my, header.mz], [5, 4, 3]);
  assertEquals(header.cella, { x: 10, y: 10, z: 9 });
  assertEquals(header.voxelSize, { x: 2, y: 2.5, z: 3 });
  assertEquals(header.origin, { x: -5, y: 1, z: 2 });
  assertEquals(header.labels, ["a label", "? third"]);
  assertEquals(back, data);
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of data) [min, max, sum] = [Math.min(min, v), Math.max(max, v), sum + v];
  const mean = sum / data.length;
  const sd = Math.sqrt(data.reduce((s, v) => s + (v - mean) ** 2, 0) / data.length);
  assertEquals([header.dmin, header.dmax], [min, max]);
  assertAlmostEquals(header.dmean, mean, 1e-5);
  assertAlmostEquals(header.rms, sd, 1e-5);
  assertEquals(header.warnings, []);
});

Deno.test("encodeMrc with tilt angles writes an FEI1 image stack that readTiltAngles reads", () => {
  const angles = [-60, -1.5, 0, 33.25];
  const bytes = encodeMrc(3, 2, 4, ramp(24), { voxelSize: 4, tiltAngles: angles });
  const view = new DataView(bytes.buffer);
  assertEquals(view.getInt32(92, true), 4 * FEI1_BLOCK_BYTES);
  assertEquals(new TextDecoder().decode(bytes.subarray(104, 108)), "FEI1");
  assertEquals(view.getInt32(88, true), 0); // image stack
  assertEquals(view.getInt32(36, true), 1); // MZ
  for (let i = 0; i < 4; i++) {
    const block = 1024 + i * FEI1_BLOCK_BYTES;
    assertEquals(view.getInt32(block, true), 768);
    assertEquals(view.getFloat64(block + 100, true), angles[i]);
    assertEquals(view.getFloat64(block + 156, true), 4e-10);
  }
  assertEquals(readTiltAngles(bytes), angles);
  const { header } = decodeMrc(bytes);
  assertEquals(header.voxelSize, { x: 4, y: 4, z: 4 });
  assertEquals(header.exttyp, "FEI1");
});

Deno.test("encodeMrc refuses inconsistent arguments with RangeError", () => {
  assertThrows(() => encodeMrc(2, 2, 2, new Float32Array(7), { voxelSize: 1 }), RangeError);
  assertThrows(() => encodeMrc(0, 2, 2, new Float32Array(0), { voxelSize: 1 }), RangeError);
  assertThrows(() => encodeMrc(1, 1, 1, new Float32Array(1), { voxelSize: -1 }), RangeError);
  assertThrows(
    () => encodeMrc(1, 1, 2, new Float32Array(2), { voxelSize: 1, tiltAngles: [0] }),
    RangeError,
    "one per section",
  );
  assertThrows(
    () =>
      encodeMrc(1, 1, 1, new Float32Array(1), { voxelSize: 1, labels: new Array(11).fill("x") }),
    RangeError,
  );
});

Deno.test("writeMrc writes atomically and readMrc/readMrcHeader read it back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/vol.mrc`;
    const data = ramp(6 * 5 * 4);
    await writeMrc(path, 6, 5, 4, data, { voxelSize: 1.5 });
    assertEquals(await listDir(dir), ["vol.mrc"]);
    const volume = await readMrc(path);
    assertEquals(volume.data, data);
    assertEquals((await readMrcHeader(path)).voxelSize, { x: 1.5, y: 1.5, z: 1.5 });
    assertEquals(await readMrcTiltAngles(path), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MrcSeriesWriter appends sections, finalises the header and renames at close", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/series.mrc`;
    const angles = [-45, -15, 15, 45];
    const writer = await MrcSeriesWriter.create(path, 7, 3, { voxelSize: 2.5, tiltAngles: angles });
    const sections = angles.map((_, i) => ramp(21, 0.3 + i, i));
    // Overlapping appends are written in call order.
    await Promise.all(sections.map((s) => writer.append(s)));
    const names = await listDir(dir);
    assertEquals(names.length, 1);
    assert(names[0]!.endsWith(".tmp") && names[0] !== "series.mrc", names[0]);
    await writer.close();
    assertEquals(await listDir(dir), ["series.mrc"]);
    const all = new Float32Array(84);
    sections.forEach((s, i) => all.set(s, 21 * i));
    const expected = encodeMrc(7, 3, 4, all, { voxelSize: 2.5, tiltAngles: angles });
    assertEquals(await Deno.readFile(path), expected); // same bytes as the one-shot encoder
    assertEquals(await readMrcTiltAngles(path), angles);
    assertEquals(await readMrcSections(path, 1, 2), all.subarray(21, 63));
    await writer.abort(); // no-op after close
    assertEquals(await listDir(dir), ["series.mrc"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MrcSeriesWriter without tilt angles writes any number of sections", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.mrc`;
    const writer = await MrcSeriesWriter.create(path, 2, 2, { voxelSize: 1 });
    for (let i = 0; i < 5; i++) await writer.append(new Float32Array([i, i, -i, 0.5]));
    assertEquals(writer.sections, 5);
    await writer.close();
    const { header, data } = await readMrc(path);
    assertEquals([header.nz, header.ispg, header.mz, header.extendedHeaderBytes], [5, 0, 1, 0]);
    assertEquals([header.dmin, header.dmax], [-4, 4]);
    assertEquals(data.subarray(12, 16), new Float32Array([3, 3, -3, 0.5]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MrcSeriesWriter abort removes the temp file; bad use fails cleanly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.mrc`;
    const aborted = await MrcSeriesWriter.create(path, 2, 2, { voxelSize: 1 });
    await aborted.append(new Float32Array(4));
    await aborted.abort();
    await aborted.abort();
    assertEquals(await listDir(dir), []);
    await assertRejects(() => aborted.append(new Float32Array(4)), Error, "aborted");

    const short = await MrcSeriesWriter.create(path, 2, 2, { voxelSize: 1, tiltAngles: [0, 1] });
    await assertRejects(() => short.append(new Float32Array(3)), RangeError, "2x2 values");
    await short.append(new Float32Array(4));
    await assertRejects(() => short.close(), RangeError, "1 sections for 2 tilt angles");
    assertEquals(await listDir(dir), []);

    const full = await MrcSeriesWriter.create(path, 1, 1, { voxelSize: 1, tiltAngles: [0] });
    await full.append(new Float32Array(1));
    await assertRejects(() => full.append(new Float32Array(1)), RangeError, "all 1 sections");
    await full.close();
    assertEquals(await listDir(dir), ["s.mrc"]);

    const empty = await MrcSeriesWriter.create(`${dir}/e.mrc`, 1, 1, { voxelSize: 1 });
    await assertRejects(() => empty.close(), RangeError, "no sections");
    assertEquals(await listDir(dir), ["s.mrc"]);

    await assertRejects(
      () => MrcSeriesWriter.create(`${dir}/missing/x.mrc`, 1, 1, { voxelSize: 1 }),
      EtsError,
      "Cannot write",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readMrcSections reads a range by seeking, and refuses bad ranges", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/v.mrc`;
    const data = ramp(4 * 3 * 5);
    await writeMrc(path, 4, 3, 5, data, { voxelSize: 1 });
    assertEquals(await readMrcSections(path, 0, 5), data);
    assertEquals(await readMrcSections(path, 4, 1), data.subarray(48, 60));
    assertEquals((await readMrcSections(path, 2, 0)).length, 0);
    await assertRejects(() => readMrcSections(path, 4, 2), RangeError);
    await assertRejects(() => readMrcSections(path, -1, 1), RangeError);
    // Truncate the file: readers name the problem.
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 10));
    const error = await assertRejects(() => readMrcSections(path, 0, 1), EtsError, "truncated");
    assertEquals([error.kind, error.file], ["input", path]);
    await assertRejects(() => readMrc(path), EtsError, "truncated");
    await assertRejects(() => readMrcHeader(path), EtsError, "truncated");
    await assertRejects(() => readMrc(`${dir}/nope.mrc`), EtsError, "no such file");
    await assertRejects(() => readMrcSections(`${dir}/nope.mrc`, 0, 1), EtsError, "no such file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readMrcSections transposes sections stored with columns along y", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 2 columns (y) x 3 rows (x) x 2 sections (z), MAPC/MAPR/MAPS = 2,1,3.
    const bytes = encodeMrc(2, 3, 2, new Float32Array([...Array(12).keys()]), { voxelSize: 1 });
    const view = new DataView(bytes.buffer);
    view.setInt32(64, 2, true);
    view.setInt32(68, 1, true);
    const path = `${dir}/t.mrc`;
    await Deno.writeFile(path, bytes);
    const whole = await readMrc(path);
    assertEquals([whole.header.nx, whole.header.ny, whole.header.nz], [3, 2, 2]);
    // File element (c=y, r=x, s) = (s*3 + x)*2 + y; xyz index = x + 3*(y + 2*s).
    assertEquals([...whole.data.subarray(0, 6)], [0, 2, 4, 1, 3, 5]);
    assertEquals(await readMrcSections(path, 1, 1), whole.data.subarray(6, 12));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

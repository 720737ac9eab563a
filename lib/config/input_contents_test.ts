import { assertEquals, assertRejects } from "../testing/mod.ts";
import { writeMrc } from "../mrc/mod.ts";
import {
  checkAtomicModelFile,
  checkMapFile,
  checkRawMapFile,
  ContentProblem,
  modelKind,
  modelMapVoxels,
  readTextCapped,
} from "./input_contents.ts";

Deno.test("input contents: text is read with a cap (a device ends, a NUL byte is refused)", async () => {
  await assertRejects(
    () => readTextCapped("/dev/zero", 1 << 20),
    ContentProblem,
    "larger than 1 MiB",
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "num_stacks: 2\n");
    assertEquals(await readTextCapped(`${dir}/a.txt`), "num_stacks: 2\n");
    await Deno.writeFile(`${dir}/b.txt`, new Uint8Array([65, 0, 66]));
    await assertRejects(() => readTextCapped(`${dir}/b.txt`), ContentProblem, "NUL");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("input contents: maps are scanned for NaN and Inf, section by section", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Float32Array(4 * 5 * 6).fill(0.5);
    await writeMrc(`${dir}/ok.mrc`, 4, 5, 6, data, { voxelSize: 2 });
    assertEquals(await checkMapFile(`${dir}/ok.mrc`), { nx: 4, ny: 5, nz: 6, voxelSizeA: 2 });
    data[4 * 5 * 3 + 4 * 2 + 1] = Infinity;
    await writeMrc(`${dir}/inf.mrc`, 4, 5, 6, data, { voxelSize: 2 });
    await assertRejects(
      () => checkMapFile(`${dir}/inf.mrc`),
      ContentProblem,
      "0 NaN and 1 infinite voxel(s) of 120 (first at x=1 y=2 z=3)",
    );
    data.fill(NaN);
    await writeMrc(`${dir}/nan.mrc`, 4, 5, 6, data, { voxelSize: 2 });
    await assertRejects(() => checkMapFile(`${dir}/nan.mrc`), ContentProblem, "120 NaN");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("input contents: models need atoms; their potential box follows TEM-Simulator", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/text.pdb`, "hello\n");
    await assertRejects(
      () => checkAtomicModelFile(`${dir}/text.pdb`),
      ContentProblem,
      "cannot be read: no ATOM",
    );
    await Deno.writeTextFile(
      `${dir}/two.pdb`,
      "ATOM      1  CA  ALA A   1       0.000   0.000   0.000  1.00  0.00           C\n" +
        "ATOM      2  CA  ALA A   2      20.000  10.000   0.000  1.00  0.00           C\n",
    );
    const facts = await checkAtomicModelFile(`${dir}/two.pdb`);
    assertEquals(facts, { atoms: 2, extentA: [20, 10, 0] });
    // (extent + 10 Å) / voxel, rounded up: 30/5, 20/5, 10/5
    assertEquals(modelMapVoxels(facts.extentA, 0.5), 6 * 4 * 2);
    assertEquals([modelKind("a.PDB"), modelKind("a.mrc"), modelKind("a.cif")], [
      "pdb",
      "map",
      undefined,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("input contents: raw maps hold nx·ny·nz finite float32 values in their byte order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const size = { nx: 3, ny: 2, nz: 2 };
    const bytes = new Uint8Array(12 * 4 + 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < 12; i++) view.setFloat32(4 * i, 1 + i, false);
    await Deno.writeFile(`${dir}/be.raw`, bytes);
    // big-endian 1..12 are finite read as "be"; read as "le" a few are not numbers at all
    await checkRawMapFile(`${dir}/be.raw`, size, "be");
    view.setFloat32(4 * 7, NaN, false);
    await Deno.writeFile(`${dir}/nan.raw`, bytes);
    await assertRejects(
      () => checkRawMapFile(`${dir}/nan.raw`, size, "be"),
      ContentProblem,
      "1 NaN and 0 infinite value(s) of 12 (first at value 7)",
    );
    // the last of the 12 values (the scan buffer holds just the map's 48 bytes)
    view.setFloat32(4 * 7, 8, false);
    view.setFloat32(4 * 11, NaN, false);
    await Deno.writeFile(`${dir}/last.raw`, bytes);
    await assertRejects(
      () => checkRawMapFile(`${dir}/last.raw`, size, "be"),
      ContentProblem,
      "1 NaN and 0 infinite value(s) of 12 (first at value 11)",
    );
    view.setFloat32(4 * 11, 12, false);
    view.setFloat32(4 * 7, -Infinity, true);
    await Deno.writeFile(`${dir}/inf.raw`, bytes);
    await assertRejects(
      () => checkRawMapFile(`${dir}/inf.raw`, { nx: 4, ny: 2, nz: 1 }, "le"),
      ContentProblem,
      "0 NaN and 1 infinite value(s) of 8",
    );
    await assertRejects(
      () => checkRawMapFile(`${dir}/be.raw`, { nx: 4, ny: 4, nz: 4 }),
      ContentProblem,
      "has 56 bytes, a raw 4x4x4 map needs 256",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

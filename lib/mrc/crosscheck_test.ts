/**
 * Cross-checks against Debian's mrcfile and gemmi (via /usr/bin/python3): our files validate, and
 * files written by TEM-Simulator, gemmi and mrcfile read back with the same shape, voxel size and
 * values as mrcfile/gemmi report. Where those packages are missing: ignored (the test name says
 * what is missing), or failing under CI=true (lib/testing requirements).
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  pythonModules,
  requirements,
  runPython,
  runPythonJson,
  sharedFiles,
  sharedPath,
} from "../testing/mod.ts";
import {
  MrcSeriesWriter,
  readMrc,
  readMrcHeader,
  readMrcSections,
  readMrcTiltAngles,
  writeMrc,
} from "./mod.ts";

const mrcfile = await requirements(pythonModules("mrcfile", "numpy"));
const mrcfileAndReference = await requirements(
  pythonModules("mrcfile", "numpy"),
  sharedFiles("reference/tem-simulator"),
);
const gemmi = await requirements(pythonModules("gemmi", "numpy"));

const FIXTURES = new URL("../../tests/fixtures/mrc/", import.meta.url).pathname;
const SHARED_REFERENCE = sharedPath("reference/tem-simulator/");

/** mrcfile's (permissive) view of a file, with its data dumped as little-endian float32. */
interface MrcfileView {
  shape: number[];
  voxel: number[];
  mapcrs: number[];
  nsymbt: number;
  exttyp: string;
  alpha: number[] | null;
  littleEndian: boolean;
}

const MRCFILE_DUMP = `
import json, sys, warnings
import numpy as np, mrcfile
warnings.simplefilter("ignore")
out = []
for i, path in enumerate(sys.argv[2:]):
    with mrcfile.open(path, permissive=True) as m:
        h = m.header
        ext = m.extended_header
        alpha = None
        if ext is not None and ext.dtype.names and "Alpha tilt" in ext.dtype.names:
            alpha = [float(a) for a in ext["Alpha tilt"]]
        np.asarray(m.data, dtype="<f4").tofile(f"{sys.argv[1]}/{i}.f32")
        out.append(dict(shape=list(m.data.shape), voxel=[float(v) for v in m.voxel_size.tolist()],
            mapcrs=[int(h.mapc), int(h.mapr), int(h.maps)], nsymbt=int(h.nsymbt),
            exttyp=bytes(h.exttyp).decode("ascii", "replace").rstrip("\\x00"), alpha=alpha,
            littleEndian=m.data.dtype.byteorder in "<=|"))
print(json.dumps(out))
`;

/** What mrcfile reports for `paths`, and each file's data (float32, mrcfile's C order). */
async function mrcfileView(paths: string[]): Promise<{ view: MrcfileView; data: Float32Array }[]> {
  const dir = await Deno.makeTempDir();
  try {
    const views = await runPythonJson<MrcfileView[]>(MRCFILE_DUMP, [dir, ...paths]);
    return await Promise.all(views.map(async (view, i) => {
      const bytes = await Deno.readFile(`${dir}/${i}.f32`);
      return { view, data: new Float32Array(bytes.buffer, 0, bytes.length / 4) };
    }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function mrcfileValidates(path: string): Promise<{ ok: boolean; report: string }> {
  const result = await runPython(
    "import mrcfile, sys; sys.exit(0 if mrcfile.validate(sys.argv[1]) else 1)",
    [path],
  );
  return { ok: result.code === 0, report: result.stdout + result.stderr };
}

/** Every data value equal (NaN equal to NaN), reporting the first difference. */
function assertSameValues(actual: Float32Array, expected: Float32Array, what: string): void {
  assertEquals(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (a !== e && !(Number.isNaN(a) && Number.isNaN(e))) {
      throw new Error(`${what}: value ${i} is ${a}, mrcfile says ${e}`);
    }
  }
}

async function existing(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    try {
      if ((await Deno.stat(path)).isFile) found.push(path);
    } catch {
      // absent
    }
  }
  return found;
}

mrcfile.test({
  name: "files our writers produce pass mrcfile.validate and read back in mrcfile",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const volume = new Float32Array(9 * 7 * 5).map((_, i) => Math.cos(i / 7) * 3 + 0.125 * i);
      await writeMrc(`${dir}/volume.mrc`, 9, 7, 5, volume, {
        voxelSize: { x: 1.5, y: 2, z: 2.5 },
        origin: { x: -7, y: 3, z: 0.5 },
        labels: ["volume", "second label"],
      });
      await writeMrc(`${dir}/constant.mrc`, 3, 3, 1, new Float32Array(9).fill(4), {
        voxelSize: 10,
      });
      const angles = [-60, -30.5, 0, 29.75, 60];
      const series = await MrcSeriesWriter.create(`${dir}/series.mrc`, 8, 6, {
        voxelSize: 3.25,
        tiltAngles: angles,
        labels: ["tilt series"],
      });
      const sections = angles.map((a) => new Float32Array(48).map((_, i) => a * i - 1000));
      for (const section of sections) await series.append(section);
      await series.close();
      const plain = await MrcSeriesWriter.create(`${dir}/plain.mrc`, 2, 3, { voxelSize: 1 });
      await plain.append(new Float32Array([1, 2, 3, 4, 5, 6]));
      await plain.close();

      const names = ["volume", "constant", "series", "plain"];
      for (const name of names) {
        const { ok, report } = await mrcfileValidates(`${dir}/${name}.mrc`);
        assert(ok, `${name}.mrc does not validate:\n${report}`);
      }
      const views = await mrcfileView(names.map((n) => `${dir}/${n}.mrc`));
      assertEquals(views[0]!.view.shape, [5, 7, 9]);
      assertEquals(views[0]!.view.voxel, [1.5, 2, 2.5]);
      assertSameValues(views[0]!.data, volume, "volume");
      const s = views[2]!;
      assertEquals(s.view.shape, [5, 6, 8]);
      assertEquals(s.view.voxel, [3.25, 3.25, 3.25]);
      assertEquals(s.view.exttyp, "FEI1");
      assertEquals(s.view.alpha, angles);
      const all = new Float32Array(240);
      sections.forEach((section, i) => all.set(section, 48 * i));
      assertSameValues(s.data, all, "series");
      assertEquals(await readMrcTiltAngles(`${dir}/series.mrc`), angles);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

mrcfileAndReference.test({
  name: "TEM-Simulator outputs read back as mrcfile reads them (shape, voxel size, values)",
  async fn() {
    const fixtures = await existing([
      `${FIXTURES}single_pdb_tiltseries.mrc`,
      `${FIXTURES}ice_edge_tiltseries.mrc`,
      `${FIXTURES}tii_re.mrc`,
    ]);
    assertEquals(fixtures.length, 3, "tests/fixtures/mrc holds the TEM-Simulator fixtures");
    const shared = await existing(
      ["ice_edge", "map_particles", "single_pdb"].flatMap((c) =>
        ["tiltseries.mrc", "tiltseries_nonoise.mrc", "tii_re.mrc", "tii_im.mrc"].map((f) =>
          `${SHARED_REFERENCE}${c}/${f}`
        )
      ),
    );
    assert(shared.length > 0, `${SHARED_REFERENCE} holds TEM-Simulator reference series`);
    const paths = [...fixtures, ...shared];
    const views = await mrcfileView(paths);
    for (const [i, path] of paths.entries()) {
      const { view, data } = views[i]!;
      const volume = await readMrc(path);
      const h = volume.header;
      assertEquals([h.nz, h.ny, h.nx], view.shape, path);
      assertEquals([h.mapc, h.mapr, h.maps], view.mapcrs, path);
      for (const [k, axis] of (["x", "y", "z"] as const).entries()) {
        assertAlmostEquals(h.voxelSize[axis], view.voxel[k]!, 1e-6 * view.voxel[k]!, path);
      }
      assertEquals(h.littleEndian, view.littleEndian, path);
      assertEquals(h.extendedHeaderBytes, view.nsymbt, path);
      assert(h.warnings!.some((w) => w.includes("44 11 00 00")), `${path}: stamp warning`);
      assertSameValues(volume.data, data, path);
      // Section-wise reads give the same values.
      const last = await readMrcSections(path, h.nz - 1, 1);
      assertSameValues(last, data.subarray((h.nz - 1) * h.nx * h.ny), `${path} last section`);
    }
    // TEM-Simulator stores the tilt angles (×100, int16) in its extended header.
    assertEquals(await readMrcTiltAngles(`${FIXTURES}single_pdb_tiltseries.mrc`), [-45, 0, 45]);
    assertEquals(await readMrcTiltAngles(`${FIXTURES}ice_edge_tiltseries.mrc`), [
      -60,
      -30,
      0,
      30,
      60,
    ]);
    assertEquals(await readMrcTiltAngles(`${FIXTURES}tii_re.mrc`), undefined);
  },
});

mrcfile.test({
  name: "an mrcfile-written map (bead_small.mrc) reads as mrcfile reads it, without warnings",
  async fn() {
    const path = `${FIXTURES}bead_small.mrc`;
    const { view, data } = (await mrcfileView([path]))[0]!;
    const volume = await readMrc(path);
    const h = volume.header;
    assertEquals([h.nz, h.ny, h.nx], view.shape);
    assertEquals([h.voxelSize.x, h.voxelSize.y, h.voxelSize.z], view.voxel);
    assertEquals(h.warnings, []);
    assertSameValues(volume.data, data, path);
    assert(h.dmax > h.dmin);
  },
});

gemmi.test({
  name: "a map written by gemmi reads back with gemmi's shape, voxel size and values",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/gemmi.ccp4`;
      // value(x, y, z) = x + 10 y + 100 z + 0.5; gemmi arrays are indexed [x, y, z].
      const info = await runPythonJson<{ size: number[]; spacing: number[] }>(
        `
import json, sys
import numpy as np, gemmi
nx, ny, nz = 6, 5, 4
x, y, z = np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij")
m = gemmi.Ccp4Map()
m.grid = gemmi.FloatGrid((x + 10 * y + 100 * z + 0.5).astype(np.float32),
                         gemmi.UnitCell(nx * 1.25, ny * 1.5, nz * 2.0, 90, 90, 90))
m.update_ccp4_header(2, True)
m.write_ccp4_map(sys.argv[1])
r = gemmi.read_ccp4_map(sys.argv[1])
print(json.dumps(dict(size=[r.grid.nu, r.grid.nv, r.grid.nw], spacing=list(r.grid.spacing))))
`,
        [path],
      );
      const volume = await readMrc(path);
      const h = volume.header;
      assertEquals([h.nx, h.ny, h.nz], info.size);
      assertEquals([h.voxelSize.x, h.voxelSize.y, h.voxelSize.z], info.spacing);
      for (let z = 0; z < 4; z++) {
        for (let y = 0; y < 5; y++) {
          for (let x = 0; x < 6; x++) {
            assertEquals(volume.data[x + 6 * (y + 5 * z)], x + 10 * y + 100 * z + 0.5);
          }
        }
      }
      assertEquals([h.dmin, h.dmax], [0.5, 5 + 40 + 300 + 0.5]);
      assertEquals((await readMrcHeader(path)).nz, 4);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

mrcfile.test({
  name: "mrcfile-made files in modes 0, 1, 6, 12, big-endian, and with MAPC/MAPR/MAPS read back",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      // Each file: mrcfile writes a (z, y, x) array; "perm" files then get MAPC/MAPR/MAPS changed
      // so the same bytes mean another axis order, and the expected xyz array is transposed.
      const made = await runPythonJson<{ name: string; mode: number; stamp: number[] }[]>(
        `
import json, sys, warnings
import numpy as np, mrcfile
warnings.simplefilter("ignore")
d = sys.argv[1]
rng = np.random.default_rng(7)
base = rng.normal(0, 1000, size=(3, 4, 5))
files = {
  "int8": base.clip(-128, 127).astype(np.int8),
  "int16": base.astype(np.int16),
  "uint16": np.abs(base).astype(np.uint16),
  "float16": (base / 7).astype(np.float16),
  "float32be": (base / 3).astype(">f4"),
  "int16be": base.astype(">i2"),
}
out = []
for name, arr in files.items():
    with mrcfile.new(f"{d}/{name}.mrc", overwrite=True) as m:
        m.set_data(arr)
        m.voxel_size = (1.25, 2.5, 5.0)
        m.header.origin = (1.0, -2.0, 3.0)
    np.asarray(arr, dtype="<f4").tofile(f"{d}/{name}.f32")
    with mrcfile.open(f"{d}/{name}.mrc") as m:
        out.append(dict(name=name, mode=int(m.header.mode), stamp=list(bytes(m.header.machst))))
for name, order in (("perm312", (3, 1, 2)), ("perm213", (2, 1, 3))):
    arr = (base / 11).astype(np.float32)
    with mrcfile.new(f"{d}/{name}.mrc", overwrite=True) as m:
        m.set_data(arr)
        m.header.mapc, m.header.mapr, m.header.maps = order
        sizes = [0, 0, 0]
        for k, a in enumerate((order[2], order[1], order[0])):
            sizes[a - 1] = arr.shape[k]
        m.header.mx, m.header.my, m.header.mz = sizes
        m.header.cella = tuple(float(s) for s in sizes)
    # File dims are (sections, rows, columns) along axes (maps, mapr, mapc); want (z, y, x).
    file_axes = [order[2] - 1, order[1] - 1, order[0] - 1]
    xyz = np.transpose(arr, [file_axes.index(a) for a in (2, 1, 0)])
    np.ascontiguousarray(xyz, dtype="<f4").tofile(f"{d}/{name}.f32")
    out.append(dict(name=name, mode=2, stamp=[68, 68, 0, 0]))
print(json.dumps(out))
`,
        [dir],
      );
      assertEquals(made.map((m) => m.mode), [0, 1, 6, 12, 2, 1, 2, 2]);
      assertEquals(made[4]!.stamp, [0x11, 0x11, 0, 0]); // really big-endian
      for (const { name } of made) {
        const path = `${dir}/${name}.mrc`;
        const expectedBytes = await Deno.readFile(`${dir}/${name}.f32`);
        const expected = new Float32Array(expectedBytes.buffer, 0, expectedBytes.length / 4);
        const volume = await readMrc(path);
        assertSameValues(volume.data, expected, name);
        const h = volume.header;
        assertEquals(h.littleEndian, !name.endsWith("be"), name);
        if (name.startsWith("perm")) {
          assertEquals(h.nx * h.ny * h.nz, 60, name);
          assertEquals(h.voxelSize, { x: 1, y: 1, z: 1 }, name);
        } else {
          assertEquals([h.nx, h.ny, h.nz], [5, 4, 3], name);
          assertEquals(h.voxelSize, { x: 1.25, y: 2.5, z: 5 }, name);
          assertEquals(h.origin, { x: 1, y: -2, z: 3 }, name);
          assertSameValues(
            await readMrcSections(path, 1, 2),
            expected.subarray(20),
            `${name} sections`,
          );
        }
      }
      const perm = (await readMrc(`${dir}/perm312.mrc`)).header;
      // mrcfile array (3, 4, 5) = (sections, rows, columns) along (y, x, z).
      assertEquals([perm.nx, perm.ny, perm.nz], [4, 3, 5]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

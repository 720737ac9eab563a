import { assert, assertEquals, assertThrows } from "../testing/mod.ts";
import { EtsError } from "../errors/mod.ts";
import { decodeMrc, decodeMrcHeader, encodeMrc, gridOrigin } from "./mod.ts";

interface RawFile {
  nc: number;
  nr: number;
  ns: number;
  mode: number;
  values: number[];
  little?: boolean;
  stamp?: number[];
  axes?: [number, number, number];
  nsymbt?: number;
  starts?: [number, number, number];
  map?: boolean;
  cella?: [number, number, number];
  m?: [number, number, number];
  origin?: [number, number, number];
}

/** Builds an MRC file by hand, field by field, in either byte order. */
function rawMrc(f: RawFile): Uint8Array {
  const le = f.little ?? true;
  const size = ({ 0: 1, 1: 2, 2: 4, 6: 2, 12: 2 } as Record<number, number>)[f.mode]!;
  const nsymbt = f.nsymbt ?? 0;
  const bytes = new Uint8Array(1024 + nsymbt + size * f.values.length);
  const v = new DataView(bytes.buffer);
  const axes = f.axes ?? [1, 2, 3];
  v.setInt32(0, f.nc, le);
  v.setInt32(4, f.nr, le);
  v.setInt32(8, f.ns, le);
  v.setInt32(12, f.mode, le);
  const starts = f.starts ?? [0, 0, 0];
  starts.forEach((s, i) => v.setInt32(16 + 4 * i, s, le));
  const sizes = [0, 0, 0];
  sizes[axes[0] - 1] = f.nc;
  sizes[axes[1] - 1] = f.nr;
  sizes[axes[2] - 1] = f.ns;
  const m = f.m ?? sizes;
  m.forEach((n, i) => v.setInt32(28 + 4 * i, n, le));
  (f.cella ?? [2 * m[0]!, 3 * m[1]!, 4 * m[2]!]).forEach((c, i) => v.setFloat32(40 + 4 * i, c, le));
  axes.forEach((a, i) => v.setInt32(64 + 4 * i, a, le));
  v.setInt32(92, nsymbt, le);
  v.setInt32(108, 20140, le);
  (f.origin ?? [0, 0, 0]).forEach((o, i) => v.setFloat32(196 + 4 * i, o, le));
  if (f.map ?? true) bytes.set([0x4d, 0x41, 0x50, 0x20], 208);
  bytes.set(f.stamp ?? (le ? [0x44, 0x44, 0, 0] : [0x11, 0x11, 0, 0]), 212);
  const at = 1024 + nsymbt;
  f.values.forEach((x, i) => {
    const o = at + size * i;
    if (f.mode === 0) v.setInt8(o, x);
    else if (f.mode === 1) v.setInt16(o, x, le);
    else if (f.mode === 6) v.setUint16(o, x, le);
    else if (f.mode === 2) v.setFloat32(o, x, le);
    else v.setUint16(o, x, le); // mode 12: raw half bits
  });
  return bytes;
}

Deno.test("decodeMrc reads mode 0 (signed int8) both byte orders", () => {
  for (const little of [true, false]) {
    const volume = decodeMrc(
      rawMrc({ nc: 3, nr: 2, ns: 1, mode: 0, little, values: [-128, -1, 0, 1, 2, 127] }),
    );
    assertEquals([...volume.data], [-128, -1, 0, 1, 2, 127]);
    assertEquals(volume.header.littleEndian, little);
  }
});

Deno.test("decodeMrc reads mode 0 as unsigned in old-style files without MAP", () => {
  const volume = decodeMrc(rawMrc({ nc: 2, nr: 1, ns: 1, mode: 0, map: false, values: [-1, 5] }));
  assertEquals([...volume.data], [255, 5]);
  assert(volume.header.warnings!.some((w) => w.includes("MAP")));
});

Deno.test("decodeMrc reads mode 1 (int16) and mode 6 (uint16) big-endian", () => {
  const i16 = decodeMrc(
    rawMrc({ nc: 2, nr: 2, ns: 1, mode: 1, little: false, values: [-32768, -2, 3, 32767] }),
  );
  assertEquals([...i16.data], [-32768, -2, 3, 32767]);
  assertEquals(i16.header.littleEndian, false);
  const u16 = decodeMrc(
    rawMrc({ nc: 2, nr: 2, ns: 1, mode: 6, little: false, values: [0, 1, 40000, 65535] }),
  );
  assertEquals([...u16.data], [0, 1, 40000, 65535]);
});

Deno.test("decodeMrc reads mode 12 (float16) including subnormals and infinities", () => {
  // 0x3c00 = 1, 0xc000 = -2, 0x3555 ≈ 0.33325, 0x0001 = 2^-24, 0x7c00 = Inf, 0x7bff = 65504
  const volume = decodeMrc(
    rawMrc({
      nc: 6,
      nr: 1,
      ns: 1,
      mode: 12,
      values: [0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0x7bff],
    }),
  );
  assertEquals([...volume.data], [
    1,
    -2,
    Math.fround(0.333251953125),
    Math.fround(2 ** -24),
    Infinity,
    65504,
  ]);
});

Deno.test("decodeMrc reads mode 2 big-endian, and little-endian files with a wrong stamp", () => {
  const values = [1.5, -2.25, 1e-3, 3e7];
  const big = decodeMrc(rawMrc({ nc: 2, nr: 2, ns: 1, mode: 2, little: false, values }));
  assertEquals([...big.data], values.map(Math.fround));
  // TEM-Simulator's stamp 44 11 00 00 on a little-endian file.
  const odd = decodeMrc(
    rawMrc({ nc: 2, nr: 2, ns: 1, mode: 2, stamp: [0x44, 0x11, 0, 0], values }),
  );
  assertEquals([...odd.data], values.map(Math.fround));
  assert(odd.header.littleEndian);
  assert(odd.header.warnings!.some((w) => w.includes("44 11 00 00")));
  // A big-endian file stamped little-endian: the values win.
  const lying = decodeMrc(
    rawMrc({ nc: 2, nr: 2, ns: 1, mode: 2, little: false, stamp: [0x44, 0x44, 0, 0], values }),
  );
  assertEquals([...lying.data], values.map(Math.fround));
  assert(!lying.header.littleEndian);
});

Deno.test("decodeMrc honours MAPC/MAPR/MAPS: data come back x fastest", () => {
  // Columns along z (3), rows along x (1), sections along y (2): sizes z=4, x=2, y=3.
  const nc = 4, nr = 2, ns = 3;
  const values: number[] = [];
  for (let s = 0; s < ns; s++) {
    for (let r = 0; r < nr; r++) for (let c = 0; c < nc; c++) values.push(100 * s + 10 * r + c);
  }
  const volume = decodeMrc(
    rawMrc({ nc, nr, ns, mode: 2, axes: [3, 1, 2], values, starts: [7, 5, 6] }),
  );
  const h = volume.header;
  assertEquals([h.nx, h.ny, h.nz], [2, 3, 4]);
  assertEquals([h.mapc, h.mapr, h.maps], [3, 1, 2]);
  assertEquals([h.nxstart, h.nystart, h.nzstart], [5, 6, 7]);
  assertEquals([h.voxelSize.x, h.voxelSize.y, h.voxelSize.z], [2, 3, 4]);
  for (let z = 0; z < 4; z++) {
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 2; x++) {
        // x is the row, y the section, z the column.
        assertEquals(volume.data[x + 2 * (y + 3 * z)], 100 * y + 10 * x + z);
      }
    }
  }
  // Origin from the starts (CCP4 convention) when ORIGIN is 0.
  assertEquals(gridOrigin(h), { x: 10, y: 18, z: 28 });
});

Deno.test("decodeMrc falls back to 1,2,3 for an invalid axis mapping, with a warning", () => {
  const volume = decodeMrc(
    rawMrc({ nc: 2, nr: 1, ns: 1, mode: 2, axes: [1, 1, 3], values: [1, 2] }),
  );
  assertEquals([...volume.data], [1, 2]);
  assert(volume.header.warnings!.some((w) => w.includes("MAPC/MAPR/MAPS")));
});

Deno.test("decodeMrc skips the extended header and keeps its size and type", () => {
  const bytes = rawMrc({ nc: 2, nr: 1, ns: 1, mode: 2, nsymbt: 10, values: [4, 5] });
  bytes.set([0x53, 0x45, 0x52, 0x49], 104); // "SERI"
  bytes.fill(0x7f, 1024, 1034);
  const volume = decodeMrc(bytes);
  assertEquals([...volume.data], [4, 5]);
  assertEquals(volume.header.extendedHeaderBytes, 10);
  assertEquals(volume.header.exttyp, "SERI");
  assertEquals(volume.extendedHeader?.length, 10);
});

Deno.test("decodeMrc ignores a bogus NSYMBT when the data fit exactly without it", () => {
  const bytes = rawMrc({ nc: 2, nr: 1, ns: 1, mode: 2, values: [4, 5] });
  new DataView(bytes.buffer).setInt32(92, 400, true);
  const volume = decodeMrc(bytes);
  assertEquals([...volume.data], [4, 5]);
  assertEquals(volume.header.extendedHeaderBytes, 0);
});

Deno.test("voxel size is CELLA/M; undefined cells give 1 Å with a warning; ORIGIN is kept", () => {
  const volume = decodeMrc(
    rawMrc({
      nc: 2,
      nr: 2,
      ns: 2,
      mode: 2,
      values: new Array(8).fill(0),
      cella: [5, 3, 0],
      m: [4, 2, 2],
      origin: [-1.5, 2, 3],
    }),
  );
  assertEquals(volume.header.voxelSize, { x: 1.25, y: 1.5, z: 1 });
  assert(volume.header.warnings!.some((w) => w.includes("along z")));
  assertEquals(volume.header.origin, { x: -1.5, y: 2, z: 3 });
  assertEquals(gridOrigin(volume.header), { x: -1.5, y: 2, z: 3 });
});

Deno.test("truncated and inconsistent files give input errors naming the file and the problem", () => {
  const good = encodeMrc(4, 4, 2, new Float32Array(32), { voxelSize: 1 });
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, 1000), /shorter than the 1024-byte header/],
    [good.subarray(0, good.length - 4), /truncated: 1148 bytes.*needs 1152 bytes/],
  ];
  const badMode = good.slice();
  new DataView(badMode.buffer).setInt32(12, 7, true);
  cases.push([badMode, /unknown mode 7/]);
  const complex = good.slice();
  new DataView(complex.buffer).setInt32(12, 3, true);
  new DataView(complex.buffer).setInt32(8, 1, true); // 4x4x1 complex int16 = 64 bytes: fits
  cases.push([complex, /mode 3 is not supported/]);
  const zero = good.slice();
  new DataView(zero.buffer).setInt32(4, 0, true);
  cases.push([zero, /NY must be positive, got 0/]);
  for (const [bytes, pattern] of cases) {
    const error = assertThrows(() => decodeMrc(bytes, "bad.mrc"), EtsError);
    assertEquals(error.kind, "input");
    assertEquals(error.file, "bad.mrc");
    assert(error.message.startsWith(`Cannot read "bad.mrc": `), error.message);
    assert(pattern.test(error.message), error.message);
  }
});

Deno.test("decodeMrcHeader reads labels and stats from the first 1024 bytes only", () => {
  const bytes = encodeMrc(2, 2, 1, new Float32Array([1, 2, 3, 6]), {
    voxelSize: 1,
    labels: ["first", "second"],
  });
  const header = decodeMrcHeader(bytes.subarray(0, 1024), "x.mrc");
  assertEquals(header.labels, ["first", "second"]);
  assertEquals([header.dmin, header.dmax, header.dmean], [1, 6, 3]);
  assertEquals(header.rms, Math.fround(Math.sqrt((4 + 1 + 0 + 9) / 4)));
});

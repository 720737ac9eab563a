/**
 * The spec's test table (chimera.md §5, rows 2-32 that concern the interpreter) as unit tests,
 * plus the ETSimulations T4SS sequence (§2.13).
 */
import { assert, assertAlmostEquals, assertEquals, assertMatch } from "../testing/mod.ts";
import { decodeMrc, encodeMrc } from "../mrc/mod.ts";
import { MemoryFileAccess } from "./file_access.ts";
import { ChimeraInterpreter } from "./interpreter.ts";
import type { Model, VolumeModel } from "./session.ts";
import {
  identity,
  multiply,
  rotation,
  type Transform,
  translation,
  type Vector3,
} from "./transform.ts";

const FIXTURES = new URL("../../tests/fixtures/chimera/", import.meta.url);

/** A: 10³, o = 0, s = 1, v(i,j,k) = i + 10j + 100k. */
function valuesA(): Float32Array {
  const data = new Float32Array(1000);
  for (let k = 0; k < 10; k++) {
    for (let j = 0; j < 10; j++) {
      for (let i = 0; i < 10; i++) data[i + 10 * j + 100 * k] = i + 10 * j + 100 * k;
    }
  }
  return data;
}

function mrcA(): Uint8Array {
  return encodeMrc(10, 10, 10, valuesA(), { voxelSize: 1 });
}

function setup(files: Record<string, Uint8Array> = {}) {
  const memory = new MemoryFileAccess("/work", { "A.mrc": mrcA(), ...files });
  const interpreter = new ChimeraInterpreter({ files: memory, saveLabel: () => "test" });
  const run = async (...commands: string[]) => {
    const outcome = await interpreter.run(commands);
    if (outcome.error !== undefined) throw new Error(`unexpected error: ${outcome.error}`);
    return outcome;
  };
  const model = (id: number, subid = 0): Model => {
    const m = interpreter.session.models.find((x) => x.id === id && x.subid === subid);
    if (m === undefined) throw new Error(`no model #${id}.${subid}`);
    return m;
  };
  const volume = (id: number, subid = 0): VolumeModel => {
    const m = model(id, subid);
    assertEquals(m.kind, "volume");
    return m as VolumeModel;
  };
  return { memory, interpreter, run, model, volume };
}

function assertTransform(actual: Transform, expected: Transform, tolerance = 1e-12): void {
  for (let i = 0; i < 12; i++) {
    assertAlmostEquals(
      actual[i]!,
      expected[i]!,
      tolerance,
      `element ${i}: ${actual} vs ${expected}`,
    );
  }
}

function at(v: VolumeModel, i: number, j: number, k: number): number {
  const [nx, ny] = v.grid.size;
  return v.grid.data[(k * ny + j) * nx + i]!;
}

const Rz90: Transform = Float64Array.of(0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0);

Deno.test("row 4: open #0 of an mrcfile-written map gives its grid, origin and P = I", async () => {
  const bead = await Deno.readFile(new URL("bead20.mrc", FIXTURES));
  const t = setup({ "bead.mrc": bead });
  await t.run("open #0 bead.mrc");
  const v = t.volume(0);
  assertEquals(v.grid.size, [20, 20, 20]);
  assertEquals(v.grid.origin, [-10, -10, -10]);
  assertEquals(v.grid.step, [1, 1, 1]);
  assertEquals(v.grid.valueType, "float32");
  assertTransform(v.position, identity());
  assertEquals(at(v, 10, 10, 10), 20);
  assertEquals(at(v, 0, 0, 0), 0);
});

Deno.test("row 5: a new model inherits the position of the lowest model (Chimera 1)", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "open #3 A.mrc", "move 1,2,3 models #1");
  await t.run("open #5 A.mrc");
  assertTransform(t.model(5).position, translation([1, 2, 3]));
  // A model opened under an id in use copies that id's position.
  await t.run("move 0,0,7 models #3", "open #3 A.mrc");
  assertTransform(t.model(3, 1).position, translation([0, 0, 7]));
});

Deno.test("rows 6-9: move with coordinateSystem rotates the vector; distance normalises", async () => {
  const t = setup();
  await t.run("open #98 A.mrc", "turn z 90 models #98 center 0,0,0");
  assertTransform(t.model(98).position, Rz90);
  await t.run("open #1 A.mrc");
  // #1 inherited #98's position (the lowest model); reset it to I for the table's preconditions.
  t.model(1).position = identity();
  await t.run("move 0,0,-43 models #1 coordinateSystem #98");
  assertTransform(t.model(1).position, translation([0, 0, -43]));
  t.model(1).position = identity();
  await t.run("move 1,0,0 models #1 coordinateSystem #98");
  assertTransform(t.model(1).position, translation([0, 1, 0]));
  t.model(1).position = identity();
  await t.run("move x 5 models #1 coordinateSystem #98");
  assertTransform(t.model(1).position, translation([0, 5, 0]));
  t.model(1).position = identity();
  await t.run("move 3,4,0 models #1");
  assertTransform(t.model(1).position, translation([3, 4, 0]));
  // A zero vector is accepted and does nothing.
  await t.run("move 0.00,0.00,0 models #1");
  assertTransform(t.model(1).position, translation([3, 4, 0]));
});

Deno.test("row 10: turn about a centre given in another model's coordinates", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "open #2 A.mrc", "move 10,0,0 models #2");
  await t.run("turn z 90 models #1 center 0,0,0 coordinateSystem #2");
  const expected = Float64Array.of(0, -1, 0, 10, 1, 0, 0, -10, 0, 0, 1, 0);
  assertTransform(t.model(1).position, expected);
});

Deno.test("row 11: turn in the model's own frame right-multiplies its rotation", async () => {
  const t = setup();
  await t.run("open #3 A.mrc", "turn x 20 models #3 center 0,0,0", "move 1,2,3 models #3");
  const p3 = t.model(3).position.slice();
  assertTransform(p3, multiply(translation([1, 2, 3]), rotation([1, 0, 0], 20)));
  await t.run("turn z 30 models #3 center 0,0,0 coordinateSystem #3");
  assertTransform(t.model(3).position, multiply(p3, rotation([0, 0, 1], 30)));
});

Deno.test("row 12: successive turns compose left to right in time", async () => {
  const t = setup();
  await t.run("open #98 A.mrc", "open #1 A.mrc");
  await t.run(
    "turn x 10 models #1 center 0,0,0 coordinateSystem #98",
    "turn y 5 models #1 center 0,0,0 coordinateSystem #98",
  );
  assertTransform(t.model(1).position, multiply(rotation([0, 1, 0], 5), rotation([1, 0, 0], 10)));
});

Deno.test("row 13: vop scale applies the shift first, keeps the grid and P", async () => {
  const small = encodeMrc(3, 1, 1, Float32Array.of(0, 1, 2), {
    voxelSize: 2,
    origin: { x: 1, y: 2, z: 3 },
  });
  const t = setup({ "s.mrc": small });
  await t.run("open #0 s.mrc", "move 1,1,1 models #0");
  await t.run("vop scale #0 shift 1 factor 2 modelId #7");
  const v = t.volume(7);
  assertEquals([...v.grid.data], [2, 4, 6]);
  assertEquals(v.grid.origin, [1, 2, 3]);
  assertEquals(v.grid.step, [2, 2, 2]);
  assertTransform(v.position, t.model(0).position);
  assertEquals(v.name, "s.mrc scaled");
});

Deno.test("row 14: vop scale keeps an integer value type: clip, then truncate", async () => {
  const t = setup();
  t.interpreter.session.add({
    kind: "volume",
    id: 0,
    subid: 0,
    name: "i8",
    position: identity(),
    grid: {
      size: [3, 1, 1],
      origin: [0, 0, 0],
      step: [1, 1, 1],
      valueType: "int8",
      data: Float32Array.of(3, -3, 100),
    },
  });
  await t.run("vop scale #0 factor 1.5");
  const v = t.volume(1);
  assertEquals(v.grid.valueType, "int8");
  assertEquals([...v.grid.data], [4, -4, 127]);
});

Deno.test("row 15: vop add bounds both maps; far faces of interpolated maps give 0", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "open #2 A.mrc");
  t.model(2).position = translation([5, 0, 0]);
  await t.run("vop add #1,2 modelId #9");
  const v = t.volume(9);
  assertEquals(v.grid.size, [17, 12, 12]);
  assertEquals(v.grid.origin, [-1, -1, -1]);
  assertEquals(v.grid.step, [1, 1, 1]);
  assertEquals(v.grid.valueType, "float32");
  assertTransform(v.position, identity());
  // scene (x,y,z) is index (x+1, y+1, z+1)
  assertEquals(at(v, 8, 4, 4), 337 + 332);
  assertEquals(at(v, 10, 1, 1), 4);
  assertEquals(at(v, 0, 0, 0), 0);
  assertEquals(v.name, "volume sum");
});

Deno.test("row 16: vop add onGrid keeps #1's far faces (same grid) and interpolates #2", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "open #2 A.mrc");
  t.model(2).position = translation([5, 0, 0]);
  await t.run("vop add #1,2 onGrid #1");
  const v = t.volume(0);
  assertEquals(v.grid.size, [10, 10, 10]);
  assertEquals(v.grid.origin, [0, 0, 0]);
  assertEquals(at(v, 9, 9, 9), 999); // #2 at local (4,9,9): outside (upper face)
  assertEquals(at(v, 7, 3, 3), 337 + 332);
  assertEquals(at(v, 9, 0, 0), 9 + 4);
});

Deno.test("row 17: a scale factor count mismatch fails and skips the rest", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "open #2 A.mrc");
  const outcome = await t.interpreter.run(["vop add #1,2 scaleFactors 1", "open #3 A.mrc"]);
  assertEquals(outcome.error, "Number of scale factors does not match number of volumes");
  assertEquals(outcome.lines[outcome.lines.length - 1], outcome.error);
  assertEquals(outcome.commands.length, 1);
  assertEquals(t.interpreter.session.models.length, 2);
});

Deno.test("row 18: vop resample onGrid interpolates with the outside rule", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "open #2 A.mrc");
  t.model(2).position = translation([0.5, 0, 0]);
  await t.run("vop resample #2 onGrid #1 modelId #4");
  const v = t.volume(4);
  assertEquals(v.grid.size, [10, 10, 10]);
  assertTransform(v.position, identity());
  for (let k = 0; k < 10; k++) {
    for (let j = 0; j < 10; j++) {
      for (let i = 0; i < 10; i++) {
        const expected = i >= 1 && j <= 8 && k <= 8 ? i + 10 * j + 100 * k - 0.5 : 0;
        assertEquals(at(v, i, j, k), expected, `at ${i},${j},${k}`);
      }
    }
  }
});

Deno.test("row 19: vop resample without onGrid is an error", async () => {
  const t = setup();
  await t.run("open #2 A.mrc");
  const outcome = await t.interpreter.run(["vop resample #2"]);
  assertEquals(outcome.error, "Resample operation must specify onGrid option");
});

Deno.test("row 20: vop zFlip reverses the z planes, same origin, step and P", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "move 2,0,0 models #1", "vop zFlip #1");
  const v = t.volume(0);
  assertEquals(v.grid.origin, [0, 0, 0]);
  for (const [i, j, k] of [[0, 0, 0], [3, 4, 5], [9, 9, 9]] as Vector3[]) {
    assertEquals(at(v, i, j, k), i + 10 * j + 100 * (9 - k));
  }
  assertTransform(v.position, translation([2, 0, 0]));
});

Deno.test("row 21: vop gaussian gives a float32 map on the same grid (smoothed)", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "vop gaussian #1 sDev 2 modelId #5");
  const v = t.volume(5);
  assertEquals(v.grid.size, [10, 10, 10]);
  assertEquals(v.grid.valueType, "float32");
  assertEquals(v.name, "A.mrc gaussian");
  // Separable: v = i + 10j + 100k gives 111·G·S² at (4,4,4), with S = Σ taps and G = Σ taps·m
  // over the kernel of offsets −5…4 (hw = min(10 div 2, int(5·2+1)) = 5), normalised over the
  // FFT length 16 (the first efficient size above 10 + 5).
  const weight = (d: number) => Math.exp(-0.5 * (d / 2) ** 2);
  let area = 0;
  for (let i = 0; i < 16; i++) area += weight(Math.min(i, 16 - i));
  const taps = (d: number) => (d >= -5 && d < 5 ? weight(d) / area : 0);
  let S = 0, G = 0;
  for (let m = 0; m < 10; m++) {
    S += taps(4 - m);
    G += taps(4 - m) * m;
  }
  assertAlmostEquals(at(v, 4, 4, 4), 111 * G * S * S, 1e-3);
  assert(Math.abs(at(v, 4, 4, 4) - 444) < 60, "smoothing keeps the value near the ramp");
});

Deno.test("row 22: volume save writes MRC2014 with the grid origin, not P", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "open #2 A.mrc");
  t.model(2).position = translation([5, 0, 0]);
  await t.run("vop add #1,2 modelId #9", "volume #9 save out/o.mrc");
  const bytes = t.memory.get("out/o.mrc");
  assert(bytes !== undefined, "the file was written");
  const saved = decodeMrc(bytes, "o.mrc");
  const h = saved.header;
  assertEquals([h.nx, h.ny, h.nz, h.mode], [17, 12, 12, 2]);
  assertEquals([h.cella.x, h.cella.y, h.cella.z], [17, 12, 12]);
  assertEquals([h.origin.x, h.origin.y, h.origin.z], [-1, -1, -1]);
  assertEquals([h.nxstart, h.nystart, h.nzstart], [0, 0, 0]);
  assertEquals([h.mapc, h.mapr, h.maps], [1, 2, 3]);
  assertEquals(h.labels[0], "test");
  assertEquals(saved.data, t.volume(9).grid.data);
});

Deno.test("row 23: the model position is not saved", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "move 5,0,0 models #1", "volume #1 save out/m.mrc");
  const h = decodeMrc(t.memory.get("out/m.mrc")!).header;
  assertEquals([h.origin.x, h.origin.y, h.origin.z], [0, 0, 0]);
});

Deno.test("rows 24-25: volume voxelSize keeps the origin index; originIndex sets it", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "volume #1 origin -4,0,0", "volume #1 voxelSize 2");
  assertEquals(t.volume(1).grid.origin, [-8, 0, 0]);
  assertEquals(t.volume(1).grid.step, [2, 2, 2]);
  await t.run("open #2 A.mrc", "volume #2 originIndex 5,5,5 level 3 style surface");
  assertEquals(t.volume(2).grid.origin, [-5, -5, -5]);
});

Deno.test("row 26: molmap of one carbon (Chimera 1 grid anchored at min − pad)", async () => {
  const pdb = await Deno.readFile(new URL("c.pdb", FIXTURES));
  const t = setup({ "c.pdb": pdb });
  await t.run("open #0 c.pdb", "move 1,2,3 models #0", "molmap #0 3");
  const v = t.volume(0, 1);
  assertEquals(v.grid.size, [18, 18, 18]);
  assertEquals(v.grid.origin, [-9, -9, -9]);
  assertEquals(v.grid.step, [1, 1, 1]);
  assertTransform(v.position, translation([1, 2, 3]));
  assertAlmostEquals(at(v, 9, 9, 9), 1.237406, 1e-6);
  assertAlmostEquals(at(v, 10, 9, 9), 0.413290, 1e-6);
  assertEquals(at(v, 5, 9, 9), 0); // outside the cutoff box (indices 6…12)
  assert(at(v, 6, 9, 9) > 0);
  assertEquals(v.name, "molmap c.pdb res 3");
  // replace (default true) closes the previous molmap of the same atoms
  await t.run("molmap #0 3 gridSpacing 0.5");
  assertEquals(t.interpreter.session.models.filter((m) => m.kind === "volume").length, 1);
  assertEquals(t.volume(0, 1).grid.step, [0.5, 0.5, 0.5]);
});

Deno.test("rows 27-28: shape sphere makes a surface that vop refuses", async () => {
  const t = setup();
  await t.run("shape sphere modelId #999");
  const s = t.model(999);
  assertEquals(s.kind, "surface");
  if (s.kind === "surface") assertEquals(s.radius, [10, 10, 10]);
  assertTransform(s.position, identity());
  const outcome = await t.interpreter.run(["vop scale #999 factor 2"]);
  assertMatch(outcome.error ?? "", /#999 is not a volume/);
});

Deno.test("row 29: closing a map keeps maps derived from it", async () => {
  const t = setup();
  await t.run("open #108 A.mrc", "vop scale #108 factor 1.5 modelId #98", "close #108");
  assertEquals(t.interpreter.session.models.map((m) => m.id), [98]);
  assertEquals(at(t.volume(98), 1, 0, 0), 1.5);
});

Deno.test("row 30: close session empties the session; ids restart at 0", async () => {
  const t = setup();
  await t.run("open #5 A.mrc", "open A.mrc", "close session");
  assertEquals(t.interpreter.session.models.length, 0);
  await t.run("open A.mrc");
  assertEquals(t.interpreter.session.models.map((m) => m.id), [0]);
});

Deno.test("row 32: one parameter with ';' runs both commands", async () => {
  const t = setup({ "a.mrc": mrcA() });
  await t.run("open #0 a.mrc; volume #0 save b.mrc");
  assertEquals(decodeMrc(t.memory.get("b.mrc")!).data, valuesA());
});

Deno.test("errors: unknown commands, options and vop operations answer one error line", async () => {
  const t = setup();
  await t.run("open #1 A.mrc");
  for (
    const [command, pattern] of [
      ["frobnicate #1", /^Unknown command: frobnicate$/],
      ["vop foo #1", /^Unknown vop operation: foo$/],
      ["vop scale #1 fctr 2", /Unknown vop scale keyword "fctr"/],
      ["vop scale #7 factor 2", /^No volumes specified by "#7"$/],
      ["move y nope", /Unknown move keyword "nope"/],
      ["turn x 1 models #1 center 0,0", /3 comma-separated numbers/],
      ["open #2 missing.mrc", /Cannot open "missing.mrc"/],
      ["open #2 A.mrc.gz", /Compressed/],
      ["volume #1 save x.cmap", /unsupported format/],
      ["molmap #1 3", /No atoms specified/],
    ] as [string, RegExp][]
  ) {
    const outcome = await t.interpreter.run([command]);
    assertMatch(outcome.error ?? "(no error)", pattern);
  }
});

Deno.test("keywords are case-insensitive and may be truncated", async () => {
  const t = setup();
  await t.run("open #1 A.mrc", "VOP SCALE #1 FACT 2 modelid 3", "vop #3 scale sh 1 mod #4");
  assertEquals(at(t.volume(3), 2, 0, 0), 4);
  assertEquals(at(t.volume(4), 2, 0, 0), 5);
});

Deno.test("§2.13: the ETSimulations T4SS sequence gives the documented positions", async () => {
  const t = setup({ "membrane.mrc": mrcA(), "barrel.mrc": mrcA(), "rod.mrc": mrcA() });
  const ax = 12, ay = -7, k = 3, d = 20;
  await t.run(
    "shape sphere modelId #999",
    "open #108 membrane.mrc",
    "vop scale #108 factor 1.500 modelId #98",
    "close #108",
    "open #1 barrel.mrc",
    `turn x ${ax} models #1 center 0,0,0 coordinateSystem #98`,
    `turn y ${ay} models #1 center 0,0,0 coordinateSystem #98`,
    "move 0,0,-43 models #1 coordinateSystem #98",
  );
  const p1 = multiply(
    translation([0, 0, -43]),
    multiply(rotation([0, 1, 0], ay), rotation([1, 0, 0], ax)),
  );
  assertTransform(t.model(1).position, p1);
  const tilts = [[3, 4], [-2, 5], [1, -6]];
  for (let i = 0; i < k; i++) {
    const r = i + 2, deg = 360 * i / k;
    const x = d * Math.cos(deg * Math.PI / 180), y = d * Math.sin(deg * Math.PI / 180);
    const [tx, ty] = tilts[i]!;
    await t.run(
      `open #${r} rod.mrc`,
      `turn z ${deg} models #${r} center 0,0,0 coordinateSystem #${r}`,
      `move ${x},${y},0 models #${r} coordinateSystem #98`,
      `turn x ${tx} models #${r} center 0,0,0 coordinateSystem #${r}`,
      `turn y ${ty} models #${r} center 0,0,0 coordinateSystem #${r}`,
    );
    const expected = multiply(
      multiply(
        multiply(translation([x, y, 0]), multiply(p1, rotation([0, 0, 1], deg))),
        rotation([1, 0, 0], tx!),
      ),
      rotation([0, 1, 0], ty!),
    );
    assertTransform(t.model(r).position, expected, 1e-9);
  }
  await t.run(`vop add #1-${k + 1} modelId #99`);
  assertTransform(t.model(99).position, p1);
  await t.run("move 5,-3,0 models #99 coordinateSystem #98", "vop add #98-99 modelId #100");
  assertTransform(t.model(100).position, identity());
  await t.run(
    "vop scale #100 factor 3.000 modelId #101",
    "vop scale #100 shift 4.875 modelId #102",
    "volume #102 save truth_vols/0.mrc",
    "close session",
  );
  const saved = decodeMrc(t.memory.get("truth_vols/0.mrc")!);
  const v100Min = saved.data.reduce((a, b) => Math.min(a, b), Infinity);
  assertAlmostEquals(v100Min, 4.875, 1e-6); // empty corners are 0 + shift
  assertEquals(t.interpreter.session.models.length, 0);
});

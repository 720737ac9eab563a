/**
 * writeStackGroundTruth end to end: the files beside a stack and their content (IMOD tilt files,
 * tilt table, particle CSV, RELION 5/4 STAR columns and values), checked by our own reading and,
 * where Debian's gemmi is installed, by gemmi's STAR reader.
 */
import { EtsError } from "../lib/errors/mod.ts";
import {
  engineEulerToMatrix,
  maxAbsDiff,
  relionEulerToMatrix,
  type StackTruthInput,
  writeStackGroundTruth,
} from "../lib/groundtruth/mod.ts";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  pythonModules,
  requirements,
  runPythonJson,
  sharedPath,
} from "../lib/testing/mod.ts";

const REF = sharedPath("reference/tem-simulator/map_particles");

/** A minimal STAR reader for the files we write: blocks of one loop each. */
function readStar(text: string): Map<string, { labels: string[]; rows: string[][] }> {
  const blocks = new Map<string, { labels: string[]; rows: string[][] }>();
  let current: { labels: string[]; rows: string[][] } | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("data_")) {
      current = { labels: [], rows: [] };
      blocks.set(line.slice(5), current);
    } else if (line === "loop_") continue;
    else if (line.startsWith("_")) current!.labels.push(line.split(/\s+/)[0]!.slice(1));
    else current!.rows.push(line.split(/\s+/));
  }
  return blocks;
}

function column(block: { labels: string[]; rows: string[][] }, label: string): string[] {
  const i = block.labels.indexOf(label);
  assert(i >= 0, `no column ${label} in [${block.labels.join(", ")}]`);
  return block.rows.map((r) => r[i]!);
}

function readCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trimEnd().split("\n");
  const names = head!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i]!, v])));
}

const ERRORS = [
  "# File created by TEM-simulator, version 1.3.",
  "11  5",
  "#          rot         axis          ang            x            y",
  ...Array.from(
    { length: 11 },
    (_, i) =>
      [0.1 * i - 0.5, 0, i === 5 ? 0 : 0.2 * (i - 5), 0.283 * (i - 5), -0.1 * i].map((v) =>
        v.toFixed(4).padStart(13)
      ).join(""),
  ),
].join("\n");

async function setUp(): Promise<{ dir: string; input: StackTruthInput }> {
  const dir = await Deno.makeTempDir({ prefix: "ets_gt_" });
  await Deno.writeTextFile(`${dir}/err.txt`, ERRORS);
  const input: StackTruthInput = {
    stackDir: dir,
    stackName: "TS_3",
    apixNm: 0.28302,
    detector: { nx: 256, ny: 256 },
    nominalTiltAngles: [-50, -40, -30, -20, -10, 0, 10, 20, 30, 40, 50],
    engineOutputs: {
      geomFile: `${REF}/geom.txt`,
      errorFile: `${dir}/err.txt`,
      doseFile: `${REF}/dose.txt`,
      defocusFile: `${REF}/defocus.txt`,
    },
    particleSets: [
      {
        className: "bead",
        particles: [
          { x: -20, y: 15, z: 0, phi: 0, theta: 0, psi: 0 },
          { x: 18, y: -12, z: 30, phi: 0, theta: 0, psi: 0 },
        ],
      },
      {
        className: "3al1 peptide",
        particles: [
          { x: 0, y: 0, z: 0, phi: 30, theta: 60, psi: 90 },
          { x: -15, y: -20, z: 10, phi: 120, theta: 45, psi: -30 },
        ],
      },
    ],
    tomogramThicknessNm: 120,
    optics: { voltageKv: 300, sphericalAberrationMm: 2 },
  };
  return { dir, input };
}

Deno.test("ground-truth files: names, tilt angles, tilt table", async () => {
  const { dir, input } = await setUp();
  try {
    const truth = await writeStackGroundTruth(input);
    assertEquals(truth.files, {
      rawtlt: "TS_3.rawtlt",
      tlt: "TS_3.tlt",
      tiltTable: "TS_3_tilts.csv",
      particlesCsv: "TS_3_particles.csv",
      relion5Star: "TS_3_relion5_particles.star",
      relion4Star: "TS_3_relion4_particles.star",
      tomogramsStar: "TS_3_tomograms.star",
    });
    const rawtlt = await Deno.readTextFile(`${dir}/TS_3.rawtlt`);
    assertEquals(rawtlt.trimEnd().split("\n").map(Number), input.nominalTiltAngles);
    // tilt errors about the tilt axis (axis 0): simulated = nominal + τ
    const tlt = (await Deno.readTextFile(`${dir}/TS_3.tlt`)).trimEnd().split("\n").map(Number);
    tlt.forEach((a, i) => assertAlmostEquals(a, input.nominalTiltAngles[i]! + 0.2 * (i - 5), 1e-4));
    const rows = readCsv(await Deno.readTextFile(`${dir}/TS_3_tilts.csv`));
    assertEquals(rows.length, 11);
    const r0 = rows[0]!;
    assertEquals([r0.section, r0.nominal_tilt_deg, r0.simulated_tilt_deg], [
      "0",
      "-50.0000",
      "-51.0000",
    ]);
    assertEquals([r0.rotation_error_deg, r0.tilt_error_deg, r0.tilt_error_axis_deg], [
      "-0.5000",
      "-1.0000",
      "0.0000",
    ]);
    assertEquals([r0.shift_x_nm, r0.shift_y_nm], ["-1.4150", "0.0000"]);
    assertAlmostEquals(Number(r0.shift_x_px), -1.415 / 0.28302, 1e-4);
    assertEquals([r0.dose_e_per_nm2, r0.dose_e_per_A2, r0.defocus_um], [
      "10000.0000",
      "100.000000",
      "4.0000",
    ]);
    // RELION 5 alignment of a tilt about x with an in-plane error: xtilt = θ + τ, zrot = ρ
    assertAlmostEquals(Number(r0.rlnTomoXTilt), -51, 1e-6);
    assertAlmostEquals(Number(r0.rlnTomoYTilt), 0, 1e-6);
    assertAlmostEquals(Number(r0.rlnTomoZRot), -0.5, 1e-6);
    assertAlmostEquals(Number(r0.rlnTomoXShiftAngst), -14.15 - 0.5 * 2.8302, 1e-5);
    // the zero tilt
    assertEquals([truth.zeroTilt.section, truth.zeroTilt.angle], [5, 0]);
    assertEquals(truth.zeroTilt.markers.length, 4);
    assertAlmostEquals(truth.zeroTilt.markers[0]!.x, -20 / 0.28302 + 127.5 + 0, 1e-9);
    assertAlmostEquals(truth.zeroTilt.markers[0]!.y, 15 / 0.28302 + 127.5 - 0.5 / 0.28302, 1e-9);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ground-truth files: particle CSV and RELION 5/4 STAR columns and values", async () => {
  const { dir, input } = await setUp();
  try {
    await writeStackGroundTruth(input);
    const csv = readCsv(await Deno.readTextFile(`${dir}/TS_3_particles.csv`));
    assertEquals(csv.map((r) => [r.particle, r.class_number, r.class_name, r.index_in_set]), [
      ["1", "1", "bead", "1"],
      ["2", "1", "bead", "2"],
      ["3", "2", "3al1 peptide", "1"],
      ["4", "2", "3al1 peptide", "2"],
    ]);
    const star5 = readStar(await Deno.readTextFile(`${dir}/TS_3_relion5_particles.star`));
    assertEquals([...star5.keys()], ["optics", "particles", "ets_classes"]);
    const optics = star5.get("optics")!;
    assertEquals(optics.labels, [
      "rlnOpticsGroup",
      "rlnOpticsGroupName",
      "rlnTomoTiltSeriesPixelSize",
      "rlnVoltage",
      "rlnSphericalAberration",
      "rlnAmplitudeContrast",
    ]);
    assertEquals(optics.rows, [[
      "1",
      "opticsGroup1",
      "2.830200",
      "300.000000",
      "2.000000",
      "0.070000",
    ]]);
    const p5 = star5.get("particles")!;
    assertEquals(p5.labels, [
      "rlnTomoName",
      "rlnTomoParticleName",
      "rlnCenteredCoordinateXAngst",
      "rlnCenteredCoordinateYAngst",
      "rlnCenteredCoordinateZAngst",
      "rlnAngleRot",
      "rlnAngleTilt",
      "rlnAnglePsi",
      "rlnClassNumber",
      "rlnOpticsGroup",
      "etsInView",
    ]);
    // every centre of this stack projects into the 256 × 256 image
    assertEquals(column(p5, "etsInView"), ["1", "1", "1", "1"]);
    assertEquals(csv.map((r) => r.in_view), ["1", "1", "1", "1"]);
    assertEquals(column(p5, "rlnTomoName"), ["TS_3", "TS_3", "TS_3", "TS_3"]);
    assertEquals(column(p5, "rlnTomoParticleName"), ["TS_3/1", "TS_3/2", "TS_3/3", "TS_3/4"]);
    assertEquals(column(p5, "rlnCenteredCoordinateXAngst").map(Number), [-200, 180, 0, -150]);
    assertEquals(column(p5, "rlnCenteredCoordinateZAngst").map(Number), [0, 300, 0, 100]);
    assertEquals(column(p5, "rlnClassNumber"), ["1", "1", "2", "2"]);
    // (30, 60, 90) ZXZ → rot 60, tilt 60, psi −180 → 180 (closed form 90 − φ, θ, −90 − ψ)
    assertEquals(
      [column(p5, "rlnAngleRot")[2], column(p5, "rlnAngleTilt")[2], column(p5, "rlnAnglePsi")[2]],
      ["60.000000", "60.000000", "180.000000"],
    );
    // every row's angles give the engine's rotation matrix
    input.particleSets.flatMap((s) => s.particles).forEach((p, i) => {
      const rel = {
        rot: Number(column(p5, "rlnAngleRot")[i]),
        tilt: Number(column(p5, "rlnAngleTilt")[i]),
        psi: Number(column(p5, "rlnAnglePsi")[i]),
      };
      assert(maxAbsDiff(relionEulerToMatrix(rel), engineEulerToMatrix(p)) < 1e-6);
    });
    assertEquals(star5.get("ets_classes")!.rows, [["1", "bead"], ["2", "3al1_peptide"]]);
    // RELION 4: pixels = nm / apix + size / 2, z size = 120 nm / apix rounded to even = 424
    const text4 = await Deno.readTextFile(`${dir}/TS_3_relion4_particles.star`);
    assert(text4.includes("256 x 256 x 424 pixels"));
    assert(text4.includes("# version 30001"));
    const p4 = readStar(text4).get("particles")!;
    assertEquals(p4.labels.slice(2, 5), ["rlnCoordinateX", "rlnCoordinateY", "rlnCoordinateZ"]);
    assertAlmostEquals(Number(column(p4, "rlnCoordinateX")[1]), 18 / 0.28302 + 128, 1e-6);
    assertAlmostEquals(Number(column(p4, "rlnCoordinateY")[1]), -12 / 0.28302 + 128, 1e-6);
    assertAlmostEquals(Number(column(p4, "rlnCoordinateZ")[1]), 30 / 0.28302 + 212, 1e-6);
    assertEquals(column(p4, "rlnAngleRot"), column(p5, "rlnAngleRot"));
    // the CSV carries the same numbers
    assertEquals(csv.map((r) => r.rlnAngleRot), column(p5, "rlnAngleRot"));
    assertEquals(csv.map((r) => r.rlnCoordinateZ), column(p4, "rlnCoordinateZ"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const gemmi = await requirements(pythonModules("gemmi"));

gemmi.test({
  name: "ground-truth STAR files read back with gemmi (independent STAR reader)",
  fn: async () => {
    const { dir, input } = await setUp();
    try {
      await writeStackGroundTruth(input);
      const script = `
import gemmi, json, sys
out = {}
for path in sys.argv[1:]:
    doc = gemmi.cif.read_file(path)
    out[path] = {b.name: {t: list(b.find_loop('_' + t)) for t in
        ['rlnTomoName', 'rlnCenteredCoordinateXAngst', 'rlnCoordinateX', 'rlnAnglePsi',
         'rlnClassNumber', 'etsClassName', 'rlnTomoTiltSeriesPixelSize']} for b in doc}
print(json.dumps(out))`;
      const five = `${dir}/TS_3_relion5_particles.star`,
        four = `${dir}/TS_3_relion4_particles.star`;
      const got = await runPythonJson<
        Record<string, Record<string, Record<string, string[]>>>
      >(script, [five, four]);
      assertEquals(Object.keys(got[five]!), ["optics", "particles", "ets_classes"]);
      assertEquals(got[five]!.particles!.rlnCenteredCoordinateXAngst!.map(Number), [
        -200,
        180,
        0,
        -150,
      ]);
      assertEquals(got[five]!.particles!.rlnAnglePsi!.length, 4);
      assertEquals(got[five]!.ets_classes!.etsClassName, ["bead", "3al1_peptide"]);
      assertEquals(got[four]!.optics!.rlnTomoTiltSeriesPixelSize, ["2.830200"]);
      assertEquals(got[four]!.particles!.rlnCoordinateX!.length, 4);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("bad input: one input error, nothing written", async () => {
  const { dir, input } = await setUp();
  try {
    const short = { ...input, nominalTiltAngles: [...input.nominalTiltAngles, 60] };
    const e = await assertRejects(() => writeStackGroundTruth(short), EtsError, "has 11 tilts");
    assertEquals(e.kind, "input");
    const missing = { ...input, engineOutputs: { doseFile: `${dir}/nope.txt` } };
    await assertRejects(() => writeStackGroundTruth(missing), EtsError, "does not exist");
    const wrongAngles = { ...input, nominalTiltAngles: input.nominalTiltAngles.map((a) => -a) };
    await assertRejects(() => writeStackGroundTruth(wrongAngles), EtsError, "nominal angle");
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assertEquals(names, ["err.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without engine outputs: nominal geometry, empty dose/defocus, no particle sets", async () => {
  const { dir, input } = await setUp();
  try {
    await writeStackGroundTruth({
      ...input,
      engineOutputs: {},
      particleSets: [],
      tomogramThicknessNm: undefined,
      optics: undefined,
    });
    const tlt = await Deno.readTextFile(`${dir}/TS_3.tlt`);
    assertEquals(tlt.trimEnd().split("\n").map(Number), input.nominalTiltAngles);
    const row = readCsv(await Deno.readTextFile(`${dir}/TS_3_tilts.csv`))[0]!;
    assertEquals([row.dose_e_per_nm2, row.defocus_um, row.tilt_error_deg], ["", "", "0.0000"]);
    const star = readStar(await Deno.readTextFile(`${dir}/TS_3_relion5_particles.star`));
    assertEquals(star.get("particles")!.rows, []);
    assertEquals(star.get("optics")!.labels.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { assert, assertAlmostEquals, assertEquals } from "../testing/mod.ts";
import { buildStackTruth } from "./stack_truth.ts";
import { formatTomogramsStar } from "./tomograms_star.ts";

/** The loops of a STAR text: block name → { labels, rows }. */
function readStar(text: string): Map<string, { labels: string[]; rows: string[][] }> {
  const blocks = new Map<string, { labels: string[]; rows: string[][] }>();
  let current: { labels: string[]; rows: string[][] } | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line === "loop_") continue;
    if (line.startsWith("data_")) {
      current = { labels: [], rows: [] };
      blocks.set(line.slice(5), current);
    } else if (line.startsWith("_")) current!.labels.push(line.split(/\s+/)[0]!.slice(1));
    else current!.rows.push(line.split(/\s+/));
  }
  return blocks;
}

Deno.test("tomograms.star: RELION 5 global row and one row per tilt with alignment and defocus", () => {
  const angles = [-30, 0, 30];
  const tables = buildStackTruth({
    stackDir: "/unused",
    stackName: "TS_1",
    apixNm: 0.5,
    detector: { nx: 64, ny: 48 },
    nominalTiltAngles: angles,
    engineOutputs: {},
    particleSets: [],
    tomogramThicknessNm: 40,
  }, {
    error: { text: "3 5\n0.5 30 0.2 1 -2\n0 0 0 0 0\n-0.3 10 0.1 0.5 0.5\n", name: "e.txt" },
    defocus: { text: "3 1\n3.1\n3.0\n2.9\n", name: "d.txt" },
  });
  const text = formatTomogramsStar(tables, "0.0.0", {
    stackFile: "TS_1.mrc",
    starFile: "TS_1_tomograms.star",
    tiltAxis: 0,
    optics: { voltageKv: 300, sphericalAberrationMm: 2.7, amplitudeContrast: 0 },
  });
  const star = readStar(text);
  const global = star.get("global")!;
  const g = (label: string) => global.rows[0]![global.labels.indexOf(label)];
  assertEquals(g("rlnTomoName"), "TS_1");
  assertEquals(Number(g("rlnAmplitudeContrast")), 0);
  assertEquals(Number(g("rlnTomoTiltSeriesPixelSize")), 5);
  assertEquals(g("rlnTomoTiltSeriesStarFile"), "TS_1_tomograms.star");
  assertEquals([g("rlnTomoSizeX"), g("rlnTomoSizeY"), g("rlnTomoSizeZ")], ["64", "48", "80"]);
  const tilts = star.get("TS_1")!;
  assertEquals(tilts.rows.length, 3);
  const col = (row: number, label: string) => Number(tilts.rows[row]![tilts.labels.indexOf(label)]);
  tables.tilts.forEach((t, i) => {
    assertEquals(tilts.rows[i]![0], `${i + 1}@TS_1.mrc`);
    assertEquals(col(i, "rlnTomoNominalStageTiltAngle"), angles[i]);
    assertEquals(col(i, "rlnTomoNominalTiltAxisAngle"), -90);
    assertAlmostEquals(col(i, "rlnDefocusU"), t.defocusUm! * 1e4, 1e-3);
    assertAlmostEquals(col(i, "rlnTomoXTilt"), t.relion.xTilt, 1e-6);
    assertAlmostEquals(col(i, "rlnTomoZRot"), t.relion.zRot, 1e-6);
    assertAlmostEquals(col(i, "rlnTomoXShiftAngst"), t.relion.xShiftAngst, 1e-6);
  });
  assert(col(0, "rlnTomoXShiftAngst") !== 0, "the shift of tilt 1 is written");
});

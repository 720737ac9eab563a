import { assertEquals } from "../testing/mod.ts";
import { buildStackTruth } from "./stack_truth.ts";
import { formatParticlesCsv, formatRelion4Star, formatRelion5Star } from "./truth_formats.ts";
import type { StackTruthInput } from "./types.ts";

function input(): StackTruthInput {
  const particle = (x: number, y: number) => ({ x, y, z: 0, phi: 0, theta: 0, psi: 0 });
  return {
    stackDir: "/unused",
    stackName: "TS_1",
    apixNm: 0.5,
    detector: { nx: 100, ny: 60 }, // 50 nm × 30 nm: x in ±25 nm, y in ±15 nm
    nominalTiltAngles: [-30, 0, 30],
    engineOutputs: {},
    particleSets: [
      // in view, outside in x, outside in y, just inside the corner
      { className: "a", particles: [particle(0, 0), particle(30, 0), particle(0, -16)] },
      { className: "b", particles: [particle(24.9, 14.9)] },
    ],
  };
}

Deno.test("truth formats: in_view says which centres project into the zero tilt's image", () => {
  const tables = buildStackTruth(input(), {});
  const csv = formatParticlesCsv(tables).trim().split("\n");
  const header = csv[0]!.split(",");
  const at = header.indexOf("in_view");
  assertEquals(at, header.length - 1);
  assertEquals(csv.slice(1).map((row) => row.split(",")[at]), ["1", "0", "0", "1"]);
  for (const star of [formatRelion5Star(tables, "0"), formatRelion4Star(tables, "0")]) {
    const lines = star.split("\n");
    const labels = lines.filter((l) => l.startsWith("_rln") || l.startsWith("_ets"));
    const particleLabels = labels.slice(labels.indexOf("_rlnTomoName #1"));
    const column = particleLabels.findIndex((l) => l.startsWith("_etsInView"));
    const rows = lines.filter((l) => l.startsWith("TS_1\t"));
    assertEquals(rows.map((r) => r.split("\t")[column]), ["1", "0", "0", "1"]);
  }
});

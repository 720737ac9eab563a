import { EtsError } from "../errors/mod.ts";
import { assertEquals, assertThrows, sharedPath } from "../testing/mod.ts";
import { buildStackTruth } from "./stack_truth.ts";
import type { StackTruthInput } from "./types.ts";

const REF = sharedPath("reference/tem-simulator/map_particles");
const ANGLES = [-50, -40, -30, -20, -10, 0, 10, 20, 30, 40, 50];

function input(angles: number[]): StackTruthInput {
  return {
    stackDir: "/unused",
    stackName: "TS_1",
    apixNm: 0.5,
    detector: { nx: 64, ny: 48 },
    nominalTiltAngles: angles,
    engineOutputs: {},
    particleSets: [],
  };
}

async function texts(...names: string[]) {
  return Object.fromEntries(
    await Promise.all(names.map(async (key) => {
      const text = await Deno.readTextFile(`${REF}/${key}.txt`);
      return [key, { text, name: `${key}.txt` }];
    })),
  );
}

Deno.test("stack truth reads TEM-Simulator 1.3's own geom, dose and defocus files", async () => {
  const tables = buildStackTruth(input(ANGLES), await texts("geom", "dose", "defocus"));
  assertEquals(tables.tilts.map((t) => t.geometry.theta), ANGLES);
  assertEquals(tables.tilts[0]!.geometry.psi, -0);
  assertEquals(tables.tilts.map((t) => t.doseEPerNm2), Array(11).fill(10000));
  assertEquals(tables.tilts.map((t) => t.defocusUm), Array(11).fill(4));
  assertEquals(tables.zeroTiltSection, 5);
});

Deno.test("stack truth takes ρ α τ x0 y0 from an error table in the engine's layout", () => {
  const error = [
    "# File created by TEM-simulator, version 1.3.",
    "2  5",
    "#          rot         axis          ang            x            y",
    "       0.5000      12.0000      -0.2500       1.0000      -2.0000",
    "      -0.1000     170.0000       0.1000       0.0000       0.5000",
  ].join("\n");
  const tables = buildStackTruth(input([-10, 10]), { error: { text: error, name: "err.txt" } });
  const g = tables.tilts[0]!.geometry;
  assertEquals([g.rotation, g.errorAxis, g.tiltError, g.shiftXNm, g.shiftYNm], [
    0.5,
    12,
    -0.25,
    1,
    -2,
  ]);
  assertEquals(tables.tilts[1]!.geometry.errorAxis, 170);
});

Deno.test("stack truth: a malformed or short engine table is one input error naming it", () => {
  const bad = assertThrows(
    () => buildStackTruth(input([0]), { dose: { text: "1 1\n1e\n", name: "dose.txt" } }),
    EtsError,
  );
  assertEquals([bad.kind, bad.file, bad.line], ["input", "dose.txt", 2]);
  assertThrows(
    () => buildStackTruth(input([0]), { geom: { text: "1 2\n0 0\n", name: "geom.txt" } }),
    EtsError,
    "needs at least 3 (psi theta phi)",
  );
  assertThrows(
    () => buildStackTruth(input([0, 10]), { defocus: { text: "1 1\n3\n", name: "df.txt" } }),
    EtsError,
    '"df.txt" has 1 tilts, the stack has 2',
  );
});

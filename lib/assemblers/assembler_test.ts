import { getLogger } from "@logtape/logtape";
import { ChimeraInterpreter, ConfinedFileAccess } from "../chimera/mod.ts";
import { readMrc } from "../mrc/mod.ts";
import { assert, assertEquals, assertStringIncludes } from "../testing/mod.ts";
import type {
  ChimeraClient,
  GaussianError,
  ParsedCoordinates,
  ParticleSet,
  TemplateParticle,
  TiltSeriesSimulation,
} from "./assembler.ts";
import { basicAssemblerDefinition, basicOptionsSchema } from "./basic_assembler.ts";
import { membraneAssemblerDefinition, membraneOptionsSchema } from "./membrane_assembler.ts";
import { parseDynamoTable, parseOrientationSource } from "./orientations.ts";
import { Random } from "./random.ts";
import type { SampleGeometry } from "./sample_geometry.ts";

const TEMPLATES = new URL("../../templates", import.meta.url).pathname;

/** A simulation double: 2 template particles at (±10, 0, 0) nm. */
class Sim implements TiltSeriesSimulation {
  readonly stackId = 3;
  readonly name = "T_3";
  readonly apix = 0.5;
  readonly random = new Random(99);
  sets: ParticleSet[] = [];
  custom: Record<string, unknown> = {};
  numParticles() {
    return 2;
  }
  templateParticles(): TemplateParticle[] {
    return [{ position: [-10, 0, 0], orientation: [0, 0, 0] }, {
      position: [10, 0, 0],
      orientation: [0, 0, 0],
    }];
  }
  parseCoordinates(error?: GaussianError): ParsedCoordinates {
    const trueCoordinates: [number, number, number][] = [[-10, 0, 0], [10, 0, 0]];
    return {
      trueCoordinates,
      coordinates: error ? trueCoordinates.map(([x, y, z]) => [x + 1, y, z]) : trueCoordinates,
      errorDistribution: error ? "gauss(1, 0)" : undefined,
    };
  }
  addParticleSets(sets: ParticleSet[]) {
    this.sets.push(...sets);
  }
  setCustomData(data: Record<string, unknown>) {
    this.custom = data;
  }
  sampleGeometry(): SampleGeometry {
    return {
      fieldOfViewNm: [128, 128],
      apixNm: 0.5,
      holeDiameterNm: 1000,
      thicknessCentreNm: 100,
      thicknessEdgeNm: 120,
      offsetNm: [0, 0],
    };
  }
}

/** A Chimera client that runs batches in-process (the embedded server's interpreter). */
async function interpreterClient(
  dirs: string[],
): Promise<ChimeraClient & { batches: string[][]; ended: boolean }> {
  const interpreter = new ChimeraInterpreter({ files: await ConfinedFileAccess.create(dirs, "/") });
  const client = {
    batches: [] as string[][],
    ended: false,
    async runBatch(commands: string[]) {
      client.batches.push(commands);
      const outcome = await interpreter.run(commands);
      if (outcome.error) throw new Error(outcome.error);
      return outcome.lines;
    },
    end() {
      client.ended = true;
      return Promise.resolve();
    },
  };
  return client;
}

Deno.test("basic assembler: Chimera copies of the model, orientations from a file, errors recorded", async () => {
  const temp = await Deno.makeTempDir();
  try {
    const chimera = await interpreterClient([temp, TEMPLATES]);
    const options = basicAssemblerDefinition.resolvePaths(
      basicOptionsSchema.parse({
        orientations_source: "orientations.txt",
        orientations_error: { mu: 0, sigma: 1 },
        coord_error: { mu: 1, sigma: 0 },
      }),
      (p) => `${TEMPLATES}/${p}`,
    );
    const assembler = basicAssemblerDefinition.create({
      tempDir: temp,
      model: `${TEMPLATES}/particle.mrc`,
      apix: 0.5,
      chimera,
      logger: getLogger(["test"]),
    }, options);
    const sim = new Sim();
    await assembler.setUpTiltSeries(sim);
    assertEquals(chimera.batches.length, 1);
    assertEquals(chimera.batches[0], [
      `open #0 ${TEMPLATES}/particle.mrc`,
      `volume #0 save ${temp}/truth_vols/0.mrc`,
      "close session",
      `open #0 ${TEMPLATES}/particle.mrc`,
      `volume #0 save ${temp}/truth_vols/1.mrc`,
      "close session",
    ]);
    const set = sim.sets[0]!;
    assertEquals(set.name, "BasicParticle");
    assertEquals(set.source, `${temp}/truth_vols/1.mrc`);
    const saved = await readMrc(set.source);
    const model = await readMrc(`${TEMPLATES}/particle.mrc`);
    assertEquals(saved.data, model.data);
    const pool = [[90, 0, 0], [0, 90, 0], [-90, 0, 0], [45, 45, 0]];
    for (const o of set.orientations) {
      assert(pool.some((p) => p.join() === o.join()), `from the file: ${o}`);
    }
    assertEquals(set.coordinates, [[-10, 0, 0], [10, 0, 0]]);
    assertEquals(set.savedCoordinates, [[-9, 0, 0], [11, 0, 0]]);
    assertEquals(sim.custom.true_orientations, set.orientations);
    assertEquals(sim.custom.orientations_error_distribution, "gauss(0.000000, 1.000000)");
    assertEquals(sim.custom.coord_error_distribution, "gauss(1, 0)");
    await assembler.resetTempDir();
    assertEquals([...Deno.readDirSync(temp)], []);
    await assembler.close();
    assert(chimera.ended);
  } finally {
    await Deno.remove(temp, { recursive: true });
  }
});

Deno.test("membrane assembler: one composite map per particle through Chimera's commands", async () => {
  const temp = await Deno.makeTempDir();
  try {
    const chimera = await interpreterClient([temp, TEMPLATES]);
    const options = membraneAssemblerDefinition.resolvePaths(
      membraneOptionsSchema.parse({
        membrane_path: "membrane.mrc",
        barrel: "barrel.mrc",
        rod: "rod.mrc",
        num_rods: 3,
        rod_distance_from_center: 70,
        orientations_source: "gauss(0, 20)",
      }),
      (p) => `${TEMPLATES}/${p}`,
    );
    const assembler = membraneAssemblerDefinition.create({
      tempDir: temp,
      apix: 0.5,
      chimera,
      logger: getLogger(["test"]),
    }, options);
    const sim = new Sim();
    await assembler.setUpTiltSeries(sim);
    assertEquals(sim.sets.map((s) => s.name), ["MembraneParticle1", "MembraneParticle2"]);
    const commands = chimera.batches[0]!.join("\n");
    for (
      const piece of [
        "shape sphere modelId #999",
        "vop scale #108 factor 1.500 modelId #98",
        "turn x ",
        "coordinateSystem #98",
        "vop add #1-4 modelId #99",
        "vop add #98-99 modelId #100",
        "vop scale #100 shift 0.000 modelId #102",
        "volume #102 save",
      ]
    ) {
      assertStringIncludes(commands, piece);
    }
    const membrane = await readMrc(`${TEMPLATES}/membrane.mrc`);
    for (const set of sim.sets) {
      const map = await readMrc(set.source);
      // On the membrane's grid (extended to hold the core below it), with more density.
      assertEquals(map.header.voxelSize.x, 5);
      assert(map.header.nz > membrane.header.nz, "grid extended below the membrane");
      const total = map.data.reduce((a, b) => a + b, 0);
      const membraneTotal = membrane.data.reduce((a, b) => a + b, 0);
      assert(total > 1.5 * membraneTotal, "scaled membrane plus core and rods");
    }
    const custom = sim.custom as {
      shifts_from_membrane_center: number[][];
      angles_from_membrane_perpendicular: number[][][];
    };
    assertEquals(custom.shifts_from_membrane_center.length, 2);
    assertEquals(custom.angles_from_membrane_perpendicular[0]!.length, 4);
  } finally {
    await Deno.remove(temp, { recursive: true });
  }
});

Deno.test("orientations: sources and Dynamo tables", () => {
  assertEquals(parseOrientationSource("none"), { kind: "none" });
  assertEquals(parseOrientationSource("gauss(0, 1)"), { kind: "gauss", mu: 0, sigma: 1 });
  assertEquals(parseOrientationSource("angles.txt"), { kind: "file", path: "angles.txt" });
  assertEquals(typeof parseOrientationSource("gauss(0, -1)"), "string");
  assertEquals(parseDynamoTable("1 1 0 0 0 0 10 20 30\n"), [[-30, -20, -10]]);
});

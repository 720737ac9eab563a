import { getLogger } from "@logtape/logtape";
import { assert, assertEquals, assertRejects } from "../testing/mod.ts";
import type { ChimeraClient, ParticleSet, TiltSeriesSimulation, Triple } from "./assembler.ts";
import { crowdedAssemblerDefinition, crowdedOptionsSchema } from "./crowded_assembler.ts";
import { Random } from "./random.ts";
import type { SampleGeometry } from "./sample_geometry.ts";

const TEMPLATES = new URL("../../templates", import.meta.url).pathname;
const DATA = new URL("../../../shared/data/pdb", import.meta.url).pathname;

const geometry: SampleGeometry = {
  fieldOfViewNm: [128, 128],
  apixNm: 0.5,
  holeDiameterNm: 1000,
  thicknessCentreNm: 100,
  thicknessEdgeNm: 120,
  offsetNm: [0, 0],
};

/** A tilt series double with no coordinate template. */
function sim(seed: number): TiltSeriesSimulation & { sets: ParticleSet[]; custom: unknown } {
  const double = {
    stackId: 0,
    name: "T_0",
    apix: 0.5,
    random: new Random(seed),
    sets: [] as ParticleSet[],
    custom: undefined as unknown,
    numParticles: () => 0,
    templateParticles: () => [],
    parseCoordinates: () => ({ coordinates: [], trueCoordinates: [] }),
    addParticleSets(sets: ParticleSet[]) {
      double.sets.push(...sets);
    },
    setCustomData(data: Record<string, unknown>) {
      double.custom = data;
    },
    sampleGeometry: () => geometry,
  };
  return double;
}

const noChimera: ChimeraClient = {
  runBatch: () => Promise.reject(new Error("no Chimera expected")),
  end: () => Promise.resolve(),
};

function options(extra: Record<string, unknown> = {}) {
  return crowdedOptionsSchema.parse({
    classes: [
      { name: "lobed", source: `${TEMPLATES}/particle.mrc`, count: 10 },
      { name: "peptide", source: `${DATA}/3al1.pdb`, concentration: 3000 },
    ],
    ...extra,
  });
}

Deno.test("crowded assembler: one set per class, counts and concentrations, no Chimera", async () => {
  const tempDir = await Deno.makeTempDir();
  try {
    const assembler = crowdedAssemblerDefinition.create({
      tempDir,
      apix: 0.5,
      chimera: noChimera,
      logger: getLogger(["test"]),
    }, options());
    const a = sim(4);
    await assembler.setUpTiltSeries(a);
    assertEquals(
      a.sets.map((s) => [s.name, s.coordinates.length, s.key]),
      [
        ["lobed", 10],
        // 3000 per µm³ × 128 × 128 × 100 nm³ = 4.9 → 5
        ["peptide", 5],
      ].map(([n, c]) => [n, c, true]),
    );
    assertEquals(a.sets[1]!.source, `${DATA}/3al1.pdb`);
    for (const set of a.sets) {
      for (const p of set.coordinates) assert(Math.abs(p[0]) <= 64 && Math.abs(p[1]) <= 64);
    }
    // the same seed, another worker's instance: the same sample
    const other = crowdedAssemblerDefinition.create({
      tempDir,
      apix: 0.5,
      chimera: noChimera,
      logger: getLogger(["test"]),
    }, options());
    const b = sim(4);
    await other.setUpTiltSeries(b);
    assertEquals(b.sets, a.sets);
    await assembler.close();
  } finally {
    await Deno.remove(tempDir, { recursive: true });
  }
});

Deno.test("crowded assembler: mmCIF models are handed to the engine as PDB; errors recorded", async () => {
  const tempDir = await Deno.makeTempDir();
  try {
    // an mmCIF of two atoms 2 nm apart
    const cif = `${tempDir}/two.cif`;
    await Deno.writeTextFile(
      cif,
      `data_two\nloop_\n_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n` +
        `_atom_site.label_atom_id\n_atom_site.label_comp_id\n_atom_site.label_asym_id\n` +
        `_atom_site.label_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n` +
        `ATOM 1 C CA GLY A 1 0.0 0.0 0.0\nATOM 2 N N GLY A 1 20.0 0.0 0.0\n`,
    );
    const assembler = crowdedAssemblerDefinition.create(
      {
        tempDir,
        apix: 0.5,
        chimera: noChimera,
        logger: getLogger(["test"]),
      },
      crowdedOptionsSchema.parse({
        classes: [{ name: "two", source: cif, count: 3 }],
        coord_error: { mu: 0, sigma: 1 },
      }),
    );
    const a = sim(1);
    await assembler.setUpTiltSeries(a);
    const set = a.sets[0]!;
    assert(set.source.endsWith("/sources/two.pdb"));
    const pdb = (await Deno.readTextFile(set.source)).split("\n").filter((l) =>
      l.startsWith("ATOM")
    );
    assertEquals(pdb.length, 2);
    assertEquals(pdb[1]!.length, 78);
    assertEquals(pdb[1]!.slice(30, 38).trim(), "20.000");
    assertEquals(pdb[1]!.slice(76, 78).trim(), "N");
    // recorded coordinates carry the error (pixels × apix), the true ones are kept
    const custom = a.custom as { true_coordinates: Triple[]; coord_error_distribution: string };
    assertEquals(custom.true_coordinates, set.coordinates);
    assertEquals(set.savedCoordinates!.length, 3);
    assert(set.savedCoordinates![0]![0] !== set.coordinates[0]![0]);
    await assembler.close();
  } finally {
    await Deno.remove(tempDir, { recursive: true });
  }
});

Deno.test("crowded assembler: options are checked and crowding is refused before imaging", async () => {
  const bad = crowdedOptionsSchema.safeParse({
    classes: [{ name: "x", source: `${TEMPLATES}/particle.mrc`, count: 1, concentration: 2 }],
  });
  assert(!bad.success);
  assert(bad.error.issues[0]!.message.includes('exactly one of "count" or "concentration"'));
  assert(
    !crowdedOptionsSchema.safeParse({ classes: [{ name: "x", source: "a.txt", count: 1 }] })
      .success,
  );
  await assertRejects(
    () =>
      crowdedAssemblerDefinition.checkSample!(
        options({
          classes: [{ name: "lobed", source: `${TEMPLATES}/particle.mrc`, count: 5000 }],
        }),
        { ...geometry, thicknessCentreNm: 50, thicknessEdgeNm: 50 },
      ),
    Error,
    "5000 lobed would fill",
  );
  await crowdedAssemblerDefinition.checkSample!(options(), geometry);
});

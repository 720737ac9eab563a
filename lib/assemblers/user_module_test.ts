import { getLogger } from "@logtape/logtape";
import { assert, assertEquals, assertRejects, assertThrows } from "../testing/mod.ts";
import type { ParticleSet, TiltSeriesSimulation } from "./assembler.ts";
import { Random } from "./random.ts";
import { findAssembler, resolveAssembler } from "./registry.ts";
import {
  AssemblerModuleError,
  assemblerModuleFactsSchema,
  describeAssemblerModule,
  isAssemblerModulePath,
  loadAssemblerModule,
  useAssemblerModuleFacts,
} from "./user_module.ts";

const EXAMPLE = new URL("../../templates/ring_assembler.ts", import.meta.url).pathname;

Deno.test("user assemblers: the example module implements the interface and builds rings", async () => {
  assert(isAssemblerModulePath("./ring_assembler.ts"));
  assert(!isAssemblerModulePath("crowded"));
  const definition = await resolveAssembler(EXAMPLE);
  assert(definition !== undefined);
  assertEquals(findAssembler(EXAMPLE), definition);
  assertEquals(definition.usesChimera({}), false);
  assertEquals(definition.requiresModel, true);
  assert(!definition.customConfigSchema.safeParse({ copies: 0 }).success);
  const options = definition.customConfigSchema.parse({ copies: 4, radius_nm: 8 });
  const sets: ParticleSet[] = [];
  const sim = {
    stackId: 0,
    name: "R_0",
    apix: 0.5,
    random: new Random(2),
    numParticles: () => 2,
    templateParticles: () => [],
    parseCoordinates: () => ({
      coordinates: [[0, 0, 0], [30, 0, 0]],
      trueCoordinates: [[0, 0, 0], [30, 0, 0]],
    }),
    addParticleSets: (added: ParticleSet[]) => sets.push(...added),
    setCustomData: () => {},
    sampleGeometry: () => {
      throw new Error("unused");
    },
  } as unknown as TiltSeriesSimulation;
  const assembler = definition.create({
    tempDir: "/nonexistent",
    model: "/models/subunit.mrc",
    apix: 0.5,
    chimera: { runBatch: () => Promise.resolve([]), end: () => Promise.resolve() },
    logger: getLogger(["test"]),
  }, options);
  await assembler.setUpTiltSeries(sim);
  await assembler.resetTempDir();
  await assembler.close();
  assertEquals(sets.length, 1);
  assertEquals(sets[0]!.coordinates.length, 8);
  // every subunit lies 8 nm from its ring's centre
  sets[0]!.coordinates.forEach((p, i) => {
    const centre = i < 4 ? [0, 0, 0] : [30, 0, 0];
    const r = Math.hypot(p[0] - centre[0]!, p[1] - centre[1]!, p[2] - centre[2]!);
    assert(Math.abs(r - 8) < 1e-9);
  });
});

Deno.test("user assemblers: a module that does not implement the interface is refused in one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/half.ts`,
      "export default class Half { setUpTiltSeries() {} resetTempDir() {} }\n",
    );
    await Deno.writeTextFile(`${dir}/none.js`, "export const x = 1;\n");
    await Deno.writeTextFile(`${dir}/broken.ts`, "export default class {\n");
    const half = await assertRejects(
      () => loadAssemblerModule(`${dir}/half.ts`),
      AssemblerModuleError,
      "does not implement the Assembler interface: its default export has no close() method",
    );
    assert(!half.message.includes("\n"));
    await assertRejects(
      () => loadAssemblerModule(`${dir}/none.js`),
      AssemblerModuleError,
      "its default export must be a class with setUpTiltSeries(), resetTempDir(), close()",
    );
    const broken = await assertRejects(
      () => loadAssemblerModule(`${dir}/broken.ts`),
      AssemblerModuleError,
      "cannot load it:",
    );
    assert(!broken.message.includes("\n"));
    await assertRejects(
      () => loadAssemblerModule(`${dir}/missing.ts`),
      AssemblerModuleError,
      "cannot load it:",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("user assemblers: facts for a config, and a registry entry made of them runs no code", async () => {
  const facts = await describeAssemblerModule(EXAMPLE, { copies: 0 });
  assertEquals(facts, {
    summary: "rings of subunits around each template position (example)",
    usesChimera: false,
    requiresModel: true,
    coordOptional: false,
    inputFiles: {},
    optionsProblem: '"copies" must be a whole number from 1 to 64',
  });
  assert(assemblerModuleFactsSchema.safeParse(JSON.parse(JSON.stringify(facts))).success);
  assert(!assemblerModuleFactsSchema.safeParse({ ...facts, usesChimera: "yes" }).success);
  const path = "/nowhere/described_assembler.ts";
  const definition = useAssemblerModuleFacts(path, {
    ...facts,
    optionsProblem: undefined,
    inputFiles: { "custom_configs.map": "/data/map.mrc" },
  });
  assertEquals(findAssembler(path), definition);
  assertEquals(definition.inputFiles({}), { "custom_configs.map": "/data/map.mrc" });
  assertEquals(definition.usesChimera({}), false);
  assert(definition.customConfigSchema.safeParse({ copies: 3 }).success);
  const refused = useAssemblerModuleFacts(path, facts);
  const issues = refused.customConfigSchema.safeParse({ copies: 0 }).error?.issues ?? [];
  assertEquals(issues[0]?.message, '"copies" must be a whole number from 1 to 64');
  assertThrows(
    () => refused.create({} as never, {}),
    AssemblerModuleError,
    "its code runs only under the run's scoped grants",
  );
});

Deno.test("user assemblers: a throwing checkOptions or inputFiles is one line, not a crash", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/throws.ts`,
      [
        "export function checkOptions() { throw new Error('bad\\noptions'); }",
        "export function inputFiles(o) { if (o.files) throw new TypeError('no files'); return {}; }",
        "export default class { setUpTiltSeries() {} resetTempDir() {} close() {} }",
      ].join("\n"),
    );
    const facts = await describeAssemblerModule(`${dir}/throws.ts`, {});
    assertEquals(facts.optionsProblem, "the module's checkOptions() failed: bad");
    await assertRejects(
      () => describeAssemblerModule(`${dir}/throws.ts`, { files: true }),
      AssemblerModuleError,
      "its inputFiles() failed: no files",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

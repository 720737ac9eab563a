import { loadConfig, SimTemplate, templatesDir } from "../config/mod.ts";
import { assertEquals, assertMatch, assertStringIncludes, assertThrows } from "../testing/mod.ts";
import { planStacks } from "./plan.ts";
import {
  formatCoordFile,
  localPath,
  StackSimulation,
  TEM_SIMULATOR_LINE_LIMIT,
} from "./simulation.ts";

Deno.test("simulation: the stack's engine input, as ETSimulations edits the template", async () => {
  const config = await loadConfig(`${templatesDir()}/basic_config.yaml`, { root: "/data/run" });
  const stack = planStacks(config)[1]!;
  const sim = new StackSimulation(config, stack);
  const coords = sim.parseCoordinates({ mu: 0, sigma: 0 });
  // Template pixels × apix, full precision (no %d truncation).
  assertEquals(coords.trueCoordinates[0], [-28, -24, 0]);
  sim.addParticleSets([{
    name: "BasicParticle",
    source: "/maps/p.mrc",
    key: true,
    coordinates: [[-28.25, -24, 0]],
    orientations: [[12.5, 0.125, -3]],
  }]);
  const input = sim.buildInput("/w/stack_1");
  const template = new SimTemplate(input.text);
  assertEquals(template.get("detector", "image_file_out", 0), "demo_1.mrc");
  assertEquals(template.get("detector", "image_file_out", 1), "demo_1_nonoise.mrc");
  assertEquals(template.get("simulation", "log_file"), "sim.log");
  assertEquals(template.get("simulation", "rand_seed"), String(stack.seed));
  assertEquals(template.get("optics", "defocus_nominal"), "4");
  assertEquals(template.get("optics", "defocus_file_out"), "defocus.txt");
  assertEquals(template.get("geometry", "geom_file_out"), "geom.txt");
  assertEquals(template.get("geometry", "error_file_out"), "err.txt");
  assertEquals(template.get("electronbeam", "dose_file_out"), "dose.txt");
  assertEquals(template.get("particle", "map_file_re_in", 0), "/maps/p.mrc");
  assertEquals(template.get("particle", "use_imag_pot", 0), "no");
  assertEquals(template.get("particleset", "coord_file_in", 0), "BasicParticle_coord.txt");
  assertEquals(template.get("particleset", "num_particles", 0), "1");
  assertEquals(template.get("particle", "map_file_re_in", 1), config.beadMap);
  assertEquals(template.get("particleset", "occupancy", 1), "0.002");
  assertEquals(template.get("particleset", "where", 1), "volume");
  assertEquals(template.get("particleset", "coord_file_out", 1), "fiducial_coord.txt");
  assertEquals(template.get("particleset", "particle_coords", 1), "random");
  assertEquals(input.coordFiles, [[
    "/w/stack_1/BasicParticle_coord.txt",
    "1 6\n-28.25 -24 0 12.5 0.125 -3\n",
  ]]);
  assertStringIncludes(input.text, "# TEM-Simulator input template");
  // The files stay absolute for the runner; the text names them relative to the work dir.
  assertEquals(input.files.log, "/w/stack_1/sim.log");
  assertEquals(input.files.noisy, "/w/stack_1/demo_1.mrc");
  // Hence the same text whichever worker's temp dir the stack runs in.
  const elsewhere = new StackSimulation(config, stack);
  elsewhere.parseCoordinates({ mu: 0, sigma: 0 });
  elsewhere.addParticleSets([{
    name: "BasicParticle",
    source: "/maps/p.mrc",
    key: true,
    coordinates: [[-28.25, -24, 0]],
    orientations: [[12.5, 0.125, -3]],
  }]);
  assertEquals(elsewhere.buildInput("/root/temp_s2_w1/stack_1").text, input.text);
  assertEquals(localPath("/w/", "/w/maps/p.mrc"), "maps/p.mrc");
  assertEquals(localPath("/w", "/wx/p.mrc"), "/wx/p.mrc");
});

Deno.test("simulation: PDB sources get voxel_size = apix; long lines refused for TEM-Simulator", async () => {
  const config = await loadConfig(undefined, { root: "/data/run" });
  const sim = new StackSimulation(config, planStacks(config)[0]!);
  sim.addParticleSets([{
    name: "P",
    source: "/m/x.pdb",
    key: true,
    coordinates: [],
    orientations: [],
  }]);
  assertMatch(
    sim.buildInput("/w").text,
    /=== particle P ===\nsource = pdb\npdb_file_in = \/m\/x.pdb\nvoxel_size = 0.5\n/,
  );
  const long = new StackSimulation(config, planStacks(config)[0]!);
  long.addParticleSets([{
    name: "P",
    source: `/${"d".repeat(200)}/x.pdb`,
    key: true,
    coordinates: [],
    orientations: [],
  }]);
  long.buildInput("/w");
  const error = assertThrows(() => long.buildInput("/w", TEM_SIMULATOR_LINE_LIMIT));
  assertMatch(error.message, /longer than TEM-Simulator's 200 characters/);
  assertThrows(() =>
    sim.addParticleSets([{
      name: "Fiducial",
      source: "x.mrc",
      key: false,
      coordinates: [],
      orientations: [],
    }])
  );
  assertEquals(formatCoordFile([], []), "0 6\n");
});

import { dirname } from "node:path";
import { assert, assertEquals } from "../../testing/mod.ts";
import { parseSimulationFile, parseSimulationText } from "../input/mod.ts";
import type { SimulationInput } from "../input/mod.ts";
import {
  defaultLogPath,
  formatLogParameters,
  LOG_FIRST_LINE,
  LOG_MESSAGES,
  SimulationLog,
} from "./log_file.ts";

const FIXTURES = new URL("../../../tests/fixtures/tem/", import.meta.url).pathname;
const REFERENCE = new URL("../../../../shared/reference/tem-simulator/", import.meta.url).pathname;
const CASES = ["single_pdb", "ice_edge", "map_particles"];

/** The parameters of an input without where they came from. */
function comparable(input: SimulationInput): unknown {
  const strip = (component: unknown) => {
    if (component === undefined) return undefined;
    const { location, ...rest } = component as { location: { given: Record<string, number> } };
    return { ...rest, given: Object.keys(location.given).sort() };
  };
  return {
    simulation: strip(input.simulation),
    sample: strip(input.sample),
    geometry: strip(input.geometry),
    electronbeam: strip(input.electronbeam),
    optics: strip(input.optics),
    detectors: input.detectors.map(strip),
    particles: input.particles.map(strip),
    particlesets: input.particlesets.map(strip),
    volumes: input.volumes.map(strip),
    baseDir: input.baseDir,
  };
}

function readBack(log: string, logPath: string): SimulationInput {
  return parseSimulationText(log, { fileName: logPath, baseDir: dirname(logPath) });
}

Deno.test("the log's parameter tables match TEM-Simulator's log after the first line", async () => {
  for (const name of CASES) {
    const input = await parseSimulationFile(`${FIXTURES}${name}/sim.txt`);
    const mine = formatLogParameters(input, input.simulation.log_file!).split("\n");
    const reference = (await Deno.readTextFile(`${REFERENCE}${name}/sim.log`)).split("\n");
    assertEquals(mine[0], LOG_FIRST_LINE);
    // sim.txt was named by an absolute path here; TEM-Simulator was given "sim.txt".
    assertEquals(mine[1], `# Input data read from file ${FIXTURES}${name}/sim.txt.`);
    assertEquals(mine.slice(2, -1), reference.slice(2, mine.length - 1), name);
    assertEquals(mine.at(-2), "#");
    assertEquals(mine.at(-3), "=== end of input ===");
  }
});

Deno.test("a log read back as input gives the same parameters (reference cases)", async () => {
  for (const name of CASES) {
    const input = await parseSimulationFile(`${FIXTURES}${name}/sim.txt`);
    const logPath = input.simulation.log_file!;
    const again = readBack(formatLogParameters(input, logPath), logPath);
    assertEquals(comparable(again), comparable(input), name);
  }
});

Deno.test("a log read back keeps quoted paths, full-precision reals, defaults and far paths", () => {
  const text = `=== simulation ===
generate_volumes = yes
log_file = logs/run.log
=== sample ===
diameter = 1000
thickness_center = 60.5
thickness_edge = 80
offset_y = 0.0000001
=== volume big ===
voxel_size = 0.283
nx = 10
ny = 12
nz = 14
offset_z = -3.25
map_file_re_out = "volume re.mrc"
map_file_im_out = /elsewhere/im.mrc
map_axis_order = zyx
=== electronbeam ===
acc_voltage = 300
energy_spread = 1.3
gen_dose = yes
total_dose = 6000
=== particle p ===
source = random
voxel_size = 0.5
nx = 8
ny = 8
nz = 8
contrast_re = 1
contrast_im = 0.1
smoothness = 2
make_positive = yes
=== particleset ===
particle_type = p
gen_rand_positions = yes
where = surface
particle_conc = 12.5
`;
  const input = parseSimulationText(text, { fileName: "in.txt", baseDir: "/data/run" });
  const logPath = input.simulation.log_file!;
  assertEquals(logPath, "/data/run/logs/run.log");
  const log = formatLogParameters(input, logPath);
  assert(log.includes('  map_file_re_out           = "/data/run/volume re.mrc"\n'), log);
  assert(log.includes("  log_file                  = run.log\n"), log);
  assert(log.includes("  offset_y                  = 1e-7\n"), log);
  assert(log.includes("# particle_coords           = random  (default)\n"), log);
  assert(log.includes("# map_file_format           = mrc  (default)\n"), log);
  assert(log.includes("=== volume big ===\n"), log);
  const again = readBack(log, logPath);
  const expected = comparable(input) as { baseDir: string };
  assertEquals(comparable(again), { ...expected, baseDir: "/data/run/logs" });
});

Deno.test("SimulationLog adds progress lines, echoes them and writes atomically", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_tem_log_" });
  const input = await parseSimulationFile(`${FIXTURES}single_pdb/sim.txt`);
  const echoed: string[] = [];
  const log = new SimulationLog(input, {
    path: `${dir}/sim.log`,
    echo: (line) => echoed.push(line),
  });
  log.note(LOG_MESSAGES.parametersInitialized());
  log.blank();
  log.note(LOG_MESSAGES.pdbPotential(log.fileName(input.particles[0]!.pdb_file_in!)));
  log.note(LOG_MESSAGES.mapSize(30, 26, 31));
  log.note(LOG_MESSAGES.mapCenter(48.1355, 8.612, 9.4815));
  log.note(LOG_MESSAGES.atomCount("H", 5767));
  log.note(LOG_MESSAGES.imageWritten(1, log.fileName(input.detectors[0]!.image_file_out)));
  log.warning("something odd");
  log.note(LOG_MESSAGES.complete());
  await log.flush();
  const text = await Deno.readTextFile(`${dir}/sim.log`);
  assertEquals(text, log.text());
  const tail = text.slice(text.indexOf("=== end of input ===\n#\n") + 23);
  assertEquals(
    tail,
    [
      "# Simulation parameters object initialized.",
      "# ",
      "# Generating potential from pdb file 1tii.pdb.",
      "# Size of particle map: 30 x 26 x 31",
      "# PDB coordinates of map center: (48.135500, 8.612000, 9.481500)",
      "#  H : 5767",
      "# Detector image number 1 written to file tiltseries.mrc.",
      "# Warning: something odd",
      "# Simulation complete.",
      "",
    ].join("\n"),
  );
  assertEquals(echoed.length, 9);
  // The reference's progress lines have the same form.
  const reference = await Deno.readTextFile(`${REFERENCE}single_pdb/sim.log`);
  for (
    const line of ["# Size of particle map: 30 x 26 x 31", "#  H : 5767", "# Simulation complete."]
  ) {
    assert(reference.includes(line + "\n"), line);
  }
  log.note("more");
  log.flushSync();
  assertEquals(await Deno.readTextFile(`${dir}/sim.log`), log.text());
  const names = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  assertEquals(names, ["sim.log"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("defaultLogPath takes the first free second of ten", () => {
  const taken = new Set(["/d/TEM-simulator_100.log", "/d/TEM-simulator_101.log"]);
  assertEquals(defaultLogPath("/d", 100.7, (p) => taken.has(p)), "/d/TEM-simulator_102.log");
  assertEquals(defaultLogPath("/d", 100, () => true), "/d/TEM-simulator_109.log");
});

import { EtsError } from "../../errors/mod.ts";
import { assertEquals, assertRejects } from "../../testing/mod.ts";
import { checkOutputPaths, outputPaths, parseSimulationFile } from "./read_simulation.ts";

const FIXTURES = new URL("../../../tests/fixtures/tem/", import.meta.url).pathname;
const SHARED = new URL("../../../../shared/", import.meta.url).pathname;

Deno.test("every reference case parses with its values", async () => {
  const single = await parseSimulationFile(`${FIXTURES}single_pdb/sim.txt`);
  assertEquals(single.simulation.generate_particle_maps, true);
  assertEquals(single.simulation.log_file, `${FIXTURES}single_pdb/sim.log`);
  assertEquals(single.particles.map((p) => [p.name, p.source, p.voxel_size]), [
    ["tii", "pdb", 0.283],
  ]);
  assertEquals(single.particles[0]?.pdb_file_in, `${FIXTURES}single_pdb/1tii.pdb`);
  assertEquals(single.particles[0]?.map_file_im_out, `${FIXTURES}single_pdb/tii_im.mrc`);
  assertEquals(single.particlesets[0]?.num_particles, 1);
  assertEquals(single.detectors.map((d) => d.use_quantization), [true, false]);
  assertEquals(single.geometry?.ntilts, 3);
  assertEquals(single.optics?.defocus_nominal, 2);

  const edge = await parseSimulationFile(`${FIXTURES}ice_edge/sim.txt`);
  assertEquals(edge.particles, []);
  assertEquals(edge.sample?.offset_x, 520);
  assertEquals(edge.geometry?.theta_start, -60);

  const maps = await parseSimulationFile(`${FIXTURES}map_particles/sim.txt`);
  assertEquals(maps.particles.map((p) => [p.name, p.source, p.use_imag_pot, p.famp]), [
    ["bead", "map", false, 0],
    ["pep", "pdb", true, undefined],
  ]);
  assertEquals(maps.particlesets.map((s) => [s.particle_type, s.num_particles]), [
    ["bead", 3],
    ["pep", 2],
  ]);
  assertEquals(
    outputPaths(maps).map((output) => output.key),
    [
      "log_file",
      "image_file_out",
      "image_file_out",
      "dose_file_out",
      "geom_file_out",
      "defocus_file_out",
    ],
  );
});

Deno.test("the ETSimulations template and the benchmark configs parse", async () => {
  const template = await parseSimulationFile(`${SHARED}etsimulations/templates/sim.txt`);
  assertEquals(template.detectors.length, 2);
  assertEquals(template.geometry?.geom_errors, "random");
  assertEquals(template.geometry?.error_file_out, `${SHARED}etsimulations/templates/err.log`);
  const small = await parseSimulationFile(`${SHARED}bench/small.txt`);
  assertEquals(small.particles.map((p) => p.name), ["prot", "protmap", "Fiducial"]);
  assertEquals(small.particlesets[2]?.occupancy, 0.002);
  const large = await parseSimulationFile(`${SHARED}bench/large.txt`);
  assertEquals(large.particlesets.map((s) => s.particle_coords), ["file", "random"]);
  const maps = await parseSimulationFile(`${SHARED}bench/maps.txt`);
  assertEquals(maps.electronbeam?.acc_voltage, 300);
});

/** A temporary folder with files; returns its path. */
async function folderWith(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ets_tem_input_" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

const RUN = `=== simulation ===
generate_micrographs = yes
log_file = sim.log
=== sample ===
diameter = 1000
thickness_center = 60
thickness_edge = 80
=== geometry ===
gen_tilt_data = no
geom_file_in = geom.txt
geom_errors = none
=== electronbeam ===
acc_voltage = 300
energy_spread = 1.3
gen_dose = no
dose_file_in = dose.txt
=== optics ===
magnification = 53000
cs = 2
cc = 2
aperture = 50
focal_length = 3
cond_ap_angle = 0.1
gen_defocus = yes
defocus_nominal = 2
=== detector ===
det_pix_x = 64
det_pix_y = 64
pixel_size = 15
gain = 1
use_quantization = no
dqe = 0.4
mtf_a = 1
mtf_b = 0
mtf_c = 0
mtf_alpha = 0
mtf_beta = 0
image_file_out = out/series.mrc
=== particle p ===
source = pdb
pdb_file_in = p.pdb
voxel_size = 0.3
=== particleset ===
particle_type = p
particle_coords = file
num_particles = 2
coord_file_in = coord.txt
`;
const GOOD_FILES = {
  "sim.txt": RUN,
  "geom.txt": "2 3\n0 -30 0\n0 30 0\n",
  "dose.txt": "2 1\n100\n100\n",
  "p.pdb": "",
  "coord.txt": "2 3\n0 0 0\n10 10 10\n",
};

async function failure(files: Record<string, string>): Promise<{ message: string; dir: string }> {
  const dir = await folderWith({ ...GOOD_FILES, ...files });
  const error = await assertRejects(() => parseSimulationFile(`${dir}/sim.txt`), EtsError);
  assertEquals(error.kind, "input");
  await Deno.remove(dir, { recursive: true });
  return { message: error.oneLine.replaceAll(dir, "DIR"), dir };
}

Deno.test("parseSimulationFile reads the tables it needs: 3-column coordinates, ntilts from the geometry file", async () => {
  const dir = await folderWith(GOOD_FILES);
  const input = await parseSimulationFile(`${dir}/sim.txt`);
  assertEquals(input.geometry?.ntilts, undefined);
  assertEquals(input.particlesets[0]?.coord_file_in, `${dir}/coord.txt`);
  await assertRejects(() => checkOutputPaths(input), EtsError, '"image_file_out": the folder');
  await Deno.mkdir(`${dir}/out`);
  await checkOutputPaths(input);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseSimulationFile rejects missing files and malformed or short tables", async () => {
  assertEquals(
    (await failure({ "sim.txt": RUN.replace("pdb_file_in = p.pdb", "pdb_file_in = q.pdb") }))
      .message,
    'Cannot read "DIR/sim.txt": line 41: "pdb_file_in" names a missing file "DIR/q.pdb"',
  );
  assertEquals(
    (await failure({ "coord.txt": "2 6\n0 0 0 0 0 0\n1 1 x 0 0 0\n" })).message,
    'Cannot read "DIR/coord.txt": line 3: column 3: "x" is not a number (allowed: a finite ' +
      "decimal number such as 12, -0.5 or 1.5e3)",
  );
  assertEquals(
    (await failure({ "coord.txt": "1 6\n0 0 0 0 0 0\n" })).message,
    'Cannot read "DIR/sim.txt": line 47: "DIR/coord.txt" of "coord_file_in" has 1 row, needs 2 ' +
      "(num_particles = 2)",
  );
  assertEquals(
    (await failure({
      "sim.txt": RUN.replace("geom_errors = none", "geom_errors = none\nntilts = 3"),
    }))
      .message,
    'Cannot read "DIR/sim.txt": line 10: "DIR/geom.txt" of "geom_file_in" has 2 rows, needs 3 ' +
      "(ntilts = 3)",
  );
  assertEquals(
    (await failure({ "dose.txt": "1 1\n100\n" })).message,
    'Cannot read "DIR/sim.txt": line 16: "DIR/dose.txt" of "dose_file_in" has 1 row, needs 2 ' +
      "(one per tilt)",
  );
  assertEquals(
    (await failure({ "geom.txt": "2 2\n0 1\n0 2\n" })).message,
    'Cannot read "DIR/geom.txt": the tilt-angle table has 2 column(s), needs at least 3 ' +
      "(psi theta phi)",
  );
  const missing = await assertRejects(() => parseSimulationFile("/nonexistent/sim.txt"), EtsError);
  assertEquals(missing.oneLine, 'Cannot read "/nonexistent/sim.txt": no such file');
});

Deno.test("parseSimulationFile checks the headers of MRC maps and the size of raw maps", async () => {
  const bead = await Deno.readFile(`${FIXTURES}map_particles/bead_small.mrc`);
  const mapRun = RUN.replace(
    "source = pdb\npdb_file_in = p.pdb\nvoxel_size = 0.3\n",
    "source = map\nmap_file_re_in = bead.mrc\nuse_imag_pot = no\nfamp = 0\n",
  );
  const dir = await folderWith({ ...GOOD_FILES, "sim.txt": mapRun });
  await Deno.writeFile(`${dir}/bead.mrc`, bead);
  assertEquals((await parseSimulationFile(`${dir}/sim.txt`)).particles[0]?.source, "map");
  await Deno.writeFile(`${dir}/bead.mrc`, bead.subarray(0, 2000));
  const truncated = await assertRejects(() => parseSimulationFile(`${dir}/sim.txt`), EtsError);
  assertEquals(truncated.kind, "input");
  assertEquals(truncated.file, `${dir}/bead.mrc`);
  const raw = mapRun.replace(
    "famp = 0\n",
    "famp = 0\nmap_file_format = raw\nnx = 10\nny = 10\nnz = 10\nvoxel_size = 1\n",
  );
  await Deno.writeTextFile(`${dir}/sim.txt`, raw);
  const short = await assertRejects(() => parseSimulationFile(`${dir}/sim.txt`), EtsError);
  assertEquals(
    short.oneLine.replaceAll(dir, "DIR"),
    'Cannot read "DIR/sim.txt": line 41: raw map "DIR/bead.mrc" of "map_file_re_in" has 2000 ' +
      "bytes, needs 4000 (nx·ny·nz float32 values)",
  );
  await Deno.remove(dir, { recursive: true });
});

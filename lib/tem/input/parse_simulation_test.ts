import { EtsError } from "../../errors/mod.ts";
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { parseSimulationText } from "./parse_simulation.ts";
import type { SimulationInput } from "./types.ts";

/** A complete micrograph run without particles; line numbers are noted for the tests. */
const BASE = `=== simulation ===
generate_micrographs = yes
log_file = sim.log
rand_seed = 1
=== sample ===
diameter = 1000
thickness_center = 60
thickness_edge = 80
=== geometry ===
gen_tilt_data = yes
ntilts = 3
theta_start = -45
theta_incr = 45
geom_errors = none
=== electronbeam ===
acc_voltage = 300
energy_spread = 1.3
gen_dose = yes
dose_per_im = 10000
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
det_pix_x = 256
det_pix_y = 256
pixel_size = 15
gain = 10000
use_quantization = yes
dqe = 0.4
mtf_a = 0.7
mtf_b = 0.2
mtf_c = 0.1
mtf_alpha = 10
mtf_beta = 40
image_file_out = tiltseries.mrc
`;

function parse(text: string): SimulationInput {
  return parseSimulationText(text, { fileName: "sim.txt", baseDir: "/data/run" });
}

/** BASE with one line replaced (the line count is kept unless `replacement` has newlines). */
function edit(from: string, to: string, text = BASE): string {
  assert(text.includes(from), `BASE has no "${from}"`);
  return text.replace(from, to);
}

/** The one-line message of the input error thrown by parsing `text`. */
function failure(text: string): string {
  const error = assertThrows(() => parse(text), EtsError);
  assertEquals(error.kind, "input");
  assert(!error.oneLine.includes("\n"), "one line");
  return error.oneLine;
}

Deno.test("parseSimulationText reads values, applies defaults and resolves paths", () => {
  const input = parse(BASE);
  assertEquals(input.simulation.generate_micrographs, true);
  assertEquals(input.simulation.generate_volumes, false);
  assertEquals(input.simulation.generate_particle_maps, false);
  assertEquals(input.simulation.log_file, "/data/run/sim.log");
  assertEquals(input.simulation.rand_seed, 1);
  assertEquals(input.sample?.offset_x, 0);
  assertEquals(input.geometry?.tilt_axis, 0);
  assertEquals(input.geometry?.tilt_mode, "tiltseries");
  assertEquals(input.geometry?.tilt_err, 0);
  assertEquals(input.geometry?.geom_file_in, undefined);
  assertEquals(input.electronbeam?.dose_sd, 0);
  assertEquals(input.electronbeam?.total_dose, undefined);
  assertEquals(input.optics?.defocus_syst_error, 0);
  const [detector] = input.detectors;
  assertEquals(detector?.det_pix_x, 256);
  assertEquals(detector?.padding, 20);
  assertEquals(detector?.mtf_p, 1);
  assertEquals(detector?.image_file_format, "mrc");
  assertEquals(detector?.image_axis_order, "xy");
  assertEquals(detector?.image_file_byte_order, "native");
  assertEquals(detector?.image_file_out, "/data/run/tiltseries.mrc");
  assertEquals(detector?.name, "");
  assertEquals(detector?.location.line, 29);
  assertEquals(detector?.location.given["det_pix_x"], 30);
  assertEquals("padding" in (detector?.location.given ?? {}), false);
  assertEquals(input.sourceFile, "/data/run/sim.txt");
  assertEquals(input.baseDir, "/data/run");
  assertEquals(input.warnings, []);
});

Deno.test("particle and particleset defaults, names and the obsolete gen_rand_positions", () => {
  const input = parse(
    BASE + `=== particle prot ===
source = pdb
pdb_file_in = ../pdb/1tii.pdb
voxel_size = 0.283
=== particle bead ===
source = map
map_file_re_in = /maps/bead.mrc
use_imag_pot = no
famp = 0
=== particleset ===
particle_type = prot
particle_coords = file
coord_file_in = coord.txt
=== particleset ===
particle_type = bead
gen_rand_positions = yes
where = volume
occupancy = 0.002
`,
  );
  const [prot, bead] = input.particles;
  assertEquals(prot?.name, "prot");
  assertEquals(prot?.pdb_file_in, "/data/pdb/1tii.pdb");
  assertEquals(prot?.use_imag_pot, true);
  assertEquals(prot?.add_hydrogen, true);
  assertEquals(prot?.use_defocus_corr, false);
  assertEquals(prot?.map_axis_order, "xyz");
  assertEquals(prot?.nx, undefined);
  assertEquals(bead?.map_file_re_in, "/maps/bead.mrc");
  assertEquals(bead?.famp, 0);
  assertEquals(bead?.voxel_size, undefined);
  const [fileSet, randomSet] = input.particlesets;
  assertEquals(fileSet?.coord_file_in, "/data/run/coord.txt");
  assertEquals(fileSet?.nx, 1);
  assertEquals(fileSet?.offset_z, 0);
  assertEquals(randomSet?.particle_coords, "random");
  assertEquals(randomSet?.gen_rand_positions, true);
  assertEquals(randomSet?.occupancy, 0.002);
});

Deno.test("comments, blank lines, inline comments, quotes, CRLF and end", () => {
  const text = edit("diameter = 1000", "diameter = 1000   # nm, the hole")
    .replace("image_file_out = tiltseries.mrc", 'image_file_out = "my series.mrc" # quoted')
    .replace("=== sample ===", "# a comment\n   # an indented comment\n\n   \n=== sample ===")
    .replaceAll("\n", "\r\n") + "=== end ===\nthis is not parsed\n";
  const input = parse(text);
  assertEquals(input.sample?.diameter, 1000);
  assertEquals(input.detectors[0]?.image_file_out, "/data/run/my series.mrc");
});

Deno.test("several simulation blocks merge; a repeated parameter warns and the last wins", () => {
  const input = parse(
    edit("rand_seed = 1", "rand_seed = 1\nrand_seed = 7") +
      "=== simulation ===\ngenerate_particle_maps = yes\n",
  );
  assertEquals(input.simulation.rand_seed, 7);
  assertEquals(input.simulation.generate_particle_maps, true);
  assertEquals(input.simulation.generate_micrographs, true);
  assertEquals(input.warnings, [
    'sim.txt: line 5: "rand_seed" was already given at line 4; the last value is used',
  ]);
});

Deno.test("numbers are strict: integers need integer literals, reals accept exponents", () => {
  assertEquals(
    failure(edit("det_pix_x = 256", "det_pix_x = 6.4e1")),
    'Cannot read "sim.txt": line 30: "det_pix_x" must be an integer, got "6.4e1"',
  );
  assertEquals(
    failure(edit("det_pix_x = 256", "det_pix_x = 512.0")),
    'Cannot read "sim.txt": line 30: "det_pix_x" must be an integer, got "512.0"',
  );
  assertEquals(
    failure(edit("det_pix_x = 256", "det_pix_x = abc")),
    'Cannot read "sim.txt": line 30: "det_pix_x" must be an integer, got "abc"',
  );
  assertEquals(
    failure(edit("diameter = 1000", "diameter = 1,000")),
    'Cannot read "sim.txt": line 6: "diameter" must be a number, got "1,000"',
  );
  assertEquals(
    failure(edit("rand_seed = 1", "rand_seed = 1e3")),
    'Cannot read "sim.txt": line 4: "rand_seed" must be an integer, got "1e3"',
  );
  const input = parse(
    edit("diameter = 1000", "diameter = 1.0e3").replace("gain = 10000", "gain = .5"),
  );
  assertEquals(input.sample?.diameter, 1000);
  assertEquals(input.detectors[0]?.gain, 0.5);
});

Deno.test("out-of-range values, bad booleans and enumerations", () => {
  assertEquals(
    failure(edit("det_pix_x = 256", "det_pix_x = 0")),
    'Cannot read "sim.txt": line 30: "det_pix_x" must be between 1 and 10000, got "0"',
  );
  assertEquals(
    failure(edit("dqe = 0.4", "dqe = 1.5")),
    'Cannot read "sim.txt": line 35: "dqe" must be between 0.01 and 1, got "1.5"',
  );
  assertEquals(
    failure(edit("gain = 10000", "gain = -1")),
    'Cannot read "sim.txt": line 33: "gain" must be at least 0, got "-1"',
  );
  assertEquals(
    failure(edit("magnification = 53000", "magnification = 0.5")),
    'Cannot read "sim.txt": line 21: "magnification" must be at least 1, got "0.5"',
  );
  assertEquals(
    failure(edit("use_quantization = yes", "use_quantization = true")),
    'Cannot read "sim.txt": line 34: "use_quantization" must be "yes" or "no", got "true"',
  );
  assertEquals(
    failure(edit("use_quantization = yes", "use_quantization = Yes")),
    'Cannot read "sim.txt": line 34: "use_quantization" must be "yes" or "no", got "Yes"',
  );
  assertEquals(
    failure(edit("geom_errors = none", "geom_errors = some")),
    'Cannot read "sim.txt": line 14: "geom_errors" must be one of "none", "random", "file", got "some"',
  );
});

Deno.test("unknown components and parameters, bad lines", () => {
  assertEquals(
    failure(edit("=== detector ===", "=== detectr ===")),
    'Cannot read "sim.txt": line 29: unknown component "detectr" (known: simulation, detector, ' +
      "electronbeam, geometry, optics, particle, particleset, sample, volume, end)",
  );
  assertEquals(
    failure(edit("mtf_beta = 40", "mtf_gamma = 40")),
    'Cannot read "sim.txt": line 40: unknown parameter "mtf_gamma" in component "detector"',
  );
  assertEquals(
    failure(edit("cs = 2", "cs 2")),
    'Cannot read "sim.txt": line 22: expected "name = value" or a "=== component ===" heading, ' +
      'got "cs 2"',
  );
  assertEquals(
    failure(edit("diameter = 1000", "diameter = 1000 nm")),
    'Cannot read "sim.txt": line 6: unexpected "nm" after the value of "diameter"',
  );
  assertEquals(
    failure(edit("diameter = 1000", "diameter =")),
    'Cannot read "sim.txt": line 6: "diameter" has no value',
  );
  assertEquals(
    failure(edit("image_file_out = tiltseries.mrc", 'image_file_out = "tilt series.mrc')),
    'Cannot read "sim.txt": line 41: the value of "image_file_out" has no closing quote',
  );
  assertEquals(
    failure("generate_micrographs = yes\n" + BASE),
    'Cannot read "sim.txt": line 1: "generate_micrographs" comes before the first ' +
      '"=== component ===" heading',
  );
  assertEquals(
    failure(edit("=== detector ===", "=== particle my prot ===")),
    'Cannot read "sim.txt": line 29: component heading "=== particle my prot ===" has more than ' +
      "a type and a name",
  );
});

Deno.test("missing required values depend on what the run generates", () => {
  assertEquals(
    failure(edit("dqe = 0.4\n", "# no dqe\n")),
    'Cannot read "sim.txt": line 29: component "detector" needs "dqe"',
  );
  assertEquals(
    failure(edit("theta_incr = 45\n", "#\n")),
    'Cannot read "sim.txt": line 9: component "geometry" needs "theta_incr" (required when ' +
      "gen_tilt_data = yes)",
  );
  assertEquals(
    failure(edit("gen_tilt_data = yes", "gen_tilt_data = no")),
    'Cannot read "sim.txt": line 9: component "geometry" needs "geom_file_in" (required when ' +
      "gen_tilt_data = no)",
  );
  assertEquals(
    failure(edit("dose_per_im = 10000\n", "\n")),
    'Cannot read "sim.txt": line 15: component "electronbeam" needs "total_dose" or "dose_per_im" ' +
      "(required when gen_dose = yes)",
  );
  assertEquals(
    failure(edit("defocus_nominal = 2\n", "\n")),
    'Cannot read "sim.txt": line 20: component "optics" needs "defocus_nominal" (required when ' +
      "gen_defocus = yes)",
  );
  const noOptics = BASE.slice(0, BASE.indexOf("=== optics ===")) +
    BASE.slice(BASE.indexOf("=== detector ==="));
  assertEquals(
    failure(noOptics),
    'Cannot read "sim.txt": line 2: generate_micrographs = yes needs a "=== optics ===" component',
  );
  assertEquals(
    failure(BASE.slice(0, BASE.indexOf("=== detector ==="))),
    'Cannot read "sim.txt": line 2: generate_micrographs = yes needs a "=== detector ===" component',
  );
  assertEquals(
    failure(edit("generate_micrographs = yes", "generate_micrographs = no")),
    'Cannot read "sim.txt": nothing to generate: set "generate_micrographs", "generate_volumes" or ' +
      '"generate_particle_maps" to "yes" in "=== simulation ==="',
  );
  // Without micrographs, the micrograph components may be incomplete.
  const mapsOnly = parse(
    edit("generate_micrographs = yes", "generate_particle_maps = yes")
      .replace("dqe = 0.4\n", "\n") +
      "=== particle p ===\nsource = pdb\npdb_file_in = p.pdb\nvoxel_size = 0.2\n",
  );
  assertEquals(mapsOnly.detectors[0]?.dqe, undefined);
});

Deno.test("particle and particleset requirements", () => {
  const withParticle = (particle: string, set = "") =>
    BASE + "=== particle prot ===\n" + particle + "=== particleset ===\n" +
    (set === "" ? "particle_type = prot\nparticle_coords = file\ncoord_file_in = c.txt\n" : set);
  const line = BASE.split("\n").length; // the particle heading's line
  assertEquals(
    failure(withParticle("source = pdb\nvoxel_size = 0.283\n")),
    `Cannot read "sim.txt": line ${line}: component "particle prot" needs "pdb_file_in" ` +
      "(required when source = pdb)",
  );
  assertEquals(
    failure(withParticle("source = map\nmap_file_re_in = a.mrc\n")),
    `Cannot read "sim.txt": line ${line}: component "particle prot" needs "map_file_im_in" ` +
      "(required when source = map and use_imag_pot = yes)",
  );
  assertEquals(
    failure(withParticle("source = map\nmap_file_re_in = a.mrc\nuse_imag_pot = no\n")),
    `Cannot read "sim.txt": line ${line}: component "particle prot" needs "famp" ` +
      "(required when use_imag_pot = no)",
  );
  assertEquals(
    failure(withParticle("pdb_file_in = a.pdb\n")),
    `Cannot read "sim.txt": line ${line}: component "particle prot" needs "source"`,
  );
  const okParticle = "source = pdb\npdb_file_in = a.pdb\nvoxel_size = 0.283\n";
  assertEquals(
    failure(withParticle(okParticle, "particle_type = prot\n")),
    `Cannot read "sim.txt": line ${line + 4}: component "particleset" needs "particle_coords" ` +
      "(file, random or grid)",
  );
  assertEquals(
    failure(withParticle(okParticle, "particle_type = protein\nparticle_coords = file\n")),
    `Cannot read "sim.txt": line ${line + 5}: particle_type "protein" names no particle ` +
      'component (known: "prot")',
  );
  assertEquals(
    failure(
      withParticle(okParticle, "particle_type = prot\nparticle_coords = random\nwhere = top\n"),
    ),
    `Cannot read "sim.txt": line ${line + 4}: component "particleset" needs "num_particles", ` +
      '"particle_conc" or "occupancy" (required when particle_coords = random)',
  );
  assertEquals(
    failure(withParticle(okParticle, "particle_type = prot\nparticle_coords = grid\n")),
    `Cannot read "sim.txt": line ${line + 4}: component "particleset" needs "particle_dist" ` +
      "(required when particle_coords = grid)",
  );
});

Deno.test("repeated and duplicate components, clashing files", () => {
  assertEquals(
    failure(BASE + "=== sample ===\ndiameter = 5\n"),
    `Cannot read "sim.txt": line 42: a second "sample" component (the first is at line 5); ` +
      "only one is allowed",
  );
  const particle = "source = pdb\npdb_file_in = a.pdb\nvoxel_size = 0.283\n";
  assertEquals(
    failure(BASE + "=== particle a ===\n" + particle + "=== particle a ===\n" + particle),
    `Cannot read "sim.txt": line 46: a second component "particle a" (the first is at line 42)`,
  );
  const second = BASE.slice(BASE.indexOf("=== detector ==="));
  const twoDetectors = parse(BASE + second.replace("tiltseries.mrc", "nonoise.mrc"));
  assertEquals(twoDetectors.detectors.length, 2);
  assertEquals(
    failure(BASE + second),
    'Cannot read "sim.txt": line 54: "image_file_out" names the same file as "image_file_out" ' +
      'at line 41: "/data/run/tiltseries.mrc"',
  );
  assertEquals(
    failure(edit("tiltseries.mrc", "./sim.log")),
    'Cannot read "sim.txt": line 41: "image_file_out" names the same file as "log_file" at ' +
      'line 3: "/data/run/sim.log"',
  );
  assertEquals(
    failure(
      BASE + "=== particle a ===\n" + particle +
        "=== particleset ===\nparticle_type = a\nparticle_coords = random\nwhere = top\n" +
        "num_particles = 2\ncoord_file_out = a.pdb\n",
    ),
    'Cannot read "sim.txt": line 51: "coord_file_out" would overwrite the input file of ' +
      '"pdb_file_in" at line 44: "/data/run/a.pdb"',
  );
});

Deno.test("volumes need a sample and volume components, and electronbeam for imaginary maps", () => {
  const volumes = `=== simulation ===
generate_volumes = yes
=== sample ===
diameter = 1000
thickness_center = 60
thickness_edge = 80
=== volume ===
voxel_size = 1
nx = 10
ny = 10
nz = 10
map_file_re_out = v_re.mrc
`;
  const input = parse(volumes);
  assertEquals(input.volumes[0]?.offset_x, 0);
  assertEquals(input.volumes[0]?.map_file_im_out, undefined);
  assertEquals(
    failure(volumes + "map_file_im_out = v_im.mrc\n"),
    'Cannot read "sim.txt": line 2: generate_volumes = yes needs a "=== electronbeam ===" component',
  );
  assertEquals(
    failure(volumes.replace("nz = 10\n", "")),
    'Cannot read "sim.txt": line 7: component "volume" needs "nz"',
  );
});

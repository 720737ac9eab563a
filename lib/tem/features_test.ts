/**
 * Smoke and property tests of the less common TEM-Simulator features: volumes, single-particle
 * tilt mode, random particles on a grid, raw and yx image output, particle maps.
 */
import { join } from "node:path";
import { assert, assertAlmostEquals, assertEquals } from "../testing/mod.ts";
import { decodeMrc } from "../mrc/mod.ts";
import { iceRealPotential } from "./pdb_potential.ts";
import { runTemSimulation } from "./simulation.ts";

const BEAD = new URL("../../tests/fixtures/tem/map_particles/bead_small.mrc", import.meta.url);

const COMMON = `
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
defocus_nominal = 3
`;

function detector(out: string, extra = ""): string {
  return `
=== detector ===
det_pix_x = 64
det_pix_y = 64
padding = 16
pixel_size = 15
gain = 1
use_quantization = no
dqe = 0.4
mtf_a = 0.7
mtf_b = 0.2
mtf_c = 0.1
mtf_alpha = 10
mtf_beta = 40
image_file_out = ${out}
${extra}`;
}

async function withFolder(run: (folder: string) => Promise<void>): Promise<void> {
  const folder = await Deno.makeTempDir({ prefix: "ets_tem_features_" });
  try {
    await Deno.copyFile(BEAD, join(folder, "bead.mrc"));
    await run(folder);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

async function readStack(
  path: string,
): Promise<{ nx: number; ny: number; sections: Float32Array[] }> {
  const v = decodeMrc(await Deno.readFile(path), path);
  const { nx, ny, nz } = v.header;
  return {
    nx,
    ny,
    sections: Array.from({ length: nz }, (_, z) => v.data.slice(z * nx * ny, (z + 1) * nx * ny)),
  };
}

const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;

Deno.test("generate_volumes: ice in the hole, carbon support outside, 1e-10 elsewhere", async () => {
  await withFolder(async (folder) => {
    await Deno.writeTextFile(
      join(folder, "sim.txt"),
      `=== simulation ===
generate_volumes = yes
log_file = sim.log
rand_seed = 5
=== sample ===
diameter = 200
thickness_center = 40
thickness_edge = 40
offset_x = 100
=== volume ===
voxel_size = 2
nx = 20
ny = 10
nz = 40
map_file_re_out = vol.mrc
` + COMMON,
    );
    await runTemSimulation(join(folder, "sim.txt"), { threads: 1 });
    const v = decodeMrc(await Deno.readFile(join(folder, "vol.mrc")));
    assertEquals([v.header.nx, v.header.ny, v.header.nz], [20, 10, 40]);
    const at = (x: number, y: number, z: number) => v.data[(z * 10 + y) * 20 + x]!;
    // Voxel x = 15 is at +11 nm (in the hole, whose edge is at x = 0), x = 4 at −11 nm (support).
    assertAlmostEquals(at(15, 5, 20), iceRealPotential(), 1e-5);
    assert(at(4, 5, 20) > 11 && at(4, 5, 20) < 13, `support potential ${at(4, 5, 20)}`);
    assertAlmostEquals(at(15, 5, 0), 1e-10, 1e-12);
  });
});

Deno.test("single_particle mode keeps the particle in place and the sample flat", async () => {
  await withFolder(async (folder) => {
    await Deno.writeTextFile(join(folder, "coord.txt"), "1 6\n8 0 0 0 0 0\n");
    await Deno.writeTextFile(
      join(folder, "sim.txt"),
      `=== simulation ===
generate_micrographs = yes
log_file = sim.log
rand_seed = 5
=== sample ===
diameter = 2000
thickness_center = 50
thickness_edge = 50
=== particle bead ===
source = map
map_file_re_in = bead.mrc
use_imag_pot = no
famp = 0
=== particleset ===
particle_type = bead
particle_coords = file
coord_file_in = coord.txt
=== geometry ===
gen_tilt_data = yes
ntilts = 2
theta_start = 0
theta_incr = 60
tilt_mode = single_particle
geom_errors = none
` + COMMON + detector("img.mrc"),
    );
    await runTemSimulation(join(folder, "sim.txt"), { threads: 1 });
    const stack = await readStack(join(folder, "img.mrc"));
    // Flat sample in identity geometry: the same background at 0° and 60°.
    const [a, b] = stack.sections as [Float32Array, Float32Array];
    assertAlmostEquals(mean(a) / mean(b), 1, 2e-3);
    // The bead (8 nm = 28 px right of the centre) darkens the same place in both images.
    const column = (img: Float32Array, x0: number) => {
      let s = 0;
      for (let y = 24; y < 40; y++) for (let x = x0; x < x0 + 8; x++) s += img[y * 64 + x]!;
      return s / 128;
    };
    for (const img of [a, b]) {
      assert(column(img, 56) < 0.97 * column(img, 4), "bead not at x = +8 nm");
    }
  });
});

Deno.test("random particles on a grid, raw and yx outputs, particle maps", async () => {
  await withFolder(async (folder) => {
    await Deno.writeTextFile(
      join(folder, "sim.txt"),
      `=== simulation ===
generate_micrographs = yes
generate_particle_maps = yes
log_file = sim.log
rand_seed = 9
=== sample ===
diameter = 2000
thickness_center = 60
thickness_edge = 60
=== particle blob ===
source = random
voxel_size = 0.5
nx = 16
ny = 16
nz = 16
contrast_re = 2
contrast_im = 0.2
smoothness = 2
make_positive = yes
use_imag_pot = yes
map_file_re_out = blob_re.mrc
map_file_im_out = blob_im.raw
map_file_format = raw
=== particleset ===
particle_type = blob
particle_coords = grid
nx = 2
ny = 2
nz = 1
particle_dist = 10
coord_file_out = grid.txt
=== geometry ===
gen_tilt_data = yes
ntilts = 2
theta_start = -20
theta_incr = 40
geom_errors = none
` + COMMON + detector("xy.mrc") +
        detector("yx.raw", "image_file_format = raw\nimage_axis_order = yx\n"),
    );
    await runTemSimulation(join(folder, "sim.txt"), { threads: 2 });
    const xy = await readStack(join(folder, "xy.mrc"));
    const raw = await Deno.readFile(join(folder, "yx.raw"));
    assertEquals(raw.length, 4 * 64 * 64 * 2);
    const yx = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
    for (const [x, y] of [[3, 17], [40, 2], [63, 63]] as const) {
      assertEquals(yx[x * 64 + y], xy.sections[0]![y * 64 + x]);
    }
    const grid = await Deno.readTextFile(join(folder, "grid.txt"));
    assert(/-5\.0000\s+-5\.0000/.test(grid) && /5\.0000\s+5\.0000/.test(grid), grid);
    const imRaw = await Deno.readFile(join(folder, "blob_im.raw"));
    assertEquals(imRaw.length, 4 * 16 ** 3);
    // map_file_format = raw applies to both maps of the particle.
    const reRaw = await Deno.readFile(join(folder, "blob_re.mrc"));
    const re = new Float32Array(reRaw.buffer, reRaw.byteOffset, reRaw.length / 4);
    // Mean |V| = contrast·π/6 over the box.
    assertAlmostEquals(re.reduce((s, v) => s + Math.abs(v), 0) / re.length, 2 * Math.PI / 6, 1e-3);
  });
});

/**
 * `ets reconstruct` end to end on a multi-particle tilt series the embedded engine simulates here
 * (5 copies of templates/particle.mrc in random orientations and 2 gold beads, 25 tilts with
 * random tilt, rotation and shift errors, pure amplitude contrast so the density is a plain
 * projection), checked by independent code (tests/fixtures/reconstruct/check_reconstruction.py:
 * numpy, scipy, scikit-image, mrcfile): particle centres found in the reconstruction, labels
 * placed again by scipy and overlapping the reconstructed density, scikit-image's iradon slice by
 * slice with the .rawtlt angles, and a direct numpy back-projection with the tilt table's full
 * geometry; and the .tlt angles against a least-squares fit of IMOD's projection model (scipy).
 * Also the command's bad-input paths.
 */
import { writeStackGroundTruth } from "../lib/groundtruth/mod.ts";
import { readMrcHeader } from "../lib/mrc/mod.ts";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  pythonModules,
  requirements,
  runPythonJson,
} from "../lib/testing/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const TEMPLATES = new URL("../templates/", import.meta.url).pathname;
const CHECK = new URL("./fixtures/reconstruct/check_reconstruction.py", import.meta.url).pathname;

const SIM = `=== simulation ===
generate_micrographs = yes
log_file = sim.log
rand_seed = 5
=== sample ===
diameter = 2000
thickness_center = 60
thickness_edge = 60
=== particle prot ===
source = map
map_file_re_in = particle.mrc
use_imag_pot = no
famp = 1
=== particleset ===
particle_type = prot
num_particles = 5
particle_coords = file
coord_file_in = prot.txt
=== particle Fiducial ===
source = map
map_file_re_in = bead.mrc
use_imag_pot = no
famp = 1
=== particleset ===
particle_type = Fiducial
num_particles = 2
particle_coords = file
coord_file_in = beads.txt
=== geometry ===
gen_tilt_data = yes
ntilts = 25
theta_start = -60
theta_incr = 5
tilt_axis = 0
geom_errors = random
tilt_err = 0.5
align_err_rot = 0.5
align_err_tr = 0.5
geom_file_out = geom.txt
error_file_out = errors.txt
=== electronbeam ===
acc_voltage = 300
energy_spread = 1.3
gen_dose = yes
dose_per_im = 2000
dose_file_out = dose.txt
=== optics ===
magnification = 30000
cs = 2
cc = 2
aperture = 50
focal_length = 3
cond_ap_angle = 0.1
gen_defocus = yes
defocus_nominal = 0.5
defocus_file_out = defocus.txt
=== detector ===
det_pix_x = 160
det_pix_y = 144
pixel_size = 15
gain = 10
use_quantization = no
dqe = 0.4
mtf_a = 0.7
mtf_b = 0.2
mtf_c = 0.1
mtf_alpha = 10
mtf_beta = 40
image_file_out = ts_nonoise.mrc
`;

/** Well separated (nm): a particle's box is 20 nm wide, a bead 12 nm. */
const PROTEINS = [
  [-22, -18, 8, 10, 40, 70],
  [20, 16, -10, 100, 80, -30],
  [-20, 20, -4, 200, 120, 45],
  [22, -20, 10, 0, 0, 0],
  [0, 0, 0, 45, 90, 135],
];
const BEADS = [[-30, 2, -15, 0, 0, 0], [30, -2, 15, 0, 0, 0]];

function coordFile(rows: number[][]): string {
  return `${rows.length} 6\n${rows.map((r) => r.join(" ")).join("\n")}\n`;
}

function particles(rows: number[][]) {
  return rows.map(([x, y, z, phi, theta, psi]) => ({
    x: x!,
    y: y!,
    z: z!,
    phi: phi!,
    theta: theta!,
    psi: psi!,
  }));
}

async function ets(args: string[], cwd: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** Simulates the series and writes its ground truth and maps as `ets generate` lays them out. */
async function simulateStack(dir: string): Promise<void> {
  await Deno.copyFile(`${TEMPLATES}particle.mrc`, `${dir}/particle.mrc`);
  await Deno.copyFile(`${TEMPLATES}bead.mrc`, `${dir}/bead.mrc`);
  await Deno.writeTextFile(`${dir}/sim.txt`, SIM);
  await Deno.writeTextFile(`${dir}/prot.txt`, coordFile(PROTEINS));
  await Deno.writeTextFile(`${dir}/beads.txt`, coordFile(BEADS));
  const run = await ets(["tem-simulator", "sim.txt"], dir);
  assert(run.code === 0, `ets tem-simulator failed (${run.code}): ${run.stderr}`);
  await writeStackGroundTruth({
    stackDir: dir,
    stackName: "ts",
    apixNm: 0.5,
    detector: { nx: 160, ny: 144 },
    nominalTiltAngles: Array.from({ length: 25 }, (_, i) => -60 + 5 * i),
    engineOutputs: {
      geomFile: `${dir}/geom.txt`,
      errorFile: `${dir}/errors.txt`,
      doseFile: `${dir}/dose.txt`,
      defocusFile: `${dir}/defocus.txt`,
    },
    particleSets: [
      { className: "prot", particles: particles(PROTEINS) },
      { className: "Fiducial", particles: particles(BEADS) },
    ],
    tomogramThicknessNm: 60,
  });
  await Deno.mkdir(`${dir}/sim/maps`, { recursive: true });
  await Deno.copyFile(`${dir}/particle.mrc`, `${dir}/sim/maps/prot.mrc`);
  await Deno.copyFile(`${dir}/bead.mrc`, `${dir}/sim/maps/Fiducial.mrc`);
}

interface Checks {
  shape: number[];
  voxel_angst: number;
  origin_angst: number[];
  centres: { particle: number; class: string; error_voxels: number; shift: number[] }[];
  label_dice_vs_independent_placement: number[];
  dice: number;
  dice_z_flipped: number;
  iradon_corr: number;
  iradon_corr_z_flipped: number;
  direct_corr: number;
  direct_max_rel_diff: number;
  tlt_max_error_deg: number;
}

const python = await requirements(pythonModules("mrcfile", "numpy", "scipy", "skimage"));

python.test("ets reconstruct: centres, labels and density agree with numpy/scipy/scikit-image", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_rec_" });
  try {
    await simulateStack(dir);
    const rec = await ets(
      ["reconstruct", "ts_nonoise.mrc", "--thickness", "60", "-o", "rec.mrc", "--threads", "2"],
      dir,
    );
    assert(rec.code === 0, `ets reconstruct failed (${rec.code}): ${rec.stderr}`);
    assert(rec.stdout.includes("simulated from"), rec.stdout);
    const nominal = await ets([
      "reconstruct",
      "ts_nonoise.mrc",
      "--thickness",
      "60",
      "--geometry",
      "nominal",
      "--radial",
      "0.5,0.5",
      "--no-labels",
      "-o",
      "nominal.mrc",
      "--threads",
      "1",
    ], dir);
    assert(nominal.code === 0, `ets reconstruct (nominal) failed: ${nominal.stderr}`);
    const header = await readMrcHeader(`${dir}/rec.mrc`);
    assertEquals([header.nx, header.ny, header.nz], [160, 144, 120]);
    assertAlmostEquals(header.voxelSize.x, 5, 1e-4);
    // the sample origin (tilt axis at the ice centre) is at 0 Å: origin = −(n−1)/2 · voxel
    assertAlmostEquals(header.origin.x, -79.5 * 5, 1e-3);
    assertAlmostEquals(header.origin.z, -59.5 * 5, 1e-3);
    const classes = await Deno.readTextFile(`${dir}/rec_label_classes.csv`);
    assert(/^1,prot,5,[1-9]\d*,/m.test(classes) && /^2,Fiducial,2,[1-9]\d*,/m.test(classes));

    const c = await runPythonJson<Checks>(await Deno.readTextFile(CHECK), [dir, "ts"]);
    const errors = c.centres.map((p) => p.error_voxels);
    console.log(
      `centre errors (voxels): ${errors.map((e) => e.toFixed(2)).join(" ")}; ` +
        `Dice labels/density ${c.dice.toFixed(3)} (z flipped ${c.dice_z_flipped.toFixed(3)}); ` +
        `iradon r ${c.iradon_corr.toFixed(4)}; direct numpy r ${c.direct_corr.toFixed(6)}`,
    );
    assertEquals(c.centres.length, 7);
    for (const p of c.centres) {
      assert(
        p.error_voxels <= 1,
        `particle ${p.particle} (${p.class}) found ${p.error_voxels} voxels off`,
      );
    }
    for (const d of c.label_dice_vs_independent_placement) assert(d > 0.99, `label Dice ${d}`);
    assert(c.dice > 0.35 && c.dice > 5 * c.dice_z_flipped, `Dice ${c.dice} / ${c.dice_z_flipped}`);
    assert(c.iradon_corr > 0.97, `correlation with iradon ${c.iradon_corr}`);
    assert(c.iradon_corr_z_flipped < 0.5, `z-flipped correlation ${c.iradon_corr_z_flipped}`);
    assert(c.direct_corr > 0.99999, `correlation with direct back-projection ${c.direct_corr}`);
    assert(c.direct_max_rel_diff < 1e-4, `max difference ${c.direct_max_rel_diff}`);
    // the .tlt holds the rotation about the tilt axis of IMOD's model, fitted independently
    assert(c.tlt_max_error_deg < 2e-4, `.tlt off IMOD's model by ${c.tlt_max_error_deg}°`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ets reconstruct: bad input is one line, exit 2, nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_rec_bad_" });
  try {
    const missing = await ets(["reconstruct", "none.mrc"], dir);
    assertEquals(missing.code, 2);
    assert(/Cannot read "none\.mrc": no such file/.test(missing.stderr), missing.stderr);
    const bin = await ets(["reconstruct", "none.mrc", "--bin", "0"], dir);
    assertEquals(bin.code, 2);
    assert(bin.stderr.includes("not a binning"), bin.stderr);
    const radial = await ets(["reconstruct", "none.mrc", "--radial", "0.7,0.1"], dir);
    assertEquals(radial.code, 2);
    const notMrc = await ets(["reconstruct", "stack.tif"], dir);
    assertEquals(notMrc.code, 2);
    assert(notMrc.stderr.trim().split("\n").length === 1, notMrc.stderr);
    assertEquals([...Deno.readDirSync(dir)].length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

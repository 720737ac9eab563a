/**
 * The forward model behind the ground truth, checked against simulated images themselves: strong
 * off-centre particles (20 V beads of radius 5 nm) must appear in every tilt image at the pixel
 * projectParticleToTilt predicts from the ground-truth files.
 *
 * 1. TEM-Simulator 1.3's own reference series (../shared/reference/tem-simulator/map_particles:
 *    3 beads, 11 tilts, no geometry errors), read with lib/mrc.
 * 2. A tiny series simulated here by the embedded engine (`ets tem-simulator`) with random tilt,
 *    rotation and shift errors, its error file turned into ground truth by writeStackGroundTruth.
 */
import {
  buildStackTruth,
  type ParticleTruth,
  projectParticleToTilt,
  writeStackGroundTruth,
} from "../lib/groundtruth/mod.ts";
import { readMrc } from "../lib/mrc/mod.ts";
import { assert, sharedPath } from "../lib/testing/mod.ts";

const REF = sharedPath("reference/tem-simulator/map_particles");
const FIXTURE = new URL("./fixtures/tem/map_particles/", import.meta.url).pathname;
const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Reads an engine coordinate file (`N 6`, then x y z phi theta psi). */
function parseCoords(text: string): ParticleTruth[] {
  const rows = text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")).slice(1);
  return rows.map((l) => {
    const [x, y, z, phi, theta, psi] = l.trim().split(/\s+/).map(Number);
    return { x: x!, y: y!, z: z!, phi: phi!, theta: theta!, psi: psi! };
  });
}

/** |mean inside the disk of radius r around (cx, cy) − mean in the ring r..1.6r|. */
function diskScore(img: Float32Array, nx: number, ny: number, cx: number, cy: number, r: number) {
  const outer = Math.ceil(1.6 * r);
  let inSum = 0, inN = 0, ringSum = 0, ringN = 0;
  for (let dy = -outer; dy <= outer; dy++) {
    const yy = cy + dy;
    if (yy < 0 || yy >= ny) continue;
    for (let dx = -outer; dx <= outer; dx++) {
      const xx = cx + dx;
      if (xx < 0 || xx >= nx) continue;
      const d2 = dx * dx + dy * dy;
      const v = img[yy * nx + xx]!;
      if (d2 <= r * r) {
        inSum += v;
        inN++;
      } else if (d2 <= outer * outer) {
        ringSum += v;
        ringN++;
      }
    }
  }
  return Math.abs(inSum / inN - ringSum / ringN);
}

/**
 * Finds a disk-shaped particle of radius `r` px near (x, y): the integer position within
 * ±`search` px with the best diskScore, refined to sub-pixel by a parabola through its neighbours.
 */
function locateDisk(
  img: Float32Array,
  nx: number,
  ny: number,
  x: number,
  y: number,
  r: number,
  search: number,
): { x: number; y: number } {
  let best = { x: 0, y: 0, score: -Infinity };
  for (let cy = Math.round(y) - search; cy <= Math.round(y) + search; cy++) {
    for (let cx = Math.round(x) - search; cx <= Math.round(x) + search; cx++) {
      const score = diskScore(img, nx, ny, cx, cy, r);
      if (score > best.score) best = { x: cx, y: cy, score };
    }
  }
  const vertex = (m: number, c: number, p: number) => {
    const d = m - 2 * c + p;
    return d < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (m - p)) / d)) : 0;
  };
  const s = (dx: number, dy: number) => diskScore(img, nx, ny, best.x + dx, best.y + dy, r);
  return {
    x: best.x + vertex(s(-1, 0), best.score, s(1, 0)),
    y: best.y + vertex(s(0, -1), best.score, s(0, 1)),
  };
}

Deno.test("particles appear where predicted in TEM-Simulator 1.3's reference tilt series", async () => {
  const volume = await readMrc(`${REF}/tiltseries_nonoise.mrc`);
  const { nx, ny, nz } = volume.header;
  const apixNm = volume.header.voxelSize.x / 10; // 2.8302 Å written by TEM-Simulator
  const beads = parseCoords(await Deno.readTextFile(`${REF}/bead_coord.txt`));
  const angles = Array.from({ length: nz }, (_, i) => -50 + 10 * i);
  const truth = buildStackTruth({
    stackDir: "/unused",
    stackName: "ref",
    apixNm,
    detector: { nx, ny },
    nominalTiltAngles: angles,
    engineOutputs: {},
    particleSets: [{ className: "bead", particles: beads }],
  }, { geom: { text: await Deno.readTextFile(`${REF}/geom.txt`), name: "geom.txt" } });
  const radius = 5 / apixNm;
  let checked = 0, flippedFar = 0, sumDx = 0, sumDy = 0;
  for (const tilt of truth.tilts) {
    const image = volume.data.subarray(tilt.section * nx * ny, (tilt.section + 1) * nx * ny);
    for (const bead of beads) {
      const p = projectParticleToTilt(bead, tilt.geometry, { nx, ny, apixNm });
      const margin = 1.6 * radius + 8;
      if (p.x < margin || p.y < margin || p.x > nx - margin || p.y > ny - margin) continue;
      const found = locateDisk(image, nx, ny, p.x, p.y, radius, 8);
      assert(
        Math.abs(found.x - p.x) <= 1 && Math.abs(found.y - p.y) <= 1,
        `tilt ${tilt.nominal}°: bead ${JSON.stringify(bead)} predicted at ` +
          `(${p.x.toFixed(2)}, ${p.y.toFixed(2)}), found at (${found.x}, ${found.y})`,
      );
      checked++;
      sumDx += found.x - p.x;
      sumDy += found.y - p.y;
      // control: the opposite tilt sign puts off-plane beads far from where they are
      const flipped = projectParticleToTilt(
        bead,
        { ...tilt.geometry, theta: -tilt.geometry.theta },
        { nx, ny, apixNm },
      );
      if (Math.hypot(flipped.x - p.x, flipped.y - p.y) > 10) {
        assert(Math.hypot(flipped.x - found.x, flipped.y - found.y) > 5);
        flippedFar++;
      }
    }
  }
  assert(checked >= 24, `only ${checked} bead images checked`);
  // no systematic offset: the origin convention ((n−1)/2) holds to a fraction of a pixel
  assert(
    Math.abs(sumDx / checked) < 0.25 && Math.abs(sumDy / checked) < 0.25,
    `mean offset (${(sumDx / checked).toFixed(3)}, ${(sumDy / checked).toFixed(3)}) px`,
  );
  assert(flippedFar >= 10, `the sign control applied to only ${flippedFar} bead images`);
});

const SIM = `=== simulation ===
generate_micrographs = yes
log_file = sim.log
rand_seed = 11
=== sample ===
diameter = 2000
thickness_center = 60
thickness_edge = 60
=== particle bead ===
source = map
map_file_re_in = bead_small.mrc
use_imag_pot = no
famp = 0
=== particleset ===
particle_type = bead
num_particles = 2
particle_coords = file
coord_file_in = coords.txt
=== geometry ===
gen_tilt_data = yes
ntilts = 3
theta_start = -45
theta_incr = 45
tilt_axis = 0
geom_errors = random
tilt_err = 2
align_err_rot = 3
align_err_tr = 4
geom_file_out = geom.txt
error_file_out = errors.txt
=== electronbeam ===
acc_voltage = 300
energy_spread = 1.3
gen_dose = yes
dose_per_im = 10000
dose_file_out = dose.txt
=== optics ===
magnification = 53000
cs = 2
cc = 2
aperture = 50
focal_length = 3
cond_ap_angle = 0.1
gen_defocus = yes
defocus_nominal = 3
defocus_file_out = defocus.txt
=== detector ===
det_pix_x = 160
det_pix_y = 144
pixel_size = 15
gain = 1
use_quantization = no
dqe = 0.4
mtf_a = 0.7
mtf_b = 0.2
mtf_c = 0.1
mtf_alpha = 10
mtf_beta = 40
image_file_out = series_nonoise.mrc
`;

const COORDS = `# x y z (nm) phi theta psi (deg)
2 6
9.000 -5.000 12.000 0.000 0.000 0.000
-8.000 4.000 -10.000 0.000 0.000 0.000
`;

Deno.test({
  name: "particles appear where predicted in a series the embedded engine simulates with errors",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "ets_gt_engine_" });
    try {
      await Deno.copyFile(`${FIXTURE}bead_small.mrc`, `${dir}/bead_small.mrc`);
      await Deno.writeTextFile(`${dir}/sim.txt`, SIM);
      await Deno.writeTextFile(`${dir}/coords.txt`, COORDS);
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", MAIN, "tem-simulator", "sim.txt"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(run.stderr);
      assert(run.code === 0, `ets tem-simulator failed (${run.code}): ${err}`);
      const volume = await readMrc(`${dir}/series_nonoise.mrc`);
      const { nx, ny, nz } = volume.header;
      const apixNm = 15e3 / 53000;
      const beads = parseCoords(COORDS);
      const truth = await writeStackGroundTruth({
        stackDir: dir,
        stackName: "engine",
        apixNm,
        detector: { nx, ny },
        nominalTiltAngles: [-45, 0, 45],
        engineOutputs: {
          geomFile: `${dir}/geom.txt`,
          errorFile: `${dir}/errors.txt`,
          doseFile: `${dir}/dose.txt`,
          defocusFile: `${dir}/defocus.txt`,
        },
        particleSets: [{ className: "bead", particles: beads }],
      });
      const tables = buildStackTruth({
        stackDir: dir,
        stackName: "engine",
        apixNm,
        detector: { nx, ny },
        nominalTiltAngles: [-45, 0, 45],
        engineOutputs: {},
        particleSets: [{ className: "bead", particles: beads }],
      }, {
        geom: { text: await Deno.readTextFile(`${dir}/geom.txt`), name: "geom.txt" },
        error: { text: await Deno.readTextFile(`${dir}/errors.txt`), name: "errors.txt" },
      });
      assert(nz === 3);
      const errorsUsed = tables.tilts.some((t) =>
        Math.abs(t.geometry.shiftXNm) > 0.5 || Math.abs(t.geometry.rotation) > 0.5
      );
      assert(errorsUsed, "the engine drew no noticeable alignment errors; choose another seed");
      const radius = 5 / apixNm;
      let checked = 0, nominalFar = 0;
      for (const tilt of tables.tilts) {
        const image = volume.data.subarray(tilt.section * nx * ny, (tilt.section + 1) * nx * ny);
        for (const bead of beads) {
          const p = projectParticleToTilt(bead, tilt.geometry, { nx, ny, apixNm });
          const found = locateDisk(image, nx, ny, p.x, p.y, radius, 8);
          assert(
            Math.abs(found.x - p.x) <= 1.5 && Math.abs(found.y - p.y) <= 1.5,
            `tilt ${tilt.nominal}°: predicted (${p.x.toFixed(2)}, ${p.y.toFixed(2)}), ` +
              `found (${found.x}, ${found.y})`,
          );
          checked++;
          // control: ignoring the errors misses
          const nominal = projectParticleToTilt(bead, {
            ...tilt.geometry,
            rotation: 0,
            tiltError: 0,
            shiftXNm: 0,
            shiftYNm: 0,
          }, { nx, ny, apixNm });
          if (Math.hypot(nominal.x - found.x, nominal.y - found.y) > 3) nominalFar++;
        }
        // the zero tilt's markers are the same predictions
        if (tilt.section === truth.zeroTilt.section) {
          const p = projectParticleToTilt(beads[0]!, tilt.geometry, { nx, ny, apixNm });
          assert(Math.abs(truth.zeroTilt.markers[0]!.x - p.x) < 1e-9);
        }
      }
      assert(checked === 6);
      assert(nominalFar >= 3, `errors moved only ${nominalFar} bead images by > 3 px`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * Benchmark: `ets reconstruct` against the same weighted back-projection in numpy/scipy (Debian
 * /usr/bin/python3) on the same machine, in the same run.
 *
 * A synthetic 1k × 1k × 41 tilt series (±60°, 3° steps, 1 nm pixels, random rotation, tilt and
 * shift errors; Gaussian blobs on noise) is written with its tilt table to a temp folder, then
 * reconstructed at bin 1 and bin 2 (`--thickness` nm, default 128) by `ets reconstruct` (a child
 * process, both cores) and by numpy/scipy (the R-weighting filter with numpy's FFT, bilinear
 * back-projection with `scipy.ndimage.map_coordinates` per z plane and tilt, the full geometry of
 * the tilt table — the reference of tests/fixtures/reconstruct/check_reconstruction.py). Wall
 * time, CPU time (user + system) and peak resident memory come from GNU time
 * (`/usr/bin/time -f "%e %U %S %M"`). On a shared machine compare the CPU times.
 *
 * Usage: deno run -A scripts/bench/reconstruct.ts [--size N] [--tilts N] [--thickness NM]
 *        [--bins 1,2] [--no-numpy]
 */
import {
  buildStackTruth,
  formatTiltCsv,
  projectParticleToTilt,
} from "../../lib/groundtruth/mod.ts";
import { MrcSeriesWriter } from "../../lib/mrc/mod.ts";

const arg = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] ?? fallback : fallback;
};
const SIZE = Number(arg("size", "1024"));
const TILTS = Number(arg("tilts", "41"));
const THICKNESS = Number(arg("thickness", "128"));
const BINS = arg("bins", "1,2").split(",").map(Number);
const NUMPY = !Deno.args.includes("--no-numpy");
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

const NUMPY_BP = `
import sys, csv, numpy as np, mrcfile
from scipy import ndimage
stack_path, tilts_path, out, b, thick = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
def rz(a):
    c, s = np.cos(np.radians(a)), np.sin(np.radians(a)); return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
def rx(a):
    c, s = np.cos(np.radians(a)), np.sin(np.radians(a)); return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
def about(u, a):
    u = np.asarray(u, float); K = np.array([[0, -u[2], u[1]], [u[2], 0, -u[0]], [-u[1], u[0], 0]]); t = np.radians(a)
    return np.eye(3) + np.sin(t) * K + (1 - np.cos(t)) * K @ K
m = mrcfile.mmap(stack_path, permissive=True)
apix = float(m.voxel_size.x) / 10 * b
tilts = list(csv.DictReader(open(tilts_path)))
ns, ny0, nx0 = m.data.shape
ny, nx = ny0 // b, nx0 // b
nz = max(1, round(thick / apix))
nom = np.array([float(t["nominal_tilt_deg"]) for t in tilts]); o = np.argsort(nom); s = nom[o]
w = np.empty(len(nom))
for k, i in enumerate(o):
    lo = s[k - 1] if k > 0 else None; hi = s[k + 1] if k + 1 < len(s) else None
    w[i] = np.radians((hi - s[k]) if lo is None else (s[k] - lo) if hi is None else (hi - lo) / 2)
mp = 1
while mp < 2 * ny: mp *= 2
f = np.minimum(np.arange(mp), mp - np.arange(mp)) / mp
H = np.where(f <= 0.35, 1.0, np.exp(-(f - 0.35) ** 2 / (2 * 0.035 ** 2))) * f; H[0] = 0.25 / mp
filtered = np.empty((ns, ny, nx), np.float32)
for t in range(ns):
    img = np.asarray(m.data[t], np.float64)[: ny * b, : nx * b].reshape(ny, b, nx, b).mean(axis=(1, 3))
    img -= img.mean()
    pad = np.zeros((mp, nx)); pad[:ny] = img
    filtered[t] = np.real(np.fft.ifft(np.fft.fft(pad, axis=0) * H[:, None], axis=0))[:ny]
cx, cy, cz = ((nx0 - 1) / 2 - (b - 1) / 2) / b, ((ny0 - 1) / 2 - (b - 1) / 2) / b, (nz - 1) / 2
Y, X = np.mgrid[0:ny, 0:nx].astype(np.float64); X -= cx; Y -= cy
geo = []
for t in tilts:
    g = lambda k: float(t[k])
    a = np.radians(g("tilt_error_axis_deg"))
    P = rz(g("rotation_error_deg")) @ about([np.cos(a), np.sin(a), 0], g("tilt_error_deg")) @ rz(g("geom_phi_deg")) @ rx(g("geom_theta_deg")) @ rz(g("geom_psi_deg"))
    geo.append((int(t["section"]), P, g("shift_x_nm") / apix, g("shift_y_nm") / apix))
with mrcfile.new_mmap(out, shape=(nz, ny, nx), mrc_mode=2, overwrite=True) as v:
    for k in range(nz):
        Z = k - cz
        plane = np.zeros((ny, nx))
        for ti, (sec, P, sx, sy) in enumerate(geo):
            px = P[0, 0] * X + P[0, 1] * Y + P[0, 2] * Z + sx + cx
            py = P[1, 0] * X + P[1, 1] * Y + P[1, 2] * Z + sy + cy
            ok = (px >= 0) & (px < nx - 1) & (py >= 0) & (py < ny - 1)
            plane += w[ti] * np.where(ok, ndimage.map_coordinates(filtered[sec], [py, px], order=1), 0)
        v.data[k] = plane
`;

async function timed(
  cmd: string[],
): Promise<{ seconds: number; cpuSeconds: number; peakMiB: number }> {
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%e %U %S %M", ...cmd],
    stdout: "null",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr).trim().split("\n");
  if (!out.success) throw new Error(`${cmd.join(" ")} failed:\n${err.join("\n")}`);
  const [seconds, user, sys, kib] = err.at(-1)!.split(" ").map(Number);
  return { seconds: seconds!, cpuSeconds: user! + sys!, peakMiB: kib! / 1024 };
}

const dir = await Deno.makeTempDir({ prefix: "ets-bench-reconstruct-" });
try {
  const angles = Array.from({ length: TILTS }, (_, i) => -60 + (120 * i) / (TILTS - 1));
  const errors = angles.map((_, i) =>
    `${(0.5 * Math.sin(i)).toFixed(3)} 20 ${(0.5 * Math.cos(i)).toFixed(3)} ${
      (3 * Math.sin(2 * i)).toFixed(3)
    } 1`
  );
  const tables = buildStackTruth({
    stackDir: dir,
    stackName: "bench",
    apixNm: 1,
    detector: { nx: SIZE, ny: SIZE },
    nominalTiltAngles: angles,
    engineOutputs: {},
    particleSets: [],
  }, { error: { text: `${TILTS} 5\n${errors.join("\n")}\n`, name: "errors" } });
  await Deno.writeTextFile(`${dir}/bench_tilts.csv`, formatTiltCsv(tables));
  const writer = await MrcSeriesWriter.create(`${dir}/bench.mrc`, SIZE, SIZE, {
    voxelSize: 10,
    tiltAngles: angles,
  });
  const blobs = Array.from({ length: 40 }, (_, i) => ({
    x: ((i * 97) % 800) - 400,
    y: ((i * 61) % 800) - 400,
    z: ((i * 13) % 100) - 50,
  }));
  for (const t of tables.tilts) {
    const image = new Float32Array(SIZE * SIZE).map(() => Math.random());
    for (const b of blobs) {
      const p = projectParticleToTilt(b, t.geometry, { nx: SIZE, ny: SIZE, apixNm: 1 });
      for (let y = Math.max(0, Math.floor(p.y - 12)); y < Math.min(SIZE, p.y + 12); y++) {
        for (let x = Math.max(0, Math.floor(p.x - 12)); x < Math.min(SIZE, p.x + 12); x++) {
          image[y * SIZE + x]! += 5 * Math.exp(-((x - p.x) ** 2 + (y - p.y) ** 2) / 32);
        }
      }
    }
    await writer.append(image);
  }
  await writer.close();
  console.log(
    `tilt series ${SIZE} x ${SIZE} x ${TILTS}, thickness ${THICKNESS} nm, ${navigator.hardwareConcurrency} CPUs`,
  );
  for (const bin of BINS) {
    const ets = await timed([
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      MAIN,
      "reconstruct",
      `${dir}/bench.mrc`,
      "--bin",
      String(bin),
      "--thickness",
      String(THICKNESS),
      "-o",
      `${dir}/ets_${bin}.mrc`,
    ]);
    const show = (r: { seconds: number; cpuSeconds: number; peakMiB: number }) =>
      `${r.seconds.toFixed(1)} s wall, ${r.cpuSeconds.toFixed(1)} s CPU, ${
        r.peakMiB.toFixed(0)
      } MiB peak`;
    let line = `bin ${bin}: ets ${show(ets)}`;
    if (NUMPY) {
      const np = await timed([
        "/usr/bin/python3",
        "-c",
        NUMPY_BP,
        `${dir}/bench.mrc`,
        `${dir}/bench_tilts.csv`,
        `${dir}/np_${bin}.mrc`,
        String(bin),
        String(THICKNESS),
      ]);
      line += `; numpy/scipy ${show(np)}; wall ratio ets/numpy ${
        (ets.seconds / np.seconds).toFixed(2)
      }, CPU ratio ${(ets.cpuSeconds / np.cpuSeconds).toFixed(2)}`;
    }
    console.log(line);
    for (const f of [`${dir}/ets_${bin}.mrc`, `${dir}/np_${bin}.mrc`]) {
      await Deno.remove(f).catch(() => {});
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

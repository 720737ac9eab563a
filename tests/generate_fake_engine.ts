/**
 * TEST DOUBLE — a fake TEM-Simulator for orchestration tests of `ets generate` (never a product
 * path). Given a TEM-Simulator input file it writes what the real engine writes, cheaply and
 * deterministically: both tilt series (valid MRC2014, pixel values derived from rand_seed, the
 * detector, the particle positions and the map files' bytes), the log ending in "Simulation
 * complete.", and the geom/error/dose/defocus/fiducial text outputs.
 *
 * Behaviour switches (environment):
 * - FAKE_ENGINE_SLEEP_MS: sleep this long per tilt (to interrupt runs);
 * - FAKE_ENGINE_FAIL=exit: exit 1 with an error message;
 * - FAKE_ENGINE_FAIL=log: exit 0 but end the log without "Simulation complete." (like
 *   TEM-Simulator failing);
 * - FAKE_ENGINE_FAIL_ONCE_DIR=DIR: fail (exit 1) the first time a given rand_seed is seen
 *   (a marker file per seed in DIR), succeed afterwards;
 * - FAKE_ENGINE_PID_DIR=DIR: write an empty file named after this process's pid.
 *
 * Usage: deno run -A tests/generate_fake_engine.ts sim.txt
 *
 * @module
 */
import { SimTemplate } from "../lib/config/mod.ts";
import { MrcSeriesWriter } from "../lib/mrc/mod.ts";

function fnv1a(bytes: Uint8Array, seed = 2166136261): number {
  let hash = seed >>> 0;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return hash;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function table(names: string[], rows: number[][]): string {
  return `# File created by a fake TEM-simulator (test double).\n${rows.length}  ${names.length}\n# ${
    names.join(" ")
  }\n${rows.map((row) => row.map((v) => `  ${v.toFixed(4)}`).join("")).join("\n")}\n`;
}

async function main(): Promise<number> {
  const inputPath = Deno.args[0];
  if (inputPath === undefined) {
    console.log("usage: fake engine INPUT");
    return 1;
  }
  const pidDir = Deno.env.get("FAKE_ENGINE_PID_DIR");
  if (pidDir) await Deno.writeTextFile(`${pidDir}/${Deno.pid}`, inputPath);
  const sim = new SimTemplate(await Deno.readTextFile(inputPath));
  const get = (type: string, name: string, occurrence = 0) => sim.get(type, name, occurrence);
  const nx = Number(get("detector", "det_pix_x"));
  const ny = Number(get("detector", "det_pix_y"));
  const ntilts = Number(get("geometry", "ntilts"));
  const start = Number(get("geometry", "theta_start"));
  const step = Number(get("geometry", "theta_incr"));
  const seed = Number(get("simulation", "rand_seed") ?? "0");
  const logFile = get("simulation", "log_file") ?? "fake.log";
  const angles = Array.from({ length: ntilts }, (_, i) => start + i * step);
  const log: string[] = [
    "# Log file created by TEM-simulator, version 1.3 (fake test double).",
    `# Input data read from file ${inputPath}.`,
  ];
  const writeLog = () => Deno.writeTextFile(logFile, log.join("\n") + "\n");

  const failOnce = Deno.env.get("FAKE_ENGINE_FAIL_ONCE_DIR");
  if (failOnce) {
    const marker = `${failOnce}/seen-${seed}`;
    try {
      await Deno.lstat(marker);
    } catch {
      await Deno.writeTextFile(marker, "");
      console.log("Error: simulated transient failure");
      return 1;
    }
  }
  const failMode = Deno.env.get("FAKE_ENGINE_FAIL");
  if (failMode === "exit") {
    console.log("Error: the fake engine was told to fail");
    return 1;
  }

  // Particles: positions from the coordinate files, weights from the map files' bytes.
  const blobs: { x: number; y: number; z: number; weight: number }[] = [];
  let mapHash = 0;
  for (let p = 0; p < sim.componentsOf("particleset").length; p++) {
    const coordFile = get("particleset", "coord_file_in", p);
    const type = get("particleset", "particle_type", p) ?? "";
    const particleIndex = sim.componentsOf("particle").findIndex((c) => c.name === type);
    const map = particleIndex < 0 ? undefined : get("particle", "map_file_re_in", particleIndex);
    if (map) mapHash = fnv1a(await Deno.readFile(map), mapHash || undefined);
    if (coordFile === undefined) {
      const out = get("particleset", "coord_file_out", p);
      if (out) {
        await Deno.writeTextFile(
          out,
          table(["x", "y", "z", "phi", "theta", "psi"], [[1, 2, 3, 0, 0, 0]]),
        );
      }
      continue;
    }
    const rows = (await Deno.readTextFile(coordFile)).trim().split("\n").slice(1);
    for (const row of rows) {
      const [x = 0, y = 0, z = 0] = row.trim().split(/\s+/).map(Number);
      blobs.push({ x, y, z, weight: 1 + (mapHash % 97) / 97 });
    }
  }
  const pixelNm = Number(get("detector", "pixel_size")) * 1000 /
    Number(get("optics", "magnification"));
  const sleepMs = Number(Deno.env.get("FAKE_ENGINE_SLEEP_MS") ?? "0");
  const noisyPath = get("detector", "image_file_out", 0) ?? "noisy.mrc";
  const cleanPath = get("detector", "image_file_out", 1) ?? "clean.mrc";
  const noisy = await MrcSeriesWriter.create(noisyPath, nx, ny, {
    voxelSize: pixelNm * 10,
    tiltAngles: angles,
  });
  const clean = await MrcSeriesWriter.create(cleanPath, nx, ny, {
    voxelSize: pixelNm * 10,
    tiltAngles: angles,
  });
  const random = mulberry32(seed ^ mapHash);
  for (let t = 0; t < ntilts; t++) {
    log.push(`# Computing projection number ${t}.`);
    const c = Math.cos((angles[t] ?? 0) * Math.PI / 180);
    const image = new Float32Array(nx * ny);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        let v = 100;
        for (const blob of blobs) {
          const dx = (i - (nx - 1) / 2) * pixelNm - blob.x;
          const dy = (j - (ny - 1) / 2) * pixelNm - blob.y * c;
          v -= 20 * blob.weight * Math.exp(-(dx * dx + dy * dy) / 8);
        }
        image[i + nx * j] = v;
      }
    }
    await clean.append(image.slice());
    for (let k = 0; k < image.length; k++) image[k] = image[k]! + (random() - 0.5) * 10;
    await noisy.append(image);
    log.push(`# Detector image number ${t} written to file ${noisyPath}.`);
    if (sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, sleepMs));
  }
  await noisy.close();
  await clean.close();
  const geom = get("geometry", "geom_file_out");
  if (geom) {
    await Deno.writeTextFile(geom, table(["psi", "theta", "phi"], angles.map((a) => [0, a, 0])));
  }
  const err = get("geometry", "error_file_out");
  if (err) {
    await Deno.writeTextFile(
      err,
      table(["rot", "axis", "ang", "x", "y"], angles.map(() => [0, 0, 0, 0, 0])),
    );
  }
  const dose = get("electronbeam", "dose_file_out");
  if (dose) {
    await Deno.writeTextFile(
      dose,
      table(["dose"], angles.map(() => [Number(get("electronbeam", "dose_per_im") ?? 0)])),
    );
  }
  const defocus = get("optics", "defocus_file_out");
  if (defocus) {
    await Deno.writeTextFile(
      defocus,
      table(["defocus"], angles.map(() => [Number(get("optics", "defocus_nominal"))])),
    );
  }
  if (failMode !== "log") log.push("# ", "# Simulation complete.");
  else log.push("# Error: the fake engine pretends TEM-Simulator failed (exit code 0).");
  await writeLog();
  return 0;
}

if (import.meta.main) Deno.exit(await main());

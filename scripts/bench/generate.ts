/**
 * Benchmark of `ets generate`: 8 small stacks (the demo template at the size of the engine's
 * "small" benchmark, ../shared/bench/small.txt: 512x512, 41 tilts; 4 particles through the
 * embedded Chimera server, fiducials) on 1 worker, then on 2 workers, with the
 * embedded engine at 1 thread per stack. Prints the wall times, the speed-up of 2 workers over 1
 * (goal ≥ 1.85 on 2 cores) and the share of wall time spent outside the engine (goal ≤ 2 %):
 * 1 − Σ engine seconds / (wall × workers), i.e. worker time not spent imaging (start-up, Chimera
 * assembly, MRC rewriting, ground truth, previews, idle tails).
 *
 * Run: deno run -A scripts/bench/generate.ts [--stacks N] [--size PX] [--tilts N] [--preview]
 * (defaults: 8 stacks, 512 px, 41 tilts). The start-up (CLI, Chimera server, workers) and the last
 * stack's outputs are a fixed ~0.3 s per run; per stack, assembly and outputs overlap the engine
 * (a worker assembles its next stack while the engine images the current one).
 *
 * @module
 */
const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

function argValue(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] ?? fallback : fallback;
}

const stacks = Number(argValue("--stacks", "8"));
const size = Number(argValue("--size", "512"));
const tilts = Number(argValue("--tilts", "41"));
const preview = Deno.args.includes("--preview");

async function run(dir: string, workers: number) {
  const root = `${dir}/w${workers}`;
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      `${REPO}/main.ts`,
      "generate",
      "-i",
      `${dir}/config.yaml`,
      "--root",
      root,
      "--workers",
      String(workers),
      "--engine-threads",
      "1",
      "--progress",
      "none",
      ...(preview ? [] : ["--no-preview"]),
    ],
    cwd: REPO,
  }).output();
  const wall = (performance.now() - started) / 1000;
  if (!out.success) {
    const log = await Deno.readTextFile(`${root}/demo.log`).catch(() => "");
    const errors = log.split("\n").filter((line) => / ERROR /.test(line)).slice(0, 3).join("\n");
    throw new Error(`generate failed: ${new TextDecoder().decode(out.stderr)}${errors}`);
  }
  // wall times are in the log ("Stack N done in X s (engine Y s)"), not in the metadata
  const log = await Deno.readTextFile(`${root}/demo.log`);
  let engine = 0;
  let stackTime = 0;
  let done = 0;
  for (const match of log.matchAll(/Stack \d+ done in ([\d.]+) s \(engine ([\d.]+) s\)/g)) {
    stackTime += Number(match[1]);
    engine += Number(match[2]);
    done += 1;
  }
  if (done !== stacks) {
    throw new Error(`expected ${stacks} "Stack N done" log lines, found ${done}`);
  }
  return { wall, engine, stackTime, outside: 1 - engine / (wall * workers) };
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir({ prefix: "ets-bench-generate-" });
  try {
    for (const file of ["coord.txt", "particle.mrc", "bead.mrc", "orientations.txt"]) {
      await Deno.copyFile(`${REPO}/templates/${file}`, `${dir}/${file}`);
    }
    const step = tilts > 1 ? 120 / (tilts - 1) : 0;
    const sim = (await Deno.readTextFile(`${REPO}/templates/sim.txt`))
      .replace(/^det_pix_x = .*$/gm, `det_pix_x = ${size}`)
      .replace(/^det_pix_y = .*$/gm, `det_pix_y = ${size}`)
      .replace(/^ntilts = .*$/m, `ntilts = ${tilts}`)
      .replace(/^theta_start = .*$/m, `theta_start = ${tilts > 1 ? -60 : 0}`)
      .replace(/^theta_incr = .*$/m, `theta_incr = ${step}`);
    await Deno.writeTextFile(`${dir}/sim.txt`, sim);
    const config = (await Deno.readTextFile(`${REPO}/templates/config.yaml`))
      .replace(/^num_stacks: .*$/m, `num_stacks: ${stacks}`);
    await Deno.writeTextFile(`${dir}/config.yaml`, config);
    console.log(
      `ets generate benchmark: ${stacks} stacks (templates/sim.txt at ${size}x${size}, ${tilts} tilts), ` +
        `${navigator.hardwareConcurrency} CPUs, engine 1 thread per stack${
          preview ? ", previews" : ""
        }`,
    );
    const one = await run(dir, 1);
    const two = await run(dir, 2);
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    console.log(
      `1 worker:  wall ${one.wall.toFixed(2)} s, engine ${
        one.engine.toFixed(2)
      } s, outside the engine ${pct(one.outside)}`,
    );
    console.log(
      `2 workers: wall ${two.wall.toFixed(2)} s, engine ${
        two.engine.toFixed(2)
      } s, outside the engine ${pct(two.outside)}`,
    );
    console.log(`speed-up 2 workers over 1: ${(one.wall / two.wall).toFixed(2)} (goal >= 1.85)`);
    console.log(
      `share of wall time outside the engine (1 worker): ${pct(one.outside)} (goal <= 2 %)`,
    );
    await Deno.remove(dir, { recursive: true });
  } catch (error) {
    console.error(`kept ${dir} for inspection`);
    throw error;
  }
}

/**
 * Benchmark of `ets generate`: 8 small stacks (the demo template at the size of the engine's
 * "small" benchmark, ../shared/bench/small.txt: 512x512, 41 tilts; 4 particles through the
 * embedded Chimera server, fiducials) on 1 worker, then on 2 workers, with the
 * embedded engine at 1 thread per stack. Prints the wall times, the speed-up of 2 workers over 1
 * (goal ≥ 1.85 on 2 cores) and the share of wall time spent outside the engine (goal ≤ 2 %):
 * 1 − Σ engine seconds / (wall × workers), i.e. worker time not spent imaging (start-up, Chimera
 * assembly, MRC rewriting, ground truth, previews, idle tails).
 *
 * Protocol: one unmeasured warm-up run (2 workers), then the 1-worker and the 2-worker runs; each
 * run's project folder is deleted as soon as it is measured, so every measured run writes its tilt
 * series (656 MB at the defaults) into page cache that the run before it freed. Without this, each
 * run writes into memory the machine has never touched, and on a VM that is lazily backed by its
 * host (as our machines are) first-touching memory costs ~2 s per GB of kernel time (`dd` of 656
 * MB: 1.2–1.6 s into fresh pages, 0.13 s into pages freed just before). One worker leaves a core
 * idle that absorbs that cost, two workers do not, so the speed-up would partly measure the host's
 * memory backing rather than the orchestrator. The protocol reduces that effect without removing
 * it: the VM's free-page reporting hands freed pages back to the host within seconds (the same dd
 * 5 s after the delete: 0.97 s), so later stacks of a run write into fresh pages again. `--cold`
 * runs the old way (no warm-up, folders kept until the end) to show the effect; `--repeat N`
 * measures N pairs of runs (default 3) and judges the goals on their medians.
 *
 * Run: deno run -A scripts/bench/generate.ts [--stacks N] [--size PX] [--tilts N] [--preview]
 * [--cold] [--repeat N] (defaults: 8 stacks, 512 px, 41 tilts, 3 pairs). The start-up (CLI,
 * Chimera server, workers) and the last stack's outputs are a fixed ~0.3 s per run; per stack,
 * assembly and outputs overlap the engine (a worker assembles its next stack while the engine
 * images the current one).
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
const cold = Deno.args.includes("--cold");
const repeat = Math.max(1, Number(argValue("--repeat", "3")));

let runs = 0;

async function run(dir: string, workers: number) {
  const root = `${dir}/run${++runs}_w${workers}`;
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
  if (!cold) await Deno.remove(root, { recursive: true });
  return { wall, engine, stackTime, outside: 1 - engine / (wall * workers) };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function runLine(label: string, r: { wall: number; engine: number; outside: number }): string {
  return `${label} wall ${r.wall.toFixed(2)} s, engine ${r.engine.toFixed(2)} s, ` +
    `outside the engine ${pct(r.outside)}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
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
        }, ${
          cold ? "cold (no warm-up, outputs kept)" : "warm-up run, outputs deleted after each run"
        }`,
    );
    if (!cold) {
      const warm = await run(dir, 2);
      console.log(`warm-up (2 workers, not counted): wall ${warm.wall.toFixed(2)} s`);
    }
    const speedUps: number[] = [];
    const outsides: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const one = await run(dir, 1);
      const two = await run(dir, 2);
      console.log(runLine("1 worker: ", one));
      console.log(runLine("2 workers:", two));
      speedUps.push(one.wall / two.wall);
      outsides.push(one.outside);
      console.log(`pair ${i + 1}: speed-up ${(one.wall / two.wall).toFixed(2)}`);
    }
    const of = repeat > 1 ? ` (median of ${repeat} pairs)` : "";
    console.log(
      `speed-up 2 workers over 1${of}: ${median(speedUps).toFixed(2)} (goal >= 1.85)`,
    );
    console.log(
      `share of wall time outside the engine (1 worker)${of}: ${
        pct(median(outsides))
      } (goal <= 2 %)`,
    );
    await Deno.remove(dir, { recursive: true });
  } catch (error) {
    console.error(`kept ${dir} for inspection`);
    throw error;
  }
}

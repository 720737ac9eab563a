/**
 * Benchmark of `ets tem-simulator` on ../shared/bench/small.txt and large.txt: runs each config in
 * a temporary copy of the bench folder (the configs name their inputs relatively), in a child
 * process, and prints wall time, peak RSS, the ratios to TEM-Simulator 1.3's figures
 * (bench/README.md) and the per-tilt means against spec §6.3.
 *
 * The engine runs exactly as users run it: `deno run <ENGINE_DENO_FLAGS> main.ts tem-simulator
 * CONFIG` (the documented invocation, V8 flags included; `ets generate` spawns it the same way
 * through lib/platform selfInvocation).
 *
 * Usage: deno run -A scripts/bench/tem_simulator.ts [small|large ...] [--threads N] [--repeat N]
 *          [--deno-flags "FLAGS"] [--lib] [--keep] [--baseline REV]
 *   --baseline REV     also run the engine of git revision REV (extracted with `git archive` into a
 *                      temp folder) on each case, right before the current one, and print both
 *                      ("before → after": wall time and peak RSS measured in the same run)
 *   --repeat N         run each case N times (wall time and peak RSS of every run, then ranges)
 *   --deno-flags "…"   deno flags instead of the documented ones (e.g. "-A" to compare)
 *   --lib              run the library entry point (runTemSimulation) in a child instead of the CLI
 *   --keep             keep the temporary folders (printed)
 *
 * Needs --allow-all (spawns deno and /usr/bin/time, reads/writes temp folders).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeMrc } from "../../lib/mrc/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BENCH = join(ROOT, "..", "shared", "bench");

/** TEM-Simulator 1.3 on the same kind of machine (bench/README.md, spec §6.1). */
const REFERENCE = {
  small: {
    seconds: 8.81,
    rssMb: 24,
    timeTarget: 1 / 3,
    rssLimitMb: 100,
    // spec §6.3: section → [noisy mean, noise-free mean]
    means: {
      0: [5.75437e6, 5.75317e6],
      10: [6.64453e6, 6.64522e6],
      20: [6.81726e6, 6.81648e6],
      30: [6.64996e6, 6.65008e6],
      40: [5.78320e6, 5.78362e6],
    },
    outputs: ["small_tiltseries.mrc", "small_tiltseries_nonoise.mrc"],
  },
  large: {
    seconds: 292.9,
    rssMb: 273,
    timeTarget: 1 / 5,
    rssLimitMb: 410,
    means: {
      0: [5.29024e6, 5.29016e6],
      9: [6.11195e6, 6.11226e6],
      18: [6.29648e6, 6.29646e6],
      27: [6.11727e6, 6.11713e6],
      36: [5.23571e6, 5.23580e6],
    },
    outputs: ["large_tiltseries.mrc", "large_tiltseries_nonoise.mrc"],
  },
} as const;

type Case = keyof typeof REFERENCE;

/**
 * The documented invocation's deno flags (README / deno.json tasks; lib/platform selfInvocation
 * gives `tem-simulator` the same memory flags): no V8 code cache (its memory-mapped database), a
 * 1 MB young generation (V8's default grows it to 16 MB semi-spaces under the engine's
 * short-lived numbers) and V8's size-over-speed heuristics.
 */
export const ENGINE_DENO_FLAGS = [
  "-A",
  "--unstable-worker-options",
  "--no-code-cache",
  "--v8-flags=--max-semi-space-size=1,--optimize-for-size",
];

async function childMain(config: string, threads: number | undefined): Promise<void> {
  const { runTemSimulation } = await import("../../lib/tem/mod.ts");
  await runTemSimulation(config, { threads });
}

/** Runs a command under /usr/bin/time -v; returns wall seconds and peak RSS (MB). */
async function measure(
  command: string[],
  cwd: string,
): Promise<{ seconds: number; cpuSeconds?: number; rssMb: number; ok: boolean; stderr: string }> {
  const timeAvailable = await Deno.stat("/usr/bin/time").then(() => true, () => false);
  const args = timeAvailable ? ["-v", ...command] : command.slice(1);
  const started = performance.now();
  const child = new Deno.Command(timeAvailable ? "/usr/bin/time" : command[0]!, {
    args,
    cwd,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Fallback peak RSS without /usr/bin/time: poll VmHWM of the child.
  let polledKb = 0;
  const poll = setInterval(() => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      const match = status.match(/VmHWM:\s+(\d+) kB/);
      if (match) polledKb = Math.max(polledKb, Number(match[1]));
    } catch {
      // the child has exited
    }
  }, 50);
  const output = await child.output();
  clearInterval(poll);
  const seconds = (performance.now() - started) / 1000;
  const stderr = new TextDecoder().decode(output.stderr);
  const match = stderr.match(/Maximum resident set size \(kbytes\): (\d+)/);
  const rssKb = match ? Number(match[1]) : polledKb;
  const user = stderr.match(/User time \(seconds\): ([\d.]+)/),
    system = stderr.match(/System time \(seconds\): ([\d.]+)/);
  const cpuSeconds = user && system ? Number(user[1]) + Number(system[1]) : undefined;
  return { seconds, cpuSeconds, rssMb: rssKb / 1024, ok: output.success, stderr };
}

/**
 * Extracts git revision `rev` of this repository into a temp folder (for --baseline); returns
 * the folder. Needs --allow-run (git, tar) and --allow-write (temp).
 */
async function extractRevision(rev: string): Promise<string> {
  const folder = await Deno.makeTempDir({ prefix: "ets_bench_baseline_" });
  const archive = join(folder, "rev.tar");
  const git = await new Deno.Command("git", {
    args: ["-C", ROOT, "archive", "--format=tar", "-o", archive, rev],
  }).output();
  if (!git.success) {
    throw new Error(`Cannot extract revision "${rev}": ${new TextDecoder().decode(git.stderr)}`);
  }
  const tar = await new Deno.Command("tar", { args: ["-xf", archive, "-C", folder] }).output();
  if (!tar.success) throw new Error(`Cannot unpack revision "${rev}"`);
  await Deno.remove(archive);
  return folder;
}

async function copyBench(): Promise<string> {
  const folder = await Deno.makeTempDir({ prefix: "ets_bench_tem_" });
  for await (const entry of Deno.readDir(BENCH)) {
    if (entry.isFile && !entry.name.endsWith(".png")) {
      await Deno.copyFile(join(BENCH, entry.name), join(folder, entry.name));
    }
  }
  return folder;
}

async function sectionMeans(path: string): Promise<number[]> {
  const volume = decodeMrc(await Deno.readFile(path), path);
  const { nx, ny, nz } = volume.header;
  const means: number[] = [];
  for (let z = 0; z < nz; z++) {
    let sum = 0;
    for (let i = z * nx * ny; i < (z + 1) * nx * ny; i++) sum += volume.data[i]!;
    means.push(sum / (nx * ny));
  }
  return means;
}

interface BenchOptions {
  /** The main.ts to run (the current tree's, or a baseline revision's). */
  main: string;
  threads?: number;
  lib: boolean;
  keep: boolean;
  denoFlags: string[];
}

/** One run of a case; returns wall seconds and peak RSS (MB) if it ran, and whether targets were met. */
async function benchCase(
  name: Case,
  options: BenchOptions,
): Promise<{ met: boolean; seconds?: number; rssMb?: number }> {
  const reference = REFERENCE[name];
  const folder = await copyBench();
  const config = `${name}.txt`;
  const deno = Deno.execPath();
  const threadArgs = options.threads === undefined ? [] : ["--threads", String(options.threads)];
  const command = options.lib
    ? [deno, "run", ...options.denoFlags, fileURLToPath(import.meta.url), "--child", config]
      .concat(threadArgs)
    : [deno, "run", ...options.denoFlags, options.main, "tem-simulator", config]
      .concat(threadArgs);
  const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ").slice(0, 3)
    .join(" ");
  console.log(`${name}: ${command.slice(1).join(" ")}`);
  console.log(`${name}: running in ${folder} (load average before: ${load}) …`);
  const result = await measure(command, folder);
  if (!result.ok) {
    console.log(`${name}: FAILED\n${result.stderr}`);
    return { met: false };
  }
  const timeRatio = result.seconds / reference.seconds;
  const rssRatio = result.rssMb / reference.rssMb;
  const timeOk = timeRatio <= reference.timeTarget;
  const rssOk = result.rssMb < reference.rssLimitMb;
  console.log(
    `${name}: wall ${result.seconds.toFixed(2)} s (TEM-Simulator ${reference.seconds} s, ratio ${
      timeRatio.toFixed(3)
    }, ` +
      `target ≤ ${reference.timeTarget.toFixed(3)}: ${timeOk ? "met" : "NOT met"}); peak RSS ${
        result.rssMb.toFixed(1)
      } MB ` +
      `(TEM-Simulator ${reference.rssMb} MB, ratio ${
        rssRatio.toFixed(2)
      }, limit < ${reference.rssLimitMb} MB: ${rssOk ? "met" : "NOT met"})`,
  );
  for (const [i, output] of reference.outputs.entries()) {
    const means = await sectionMeans(join(folder, output));
    const parts = Object.entries(reference.means).map(([section, values]) => {
      const mine = means[Number(section)]!;
      const deviation = 100 * (mine / values[i]! - 1);
      return `sec ${section} ${mine.toExponential(5)} (${deviation >= 0 ? "+" : ""}${
        deviation.toFixed(3)
      } %)`;
    });
    console.log(`${name}: ${output} means vs spec §6.3: ${parts.join(", ")}`);
  }
  const loadAfter = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ").slice(
    0,
    3,
  ).join(" ");
  console.log(
    `${name}: CPU time (user + sys) ${
      result.cpuSeconds?.toFixed(2) ?? "?"
    } s; load average after: ${loadAfter} ` +
      `(other processes share the ${navigator.hardwareConcurrency} CPUs: wall times are noisy)`,
  );
  if (options.keep) console.log(`${name}: outputs kept in ${folder}`);
  else await Deno.remove(folder, { recursive: true });
  return { met: timeOk && rssOk, seconds: result.seconds, rssMb: result.rssMb };
}

if (import.meta.main) {
  const args = [...Deno.args];
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return false;
    args.splice(i, 1);
    return true;
  };
  const option = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const value = args[i + 1];
    args.splice(i, 2);
    return value;
  };
  const threadText = option("--threads");
  const threads = threadText === undefined ? undefined : Number(threadText);
  if (flag("--child")) {
    await childMain(args[0]!, threads);
  } else {
    flag("--cli"); // the default (kept for old command lines)
    const lib = flag("--lib");
    const keep = flag("--keep");
    const repeat = Number(option("--repeat") ?? 1);
    const flagText = option("--deno-flags");
    const denoFlags = flagText === undefined
      ? ENGINE_DENO_FLAGS
      : flagText.split(/\s+/).filter((f) => f !== "");
    const baselineRev = option("--baseline");
    const cases = (args.length > 0 ? args : ["small", "large"]) as Case[];
    const baseline = baselineRev === undefined ? undefined : await extractRevision(baselineRev);
    const current = join(ROOT, "main.ts");
    let allMet = true;
    try {
      for (const name of cases) {
        if (!(name in REFERENCE)) throw new Error(`Cannot benchmark "${name}": use small or large`);
        const runs: { seconds?: number; rssMb?: number }[] = [];
        for (let r = 0; r < repeat; r++) {
          const before = baseline === undefined ? undefined : await benchCase(name, {
            main: join(baseline, "main.ts"),
            threads,
            lib: false,
            keep: false,
            denoFlags,
          });
          const run = await benchCase(name, { main: current, threads, lib, keep, denoFlags });
          allMet = run.met && allMet;
          runs.push(run);
          if (before !== undefined) {
            console.log(
              `${name}: before (${baselineRev}) → after: wall ${before.seconds?.toFixed(2)} s → ${
                run.seconds?.toFixed(2)
              } s; peak RSS ${before.rssMb?.toFixed(1)} MB → ${run.rssMb?.toFixed(1)} MB`,
            );
          }
        }
        if (repeat > 1) {
          const range = (values: number[], digits: number) =>
            `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
          const seconds = runs.flatMap((run) => run.seconds ?? []);
          const rss = runs.flatMap((run) => run.rssMb ?? []);
          const reference = REFERENCE[name];
          console.log(
            `${name}: ${repeat} runs: wall ${range(seconds, 2)} s (ratio ${
              range(seconds.map((s) => s / reference.seconds), 3)
            }), peak RSS ${range(rss, 1)} MB`,
          );
        }
      }
    } finally {
      if (baseline !== undefined) await Deno.remove(baseline, { recursive: true });
    }
    console.log(allMet ? "All targets met." : "Some targets not met (see above).");
  }
}

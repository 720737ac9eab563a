/**
 * Helpers for the `ets generate` tests: tiny ETSimulations-shaped projects, the fake engine
 * wrapper, an in-process Chimera pool test double, and file comparisons.
 *
 * @module
 */
import { ChimeraInterpreter, ConfinedFileAccess } from "../lib/chimera/mod.ts";
import type { ChimeraPoolHandle, ChimeraPoolStartOptions } from "../lib/generate/mod.ts";

/** The repository root. */
export const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** A tiny TEM-Simulator template: 96 px detector at 0.5 nm, 3 tilts. */
export function tinySimTxt(options: { detector?: number; tilts?: number } = {}): string {
  const n = options.detector ?? 96;
  const tilts = options.tilts ?? 3;
  const step = tilts > 1 ? 90 / (tilts - 1) : 0;
  const detector = (quantize: string, out: string) => [
    "=== detector ===",
    `det_pix_x = ${n}`,
    `det_pix_y = ${n}`,
    "pixel_size = 15",
    "gain = 10",
    `use_quantization = ${quantize}`,
    "dqe = 0.4",
    "mtf_a = 0.7",
    "mtf_b = 0.2",
    "mtf_c = 0.1",
    "mtf_alpha = 10",
    "mtf_beta = 40",
    `image_file_out = ${out}`,
    "",
  ];
  return [
    "=== simulation ===",
    "generate_micrographs = yes",
    "log_file = simulator.log",
    "",
    "=== sample ===",
    "diameter = 400",
    "thickness_edge = 60",
    "thickness_center = 50",
    "",
    "=== geometry ===",
    "gen_tilt_data = yes",
    `ntilts = ${tilts}`,
    `theta_start = ${tilts > 1 ? -45 : 0}`,
    `theta_incr = ${step}`,
    "geom_errors = random",
    "tilt_err = 0.5",
    "align_err_rot = 0.25",
    "align_err_tr = 0.25",
    "error_file_out = err.log",
    "",
    "=== electronbeam ===",
    "acc_voltage = 300",
    "energy_spread = 1.3",
    "gen_dose = yes",
    "dose_per_im = 2000",
    "",
    "=== optics ===",
    "magnification = 30000",
    "cs = 2",
    "cc = 2",
    "aperture = 50",
    "focal_length = 3",
    "cond_ap_angle = 0.1",
    "gen_defocus = yes",
    "defocus_nominal = 5",
    "",
    ...detector("yes", "tiltseries.mrc"),
    ...detector("no", "tiltseries_nonoise.mrc"),
  ].join("\n");
}

/** Options of {@linkcode writeProject}. */
export interface ProjectOptions {
  /** Extra or overriding top-level YAML lines (key → YAML value text). */
  keys?: Record<string, string>;
  /** custom_configs lines (key → YAML value text). */
  custom?: Record<string, string>;
  /** Detector size. */
  detector?: number;
  /** Tilts. */
  tilts?: number;
}

/**
 * Writes an ETSimulations-shaped project into `dir` (sim.txt, coord.txt, particle.mrc,
 * bead.mrc from templates/, config.yaml) and returns the config path. Root is `dir/root`.
 */
export async function writeProject(dir: string, options: ProjectOptions = {}): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/sim.txt`, tinySimTxt(options));
  await Deno.writeTextFile(
    `${dir}/coord.txt`,
    "# pixels\n3 6\n-20 -15 0 0 0 0\n18 -12 0 0 0 0\n0 20 0 0 0 0\n",
  );
  await Deno.copyFile(`${REPO}/templates/particle.mrc`, `${dir}/particle.mrc`);
  await Deno.copyFile(`${REPO}/templates/bead.mrc`, `${dir}/bead.mrc`);
  const keys: Record<string, string> = {
    root: '"root"',
    model: '"particle.mrc"',
    config: '"sim.txt"',
    coord: '"coord.txt"',
    num_stacks: "4",
    name: '"Test"',
    num_cores: "2",
    apix: "0.5",
    num_chimera_windows: "1",
    defocus_values: "[1.5, 3]",
    bead_map: '"bead.mrc"',
    bead_occupancy: "0.0005",
    assembler: '"basic"',
    seed: "42",
    ...options.keys,
  };
  const custom: Record<string, string> = {
    use_common_model: "false",
    orientations_source: '"gauss(0, 10)"',
    ...options.custom,
  };
  const lines = ["---", ...Object.entries(keys).map(([k, v]) => `${k}: ${v}`), "custom_configs:"];
  for (const [k, v] of Object.entries(custom)) lines.push(`  ${k}: ${v}`);
  await Deno.writeTextFile(`${dir}/config.yaml`, lines.join("\n") + "\n");
  return `${dir}/config.yaml`;
}

/**
 * Writes an executable wrapper that runs the fake engine (TEST DOUBLE) with `env`; returns its
 * path, for `tem_simulator_executable`.
 */
export async function writeFakeEngine(
  dir: string,
  env: Record<string, string> = {},
): Promise<string> {
  const path = `${dir}/fake-tem-simulator`;
  const assignments = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(" ");
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec env ${assignments} '${Deno.execPath()}' run -A --quiet '${REPO}/tests/generate_fake_engine.ts' "$@"\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

/**
 * TEST DOUBLE of lib/chimera's ChimeraPool: one in-process ChimeraInterpreter per "server",
 * batches serialised per server, `close session` after each batch (as ETSimulations does).
 * Counts the batches it ran.
 */
export class InProcessChimeraPool implements ChimeraPoolHandle {
  readonly batches: { shard: number; commands: string[] }[] = [];
  readonly ended = new Set<number>();
  /** The options it was started with. */
  startOptions?: ChimeraPoolStartOptions;
  readonly #servers: { interpreter: ChimeraInterpreter; queue: Promise<unknown> }[];
  closed = false;

  private constructor(servers: ChimeraInterpreter[]) {
    this.#servers = servers.map((interpreter) => ({ interpreter, queue: Promise.resolve() }));
  }

  /** Starts the double (signature of ChimeraPool.start). */
  static async start(options: ChimeraPoolStartOptions): Promise<InProcessChimeraPool> {
    const files = await ConfinedFileAccess.create(options.allowDirs, "/");
    const servers = Array.from(
      { length: options.servers },
      () => new ChimeraInterpreter({ files, saveLabel: () => "in-process test pool" }),
    );
    const pool = new InProcessChimeraPool(servers);
    pool.startOptions = options;
    return pool;
  }

  runBatch(shard: number, commands: string[]): Promise<string[]> {
    const server = this.#servers[shard % this.#servers.length]!;
    this.batches.push({ shard, commands });
    const run = server.queue.then(async () => {
      const outcome = await server.interpreter.run(commands);
      await server.interpreter.run(["close session"]);
      if (outcome.error !== undefined) throw new Error(outcome.error);
      return outcome.lines;
    });
    server.queue = run.catch(() => {});
    return run;
  }

  endShard(shard: number): Promise<void> {
    this.ended.add(shard);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Files under `dir` (relative paths), recursively, sorted. */
/** Whether anything (file, folder, link) is at `path`. Needs --allow-read. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

export async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) out.push(...await listFiles(`${dir}/${entry.name}`, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** Runs /usr/bin/python3 with mrcfile.validate on files; returns [ok, output]. */
export async function mrcfileValidate(paths: string[]): Promise<[boolean, string]> {
  const script = "import sys, mrcfile\nok = all(mrcfile.validate(p) for p in sys.argv[1:])\n" +
    "sys.exit(0 if ok else 1)\n";
  const out = await new Deno.Command("/usr/bin/python3", { args: ["-c", script, ...paths] })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return [out.success, text];
}

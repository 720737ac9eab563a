/**
 * The bad-input suite: configs, templates, coordinates, maps, PDBs and engine inputs that must
 * each end in exit 2, exactly one line on stderr, and nothing written under the root (or no
 * engine output). Fixtures are generated in a temp folder; every case runs in this process
 * through the CLI's `runCli` with stderr captured (no child processes).
 */
import process from "node:process";
import { runCli } from "../lib/cli/mod.ts";
import { writeMrc } from "../lib/mrc/mod.ts";
import { assertEquals } from "../lib/testing/mod.ts";

const SIM = `=== simulation ===
generate_micrographs = yes
log_file = simulator.log

=== sample ===
diameter = 1000
thickness_edge = 50
thickness_center = 50

=== geometry ===
gen_tilt_data = yes
ntilts = 3
theta_start = -30
theta_incr = 30
geom_errors = none

=== electronbeam ===
acc_voltage = 300
energy_spread = 1.3
gen_dose = yes
dose_per_im = 100

=== optics ===
magnification = 30000
cs = 2
cc = 2
aperture = 50
focal_length = 3
cond_ap_angle = 0.1
gen_defocus = yes
defocus_nominal = 5

=== detector ===
det_pix_x = 32
det_pix_y = 32
pixel_size = 15
gain = 10
use_quantization = yes
dqe = 0.4
mtf_a = 0.7
mtf_b = 0.2
mtf_c = 0.1
mtf_alpha = 10
mtf_beta = 40
image_file_out = tiltseries.mrc

=== detector ===
det_pix_x = 32
det_pix_y = 32
pixel_size = 15
gain = 10
use_quantization = no
dqe = 0.4
mtf_a = 0.7
mtf_b = 0.2
mtf_c = 0.1
mtf_alpha = 10
mtf_beta = 40
image_file_out = tiltseries_nonoise.mrc
`;

const COORD = "2 6\n0 0 0 0 0 0\n5 5 0 0 0 0\n";

const PDB = [
  "ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N",
  "ATOM      2  CA  ALA A   1      11.639   6.071  -5.147  1.00  0.00           C",
  "ATOM      3  C   ALA A   1      13.149   5.909  -5.148  1.00  0.00           C",
  "END",
  "",
].join("\n");

/** The base config: every key valid; cases edit it. */
const BASE: Record<string, string> = {
  model: '"particle.mrc"',
  config: '"sim.txt"',
  coord: '"coord.txt"',
  num_stacks: "2",
  name: '"bad"',
  apix: "0.5",
  defocus_values: "[2, 4]",
  bead_map: '"bead.mrc"',
  bead_occupancy: "0.001",
  assembler: '"basic"',
  seed: "1",
};

function yamlOf(keys: Record<string, string | undefined>, custom: Record<string, string>): string {
  const lines = Object.entries(keys).filter(([, v]) => v !== undefined).map(([k, v]) =>
    `${k}: ${v}`
  );
  const customLines = Object.entries(custom).map(([k, v]) => `  ${k}: ${v}`);
  return [...lines, ...(customLines.length ? ["custom_configs:", ...customLines] : []), ""].join(
    "\n",
  );
}

async function writeMap(path: string, n: number, fill: (i: number) => number) {
  const data = new Float32Array(n * n * n);
  for (let i = 0; i < data.length; i++) data[i] = fill(i);
  await writeMrc(path, n, n, n, data, { voxelSize: 5 });
}

/** One case: files written in its folder, then the CLI arguments (ROOT and DIR substituted). */
interface BadCase {
  name: string;
  kind: "config" | "template" | "table" | "coordinates" | "map" | "pdb" | "engine" | "lock";
  /** Config keys to set (undefined removes one); ignored when `yaml` is given. */
  keys?: Record<string, string | undefined>;
  /** custom_configs entries (default use_common_model: true). */
  custom?: Record<string, string>;
  /** The whole config text instead. */
  yaml?: string;
  /** Files to write (relative to the case folder) — text, or a function writing it. */
  files?: Record<string, string | ((path: string) => Promise<void>)>;
  /** sim.txt edits: [find, replace]. */
  sim?: [string | RegExp, string][];
  /** CLI arguments (default: validate -i DIR/config.yaml). */
  args?: string[];
  /** Files that must not exist afterwards (engine cases), relative to the case folder. */
  noOutputs?: string[];
  /** Runs before the CLI (e.g. takes a lock). */
  before?: (dir: string) => Promise<void>;
  /** Run as a child process (a real `generate` re-runs itself under scoped grants and exits). */
  child?: boolean;
}

const map8 = (fill: (i: number) => number) => (path: string) => writeMap(path, 8, fill);
const truncated = async (path: string) => {
  await writeMap(path, 8, () => 1);
  const bytes = await Deno.readFile(path);
  await Deno.writeFile(path, bytes.subarray(0, bytes.length - 100));
};

const ENGINE_SIM = (extra: string, tweak: (s: string) => string = (s) => s) =>
  tweak(
    SIM.replace("gen_defocus = yes\ndefocus_nominal = 5", "gen_defocus = yes\ndefocus_nominal = 3"),
  ) +
  "\n" + extra;

/** sim.txt edits giving the template its own particle and particle set (after the detectors). */
const OWN_SECTIONS = (sections: string): [string, string][] => [[
  "image_file_out = tiltseries_nonoise.mrc\n",
  `image_file_out = tiltseries_nonoise.mrc\n\n${sections}`,
]];
const OWN_MAP = "source = map\nmap_file_re_in = own.mrc\nuse_imag_pot = no\nfamp = 0.1";
/** A template particle `own` (OWN_MAP by default) placed from the coordinate table own.txt. */
const OWN_SET = (set = "", particle = OWN_MAP) =>
  OWN_SECTIONS(
    `=== particle own ===\n${particle}\n\n=== particleset ===\nparticle_type = own\n` +
      `particle_coords = file\ncoord_file_in = own.txt\n${set}`,
  );
const OWN_PDB =
  "source = pdb\npdb_file_in = own.pdb\nvoxel_size = 0.5\nuse_imag_pot = no\nfamp = 0.1";
const OWN_COORD = "1 6\n0 0 0 10 20 30\n";
const DOSE_FILE: [string, string][] = [[
  "gen_dose = yes",
  "gen_dose = no\ndose_file_in = dose.txt",
]];
/** A sparse file of `bytes` (nothing written to disk). */
const sparse = (bytes: number) => async (path: string) => {
  const file = await Deno.open(path, { write: true, create: true });
  await file.truncate(bytes);
  file.close();
};

const CASES: BadCase[] = [
  // ---- config (YAML keys, types, ranges, paths)
  { name: "empty config", kind: "config", yaml: "" },
  { name: "YAML syntax error", kind: "config", yaml: "num_stacks: [1, 2\nroot: x\n" },
  { name: "config is a list", kind: "config", yaml: "- 1\n- 2\n" },
  { name: "misspelt key", kind: "config", keys: { num_stack: "2" } },
  { name: "num_stacks 0", kind: "config", keys: { num_stacks: "0" } },
  { name: "num_stacks not a number", kind: "config", keys: { num_stacks: "abc" } },
  { name: "num_stacks fractional", kind: "config", keys: { num_stacks: "1.5" } },
  { name: "num_stacks 10^7 (metadata size)", kind: "config", keys: { num_stacks: "10000000" } },
  { name: "num_stacks 10^6 (metadata size)", kind: "config", keys: { num_stacks: "1000000" } },
  { name: "apix negative", kind: "config", keys: { apix: "-1" } },
  { name: "apix missing", kind: "config", keys: { apix: undefined } },
  { name: "defocus_values empty", kind: "config", keys: { defocus_values: "[]" } },
  { name: "defocus_values NaN", kind: "config", keys: { defocus_values: "[.nan]" } },
  { name: "config key missing", kind: "config", keys: { config: undefined } },
  { name: "config file missing", kind: "config", keys: { config: '"nope.txt"' } },
  { name: "coord file missing", kind: "config", keys: { coord: '"nope.txt"' } },
  { name: "model file missing", kind: "config", keys: { model: '"nope.mrc"' } },
  { name: "bead_map without occupancy", kind: "config", keys: { bead_occupancy: undefined } },
  { name: "bead_occupancy above 100", kind: "config", keys: { bead_occupancy: "200" } },
  { name: "unknown assembler", kind: "config", keys: { assembler: '"basik"' } },
  { name: "unknown custom_configs key", kind: "config", custom: { use_common_modell: "true" } },
  {
    name: "bad orientations_source",
    kind: "config",
    custom: { orientations_source: '"gauss(1)"' },
  },
  { name: "root is a file", kind: "config", keys: { root: '"afile"' }, files: { afile: "x\n" } },
  {
    name: "root under a file",
    kind: "config",
    keys: { root: '"afile/sub"' },
    files: { afile: "x\n" },
  },
  { name: "seed negative", kind: "config", keys: { seed: "-1" } },
  { name: "retries 1000", kind: "config", keys: { retries: "1000" } },
  { name: "workers 0", kind: "config", keys: { workers: "0" } },
  { name: "engine_timeout negative", kind: "config", keys: { engine_timeout: "-5" } },
  { name: "engine_timeout a word", kind: "config", keys: { engine_timeout: '"soon"' } },
  { name: "name with a slash", kind: "config", keys: { name: '"a/b"' } },
  { name: "num_chimera_windows 0", kind: "config", keys: { num_chimera_windows: "0" } },
  {
    name: "coord_error sigma negative",
    kind: "config",
    keys: { coord_error: "{mu: 0, sigma: -1}" },
  },
  {
    name: "engine not executable",
    kind: "config",
    keys: { tem_simulator_executable: '"./engine.sh"' },
    files: { "engine.sh": "#!/bin/sh\n" },
  },
  {
    name: "chimera not on PATH",
    kind: "config",
    keys: { chimera_exec_path: '"no-such-chimera-xyz"' },
  },
  { name: "config is a folder", kind: "config", args: ["validate", "-i", "DIR"] },
  { name: "config is /dev/zero", kind: "config", args: ["validate", "-i", "/dev/zero"] },
  {
    name: "generate --dry-run on a bad key",
    kind: "config",
    keys: { apix: '"half"' },
    args: ["generate", "-i", "DIR/config.yaml", "--dry-run"],
  },
  {
    name: "generate on a root that is a file",
    kind: "config",
    keys: { root: '"afile"' },
    files: { afile: "x\n" },
    args: ["generate", "-i", "DIR/config.yaml"],
  },
  // ---- TEM-Simulator template
  {
    name: "generate_micrographs = no",
    kind: "template",
    sim: [["generate_micrographs = yes", "generate_micrographs = no"]],
  },
  {
    name: "one detector",
    kind: "template",
    sim: [[/=== detector ===\ndet_pix_x = 32[\s\S]*$/, ""]],
  },
  {
    name: "det_pix_x not a number",
    kind: "template",
    sim: [["det_pix_x = 32", "det_pix_x = abc"]],
  },
  {
    name: "detectors of different sizes",
    kind: "template",
    sim: [[/(=== detector ===[\s\S]*)det_pix_x = 32/, "$1det_pix_x = 64"]],
  },
  { name: "ntilts 0", kind: "template", sim: [["ntilts = 3", "ntilts = 0"]] },
  { name: "ntilts 200000", kind: "template", sim: [["ntilts = 3", "ntilts = 200000"]] },
  {
    name: "gen_tilt_data maybe",
    kind: "template",
    sim: [["gen_tilt_data = yes", "gen_tilt_data = maybe"]],
  },
  { name: "gen_defocus no", kind: "template", sim: [["gen_defocus = yes", "gen_defocus = no"]] },
  { name: "no optics section", kind: "template", sim: [["=== optics ===", "# optics"]] },
  {
    name: "gen_tilt_data no without geom_file_in",
    kind: "template",
    sim: [["gen_tilt_data = yes", "gen_tilt_data = no"]],
  },
  {
    name: "geom_file_in garbage",
    kind: "template",
    sim: [["gen_tilt_data = yes", "gen_tilt_data = no\ngeom_file_in = geom.txt"]],
    files: { "geom.txt": "hello world\nthis is not a table\n" },
  },
  {
    name: "error_file_in malformed",
    kind: "template",
    sim: [["geom_errors = none", "geom_errors = file\nerror_file_in = errors.txt"]],
    files: { "errors.txt": "3 5\n0 0 0 0 0\n0 0 zero 0 0\n0 0 0 0 0\n" },
  },
  {
    name: "error_file_in too few rows",
    kind: "template",
    sim: [["geom_errors = none", "geom_errors = file\nerror_file_in = errors.txt"]],
    files: { "errors.txt": "1 5\n0 0 0 0 0\n" },
  },
  {
    name: "dose_file_in unreadable numbers",
    kind: "template",
    sim: [["gen_dose = yes", "gen_dose = no\ndose_file_in = dose.txt"]],
    files: { "dose.txt": "3 1\n10\nten\n10\n" },
  },
  {
    name: "dose_file_in missing",
    kind: "template",
    sim: [["gen_dose = yes", "gen_dose = no\ndose_file_in = dose.txt"]],
  },
  {
    name: "10000² detector with padding 1000",
    kind: "template",
    sim: [[/det_pix_x = 32/g, "det_pix_x = 10000\npadding = 1000"], [
      /det_pix_y = 32/g,
      "det_pix_y = 10000",
    ]],
  },
  {
    name: "sim.txt is /dev/zero",
    kind: "template",
    keys: { config: '"/dev/zero"' },
  },
  // ---- tables and files the template names (*_file_in), read as the engine reads them
  {
    name: "coord_file_in with 4 columns",
    kind: "table",
    sim: OWN_SET(),
    files: { "own.txt": "1 4\n0 0 0 10\n", "own.mrc": map8(() => 1) },
  },
  {
    name: "coord_file_in header declares more rows than present",
    kind: "table",
    sim: OWN_SET(),
    files: { "own.txt": "3 6\n0 0 0 10 20 30\n", "own.mrc": map8(() => 1) },
  },
  {
    name: "coord_file_in fewer rows than num_particles",
    kind: "table",
    sim: OWN_SET("num_particles = 2\n"),
    files: { "own.txt": OWN_COORD, "own.mrc": map8(() => 1) },
  },
  {
    name: "coord_file_in a word for a number",
    kind: "table",
    sim: OWN_SET(),
    files: { "own.txt": "1 6\n0 zero 0 10 20 30\n", "own.mrc": map8(() => 1) },
  },
  {
    name: "coord_file_in NaN",
    kind: "table",
    sim: OWN_SET(),
    files: { "own.txt": "1 6\n0 0 nan 10 20 30\n", "own.mrc": map8(() => 1) },
  },
  {
    name: "coord_file_in angle of 1000 degrees",
    kind: "table",
    sim: OWN_SET(),
    files: { "own.txt": "1 6\n0 0 0 1000 20 30\n", "own.mrc": map8(() => 1) },
  },
  {
    name: "coord_file_in negative row count",
    kind: "table",
    sim: OWN_SET(),
    files: { "own.txt": "-2 6\n0 0 0 10 20 30\n", "own.mrc": map8(() => 1) },
  },
  {
    name: "coord_file_in empty file",
    kind: "table",
    sim: OWN_SET(),
    files: { "own.txt": "", "own.mrc": map8(() => 1) },
  },
  {
    name: "coord_file_in binary file",
    kind: "table",
    sim: OWN_SET(),
    files: {
      "own.txt": (path) =>
        Deno.writeFile(path, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 0, 0])),
      "own.mrc": map8(() => 1),
    },
  },
  {
    name: "coord_file_in missing",
    kind: "table",
    sim: OWN_SET(),
    files: { "own.mrc": map8(() => 1) },
  },
  {
    name: "coord_file_in is a folder",
    kind: "table",
    sim: OWN_SET(),
    files: { "own.txt/x": "1 6\n0 0 0 0 0 0\n", "own.mrc": map8(() => 1) },
  },
  {
    name: "num_particles negative",
    kind: "table",
    sim: OWN_SET("num_particles = -1\n"),
    files: { "own.txt": OWN_COORD, "own.mrc": map8(() => 1) },
  },
  {
    name: "dose_file_in with Inf",
    kind: "table",
    sim: DOSE_FILE,
    files: { "dose.txt": "3 1\n10\ninf\n10\n" },
  },
  {
    name: "dose_file_in with a negative dose",
    kind: "table",
    sim: DOSE_FILE,
    files: { "dose.txt": "3 1\n10\n-5\n10\n" },
  },
  {
    name: "dose_file_in of 65 MiB",
    kind: "table",
    sim: DOSE_FILE,
    files: { "dose.txt": sparse(65 * 1024 * 1024) },
  },
  {
    name: "dose_file_in is /dev/zero (granted with --allow-dir)",
    kind: "table",
    sim: [["gen_dose = yes", "gen_dose = no\ndose_file_in = /dev/zero"]],
    args: ["validate", "-i", "DIR/config.yaml", "--allow-dir", "/dev"],
  },
  {
    name: "geom_file_in with 2 columns",
    kind: "table",
    sim: [["gen_tilt_data = yes", "gen_tilt_data = no\ngeom_file_in = geom.txt"]],
    files: { "geom.txt": "3 2\n0 -30\n0 0\n0 30\n" },
  },
  {
    name: "geom_file_in fewer rows than ntilts",
    kind: "table",
    sim: [["gen_tilt_data = yes", "gen_tilt_data = no\ngeom_file_in = geom.txt"]],
    files: { "geom.txt": "2 3\n0 -30 0\n0 0 0\n" },
  },
  {
    name: "error_file_in value overflows (1e999)",
    kind: "table",
    sim: [["geom_errors = none", "geom_errors = file\nerror_file_in = errors.txt"]],
    files: { "errors.txt": "3 5\n0 0 0 0 0\n0 0 1e999 0 0\n0 0 0 0 0\n" },
  },
  {
    name: "pdb_transf_file_in with 5 columns",
    kind: "table",
    sim: OWN_SET("", `${OWN_PDB}\npdb_transf_file_in = transf.txt`),
    files: { "own.txt": OWN_COORD, "own.pdb": PDB, "transf.txt": "1 5\n0 0 0 10 20\n" },
  },
  {
    name: "template particle map truncated",
    kind: "map",
    sim: OWN_SET(),
    files: { "own.txt": OWN_COORD, "own.mrc": truncated },
  },
  {
    name: "template particle map with a NaN voxel",
    kind: "map",
    sim: OWN_SET(),
    files: { "own.txt": OWN_COORD, "own.mrc": map8((i) => (i === 100 ? NaN : 1)) },
  },
  {
    name: "template particle map_file_im_in missing",
    kind: "map",
    sim: OWN_SET("", "source = map\nmap_file_re_in = own.mrc\nmap_file_im_in = own_im.mrc"),
    files: { "own.txt": OWN_COORD, "own.mrc": map8(() => 1) },
  },
  {
    name: "template particle raw map too small",
    kind: "map",
    sim: OWN_SET(
      "",
      "source = map\nmap_file_format = raw\nnx = 8\nny = 8\nnz = 8\nvoxel_size = 0.5\n" +
        "map_file_re_in = own.raw\nuse_imag_pot = no\nfamp = 0.1",
    ),
    files: { "own.txt": OWN_COORD, "own.raw": "0123" },
  },
  {
    name: "template particle pdb_file_in is a text file",
    kind: "pdb",
    sim: OWN_SET("", OWN_PDB),
    files: { "own.txt": OWN_COORD, "own.pdb": "just some notes\nno atoms here\n" },
  },
  // ---- coordinates
  { name: "coord template garbage", kind: "coordinates", files: { "coord.txt": "1 2 x\n" } },
  {
    name: "no particles and no fiducials",
    kind: "coordinates",
    keys: { bead_map: undefined, bead_occupancy: undefined },
    files: { "coord.txt": "0 6\n" },
  },
  { name: "coord is /dev/zero", kind: "coordinates", keys: { coord: '"/dev/zero"' } },
  {
    name: "orientations file garbage",
    kind: "coordinates",
    custom: { use_common_model: "true", orientations_source: '"orient.txt"' },
    files: { "orient.txt": "10 20\nabc\n" },
  },
  // ---- maps
  { name: "model map truncated", kind: "map", files: { "particle.mrc": truncated } },
  { name: "bead map truncated", kind: "map", files: { "bead.mrc": truncated } },
  {
    name: "model map with one NaN voxel",
    kind: "map",
    files: { "particle.mrc": map8((i) => (i === 77 ? NaN : 1)) },
  },
  {
    name: "model map with one Inf voxel",
    kind: "map",
    files: { "particle.mrc": map8((i) => (i === 5 ? Infinity : 1)) },
  },
  { name: "model map all NaN", kind: "map", files: { "particle.mrc": map8(() => NaN) } },
  {
    name: "bead map with -Inf",
    kind: "map",
    files: { "bead.mrc": map8((i) => (i === 0 ? -Infinity : 0)) },
  },
  {
    name: "model map is random bytes",
    kind: "map",
    files: { "particle.mrc": "not an mrc\n".repeat(200) },
  },
  { name: "model map empty file", kind: "map", files: { "particle.mrc": "" } },
  {
    name: "model has an unknown extension",
    kind: "map",
    keys: { model: '"particle.txt"' },
    files: { "particle.txt": "x\n" },
  },
  { name: "model is a folder", kind: "map", keys: { model: '"adir"' }, files: { "adir/x": "x" } },
  // ---- PDBs
  {
    name: "PDB model is a text file",
    kind: "pdb",
    keys: { model: '"model.pdb"' },
    files: { "model.pdb": "this is a text file, not a model\n" },
  },
  {
    name: "PDB model with use_common_model false",
    kind: "pdb",
    keys: { model: '"model.pdb"' },
    custom: { use_common_model: "false" },
    files: { "model.pdb": PDB },
  },
  {
    name: "PDB with a huge extent",
    kind: "pdb",
    keys: { model: '"model.pdb"' },
    files: {
      "model.pdb": PDB.replace("  11.104   6.134  -6.504", "-9999.00-9999.00-9999.0")
        .replace("  13.149   5.909  -5.148", "99999.0099999.0099999.0"),
    },
  },
  {
    name: "PDB with a bad coordinate",
    kind: "pdb",
    keys: { model: '"model.pdb"' },
    files: { "model.pdb": PDB.replace("  11.639", "  1x.639") },
  },
  {
    name: "PDB empty file",
    kind: "pdb",
    keys: { model: '"model.pdb"' },
    files: { "model.pdb": "" },
  },
  {
    name: "PDB binary",
    kind: "pdb",
    keys: { model: '"model.pdb"' },
    files: { "model.pdb": "\u0000\u0001\u0002 binary" },
  },
  // ---- engine inputs (ets tem-simulator FILE)
  {
    name: "engine input is /dev/zero",
    kind: "engine",
    args: ["tem-simulator", "/dev/zero"],
  },
  {
    name: "engine: two random particles 1000³",
    kind: "engine",
    files: {
      "in.txt": ENGINE_SIM(
        "=== particle rnd ===\nsource = random\nvoxel_size = 0.5\nnx = 1000\nny = 1000\nnz = 1000\ncontrast_re = 1\nsmoothness = 2\nmake_positive = no\nuse_imag_pot = no\nfamp = 0.1\n\n=== particle rnd2 ===\nsource = random\nvoxel_size = 0.5\nnx = 1000\nny = 1000\nnz = 1000\ncontrast_re = 1\nsmoothness = 2\nmake_positive = no\nuse_imag_pot = no\nfamp = 0.1\n\n=== particleset ===\nparticle_type = rnd\nnum_particles = 1\nparticle_coords = file\ncoord_file_in = c.txt\n",
      ),
      "c.txt": "1 6\n0 0 0 0 0 0\n",
    },
    args: ["tem-simulator", "DIR/in.txt"],
    noOutputs: ["tiltseries.mrc", "tiltseries_nonoise.mrc", "simulator.log"],
  },
  {
    name: "engine: map particle with a NaN voxel",
    kind: "engine",
    files: {
      "m.mrc": map8((i) => (i === 3 ? NaN : 0.1)),
      "in.txt": ENGINE_SIM(
        "=== particle p ===\nsource = map\nmap_file_re_in = m.mrc\nuse_imag_pot = no\nfamp = 0.1\n\n=== particleset ===\nparticle_type = p\nnum_particles = 1\nparticle_coords = file\ncoord_file_in = c.txt\n",
      ),
      "c.txt": "1 6\n0 0 0 0 0 0\n",
    },
    args: ["tem-simulator", "DIR/in.txt"],
    noOutputs: ["tiltseries.mrc", "tiltseries_nonoise.mrc", "simulator.log"],
  },
  {
    name: "engine: map particle all Inf",
    kind: "engine",
    files: {
      "m.mrc": map8(() => Infinity),
      "in.txt": ENGINE_SIM(
        "=== particle p ===\nsource = map\nmap_file_re_in = m.mrc\nuse_imag_pot = no\nfamp = 0.1\n\n=== particleset ===\nparticle_type = p\nnum_particles = 1\nparticle_coords = file\ncoord_file_in = c.txt\n",
      ),
      "c.txt": "1 6\n0 0 0 0 0 0\n",
    },
    args: ["tem-simulator", "DIR/in.txt"],
    noOutputs: ["tiltseries.mrc", "tiltseries_nonoise.mrc", "simulator.log"],
  },
  {
    name: "engine: map particle truncated",
    kind: "engine",
    files: {
      "m.mrc": truncated,
      "in.txt": ENGINE_SIM(
        "=== particle p ===\nsource = map\nmap_file_re_in = m.mrc\nuse_imag_pot = no\nfamp = 0.1\n\n=== particleset ===\nparticle_type = p\nnum_particles = 1\nparticle_coords = file\ncoord_file_in = c.txt\n",
      ),
      "c.txt": "1 6\n0 0 0 0 0 0\n",
    },
    args: ["tem-simulator", "DIR/in.txt"],
    noOutputs: ["tiltseries.mrc", "tiltseries_nonoise.mrc", "simulator.log"],
  },
  {
    name: "engine: PDB particle without atoms",
    kind: "engine",
    files: {
      "p.pdb": "REMARK nothing here\nEND\n",
      "in.txt": ENGINE_SIM(
        "=== particle p ===\nsource = pdb\npdb_file_in = p.pdb\nvoxel_size = 0.5\n\n=== particleset ===\nparticle_type = p\nnum_particles = 1\nparticle_coords = file\ncoord_file_in = c.txt\n",
      ),
      "c.txt": "1 6\n0 0 0 0 0 0\n",
    },
    args: ["tem-simulator", "DIR/in.txt"],
    noOutputs: ["tiltseries.mrc", "tiltseries_nonoise.mrc", "simulator.log"],
  },
  {
    name: "engine: 10000² detector with padding 1000",
    kind: "engine",
    files: {
      "in.txt": ENGINE_SIM(
        "",
        (s) =>
          s.replace(/det_pix_x = 32/g, "det_pix_x = 10000\npadding = 1000").replace(
            /det_pix_y = 32/g,
            "det_pix_y = 10000",
          ),
      ),
    },
    args: ["tem-simulator", "DIR/in.txt"],
    noOutputs: ["tiltseries.mrc", "tiltseries_nonoise.mrc", "simulator.log"],
  },
  {
    name: "engine: 200000 tilts",
    kind: "engine",
    files: { "in.txt": ENGINE_SIM("", (s) => s.replace("ntilts = 3", "ntilts = 200000")) },
    args: ["tem-simulator", "DIR/in.txt"],
    noOutputs: ["tiltseries.mrc", "tiltseries_nonoise.mrc", "simulator.log"],
  },
  // ---- a real generate (it re-runs itself under scoped grants): sizes checked before
  {
    name: "generate with a PDB of huge extent",
    kind: "pdb",
    child: true,
    keys: { model: '"model.pdb"' },
    files: {
      "model.pdb": PDB.replace("  11.104   6.134  -6.504", "-9999.00-9999.00-9999.0")
        .replace("  13.149   5.909  -5.148", "99999.0099999.0099999.0"),
    },
    args: ["generate", "-i", "DIR/config.yaml"],
  },
  {
    name: "generate with num_stacks 10^7",
    kind: "config",
    child: true,
    keys: { num_stacks: "10000000" },
    args: ["generate", "-i", "DIR/config.yaml"],
  },
  // ---- locks (a live holder: this process)
  {
    name: "second generate on a locked root",
    kind: "lock",
    child: true,
    keys: { root: '"root"' },
    args: ["generate", "-i", "DIR/config.yaml"],
    before: async (dir) => {
      await Deno.mkdir(`${dir}/root`);
      await Deno.writeTextFile(
        `${dir}/root/.ets.lock`,
        JSON.stringify({ host: Deno.hostname(), pid: Deno.pid, started: "2026-01-01T00:00:00Z" }),
      );
    },
  },
  {
    name: "whole run beside a running shard",
    kind: "lock",
    child: true,
    keys: { root: '"root"' },
    args: ["generate", "-i", "DIR/config.yaml"],
    before: async (dir) => {
      await Deno.mkdir(`${dir}/root`);
      await Deno.writeTextFile(
        `${dir}/root/.ets.shard-1.lock`,
        JSON.stringify({ host: Deno.hostname(), pid: Deno.pid, started: "2026-01-01T00:00:00Z" }),
      );
    },
  },
  {
    name: "second copy of a running shard",
    kind: "lock",
    child: true,
    keys: { root: '"root"' },
    args: ["generate", "-i", "DIR/config.yaml", "--shard", "0/2"],
    before: async (dir) => {
      await Deno.mkdir(`${dir}/root`);
      await Deno.writeTextFile(
        `${dir}/root/.ets.shard-0.lock`,
        JSON.stringify({ host: Deno.hostname(), pid: Deno.pid, started: "2026-01-01T00:00:00Z" }),
      );
    },
  },
];

/** Writes the base project and the case's changes into `dir`. */
async function writeCase(dir: string, c: BadCase): Promise<void> {
  let sim = SIM;
  for (const [find, replace] of c.sim ?? []) sim = sim.replace(find, replace);
  await Deno.writeTextFile(`${dir}/sim.txt`, sim);
  await Deno.writeTextFile(`${dir}/coord.txt`, COORD);
  await writeMap(`${dir}/particle.mrc`, 8, (i) => (i % 7) / 7);
  await writeMap(`${dir}/bead.mrc`, 8, (i) => (i === 292 ? 1 : 0));
  const keys = { root: '"root"', ...BASE, ...c.keys };
  const custom = c.custom ?? { use_common_model: "true" };
  await Deno.writeTextFile(`${dir}/config.yaml`, c.yaml ?? yamlOf(keys, custom));
  for (const [name, content] of Object.entries(c.files ?? {})) {
    const path = `${dir}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await content(path);
  }
  await c.before?.(dir);
}

/** Every path under `dir` (relative), sorted. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string, prefix: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(at)];
    } catch {
      return;
    }
    for (const entry of entries) {
      out.push(prefix + entry.name);
      if (entry.isDirectory) walk(`${at}/${entry.name}`, `${prefix}${entry.name}/`);
    }
  };
  walk(dir, "");
  return out.sort();
}

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Runs `ets` as a child process; stderr lines. */
async function runChild(args: string[]): Promise<{ code: number; stderr: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-worker-options", "--quiet", MAIN, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).split("\n").filter((l) => l.trim() !== "");
  return { code: out.code, stderr };
}

/** Runs the CLI with stdout dropped and stderr captured. */
async function runCaptured(args: string[]): Promise<{ code: number; stderr: string[] }> {
  const captured: string[] = [];
  const { error, log, warn } = console;
  const write = process.stderr.write;
  const writeOut = process.stdout.write;
  console.error = (...parts: unknown[]) => captured.push(parts.map(String).join(" ") + "\n");
  console.log = () => {};
  console.warn = (...parts: unknown[]) => captured.push(parts.map(String).join(" ") + "\n");
  process.stderr.write = ((chunk: unknown) => (captured.push(String(chunk)), true)) as never;
  process.stdout.write = (() => true) as never;
  let code: number;
  try {
    code = await runCli(args);
  } finally {
    Object.assign(console, { error, log, warn });
    process.stderr.write = write;
    process.stdout.write = writeOut;
  }
  const stderr = captured.join("").split("\n").filter((line) => line.trim() !== "");
  return { code, stderr };
}

interface Outcome {
  name: string;
  kind: string;
  ok: boolean;
  why: string;
}

const outcomes: Outcome[] = [];

Deno.test({
  name: "bad input: each case exits 2 with one line and writes nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const base = await Deno.makeTempDir({ prefix: "ets-bad-input-" });
    try {
      // control: the base project is valid
      const control = `${base}/control`;
      await Deno.mkdir(control);
      await writeCase(control, { name: "control", kind: "config" });
      const good = await runCaptured(["validate", "-i", `${control}/config.yaml`]);
      assertEquals([good.code, good.stderr], [0, []], "the base project validates");

      for (const [index, c] of CASES.entries()) {
        const dir = `${base}/case${index}`;
        await Deno.mkdir(dir);
        await writeCase(dir, c);
        const before = listing(`${dir}/root`);
        const args = (c.args ?? ["validate", "-i", "DIR/config.yaml"]).map((arg) =>
          arg.replace("DIR", dir)
        );
        const { code, stderr } = c.child ? await runChild(args) : await runCaptured(args);
        const after = listing(`${dir}/root`);
        const outputs = (c.noOutputs ?? []).filter((name) => {
          try {
            Deno.statSync(`${dir}/${name}`);
            return true;
          } catch {
            return false;
          }
        });
        const problems: string[] = [];
        if (code !== 2) problems.push(`exit ${code}`);
        if (stderr.length !== 1) problems.push(`${stderr.length} stderr lines`);
        if (after.join() !== before.join()) problems.push(`wrote ${after.join(", ")}`);
        if (outputs.length > 0) problems.push(`wrote ${outputs.join(", ")}`);
        const ok = problems.length === 0;
        outcomes.push({
          name: c.name,
          kind: c.kind,
          ok,
          why: `${problems.join("; ")} | ${stderr.join(" / ")}`,
        });
        await t.step({
          name: `${c.kind}: ${c.name}`,
          fn: () => {
            assertEquals(problems, [], stderr.join("\n"));
          },
        });
      }
    } finally {
      await Deno.remove(base, { recursive: true });
      const passed = outcomes.filter((o) => o.ok).length;
      console.log(
        `bad-input suite: ${passed} of ${outcomes.length} cases end in exit 2 + one line + nothing written`,
      );
      const verbose = Deno.env.get("ETS_BAD_INPUT_VERBOSE") === "1";
      for (const o of outcomes.filter((o) => verbose || !o.ok)) {
        console.log(`  ${o.ok ? "ok" : "FAIL"} ${o.kind}: ${o.name}: ${o.why}`);
      }
    }
  },
});

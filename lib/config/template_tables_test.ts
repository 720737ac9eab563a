import { EtsError } from "../errors/mod.ts";
import { writeMrc } from "../mrc/mod.ts";
import { assertEquals, assertMatch, assertRejects, assertThrows } from "../testing/mod.ts";
import { SimTemplate } from "./sim_template.ts";
import {
  checkTemplateFile,
  checkTemplateFiles,
  MAX_SET_PARTICLES,
  templateFiles,
} from "./template_tables.ts";

const HEAD = `=== simulation ===
generate_micrographs = yes

=== geometry ===
gen_tilt_data = yes
ntilts = 3
geom_errors = file
error_file_in = errors.txt

=== electronbeam ===
gen_dose = yes
dose_file_in = unused_dose.txt

=== optics ===
gen_defocus = yes
`;

const PARTICLES = `
=== particle used ===
source = map
map_file_re_in = re.mrc
map_file_im_in = im.mrc

=== particle pdb ===
source = pdb
pdb_file_in = p.pdb
pdb_transf_file_in = transf.txt
voxel_size = 0.5

=== particle idle ===
source = map
map_file_re_in = idle.mrc

=== particleset ===
particle_type = used
particle_coords = file
num_particles = 2
coord_file_in = coord.txt

=== particleset ===
particle_type = pdb
particle_coords = random
where = volume
num_particles = 1
`;

const PDB = [
  "ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N",
  "ATOM      2  CA  ALA A   1      11.639   6.071  -5.147  1.00  0.00           C",
  "END",
  "",
].join("\n");

const where = (dir: string) => ({ fileName: "sim.txt", path: `${dir}/sim.txt` });

Deno.test("template files: only the files the engine reads, with their template lines", () => {
  const files = templateFiles(new SimTemplate(HEAD + PARTICLES), where("/data"));
  assertEquals(
    files.map((file) => [file.key, file.section, file.templateLine, file.path, file.check.kind]),
    [
      ["error_file_in", "geometry", 8, "/data/errors.txt", "table"],
      ["coord_file_in", "particleset", 36, "/data/coord.txt", "table"],
      ["map_file_re_in", "particle used", 19, "/data/re.mrc", "map"],
      ["map_file_im_in", "particle used", 20, "/data/im.mrc", "map"],
      ["pdb_file_in", "particle pdb", 24, "/data/p.pdb", "atomic model"],
      ["pdb_transf_file_in", "particle pdb", 25, "/data/transf.txt", "table"],
    ],
  );
  assertEquals(files[1]?.check, {
    kind: "table",
    table: "coordinate",
    rows: { count: 2, why: "num_particles = 2 at line 35" },
  });
  // writing particle maps makes the engine read every particle, the idle one too
  const maps = templateFiles(
    new SimTemplate(HEAD.replace("yes\n", "yes\ngenerate_particle_maps = yes\n") + PARTICLES),
    where("/data"),
  );
  assertEquals(maps.some((file) => file.path === "/data/idle.mrc"), true);
  // gen_dose = no and gen_tilt_data = no bring their tables in; use_imag_pot = no drops im
  const tables = templateFiles(
    new SimTemplate(
      HEAD.replace("gen_dose = yes", "gen_dose = no").replace(
        "gen_tilt_data = yes",
        "gen_tilt_data = no\ngeom_file_in = /abs/geom.txt",
      ) + PARTICLES.replace("map_file_im_in = im.mrc", "use_imag_pot = no"),
    ),
    where("/data"),
  );
  assertEquals(
    tables.map((file) => file.path).slice(0, 4),
    ["/abs/geom.txt", "/data/errors.txt", "/data/unused_dose.txt", "/data/coord.txt"],
  );
  assertEquals(tables.some((file) => file.key === "map_file_im_in"), false);
});

Deno.test("template files: parameters the checks depend on are checked at their line", () => {
  const bad = (text: string) =>
    assertThrows(() => templateFiles(new SimTemplate(text), where("/d")), EtsError).oneLine;
  assertEquals(
    bad(HEAD + PARTICLES.replace("num_particles = 2", "num_particles = 2.5")),
    'Cannot read "sim.txt": line 35: "num_particles" must be an integer from 0 to 1000000, got "2.5"',
  );
  assertMatch(
    bad(
      HEAD +
        PARTICLES.replace(
          "source = map\nmap_file_re_in = re.mrc",
          "source = map\nmap_file_format = raw\nmap_file_re_in = re.mrc",
        ),
    ),
    /^Cannot read "sim.txt": line 19: "map_file_format = raw" needs "nx", "ny" and "nz"/,
  );
});

/** A folder holding the template's files, all valid. */
async function validFiles(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ets-template-tables-" });
  await Deno.writeTextFile(`${dir}/sim.txt`, HEAD + PARTICLES);
  await Deno.writeTextFile(
    `${dir}/errors.txt`,
    "# rot axis ang x y\n3 5\n0 0 0 0 0\n1 2 3 4 5\n0 0 0 0 0\n",
  );
  await Deno.writeTextFile(`${dir}/coord.txt`, "2 6\n0 0 0 10 20 30\n5 5 5 -350 0 360\n");
  await Deno.writeTextFile(`${dir}/transf.txt`, "3 4\n1 0 0 5\n0 1 0 6\n0 0 1 7\n");
  await Deno.writeTextFile(`${dir}/p.pdb`, PDB);
  const data = new Float32Array(4 * 5 * 6).fill(0.5);
  await writeMrc(`${dir}/re.mrc`, 4, 5, 6, data, { voxelSize: 5 });
  await writeMrc(`${dir}/im.mrc`, 4, 5, 6, data, { voxelSize: 5 });
  return dir;
}

Deno.test("template files: valid files are read and give the voxels the engine loads", async () => {
  const dir = await validFiles();
  try {
    const files = templateFiles(new SimTemplate(HEAD + PARTICLES), where(dir));
    const voxels = await checkTemplateFiles(files, where(dir), 3);
    // two 4x5x6 maps, then the PDB's potential box at 0.5 nm
    assertEquals(voxels.slice(0, 2), [120, 120]);
    assertEquals(voxels.length, 3);
    const coord = await checkTemplateFile(files[1]!, where(dir), 3);
    assertEquals(coord.table?.rowLines, [2, 3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("template files: each problem is one line with file, line, key and what is allowed", async () => {
  const dir = await validFiles();
  try {
    const files = templateFiles(new SimTemplate(HEAD + PARTICLES), where(dir));
    const failure = async (name: string, text: string | Uint8Array, tilts = 3) => {
      if (typeof text === "string") await Deno.writeTextFile(`${dir}/${name}`, text);
      else await Deno.writeFile(`${dir}/${name}`, text);
      const error = await assertRejects(
        () => checkTemplateFiles(files, where(dir), tilts),
        EtsError,
      );
      assertEquals(error.kind, "input");
      return error;
    };
    let error = await failure("errors.txt", "3 5\n0 0 0 0 0\n0 0 400 0 0\n0 0 0 0 0\n");
    assertEquals(
      error.oneLine,
      'Cannot read geometry-error table "errors.txt": line 3: column 3 (ang) is 400 degrees; ' +
        'allowed: from -360 to 360; named by "error_file_in" at sim.txt line 8',
    );
    assertEquals([error.line, error.key, error.file], [3, "error_file_in", `${dir}/errors.txt`]);
    error = await failure("errors.txt", "2 5\n0 0 0 0 0\n0 0 0 0 0\n");
    assertMatch(
      error.oneLine,
      /it has 2 row\(s\), needs 3 \(one per tilt, the series has 3 tilts\)/,
    );
    await Deno.writeTextFile(`${dir}/errors.txt`, "3 5\n0 0 0 0 0\n0 0 0 0 0\n0 0 0 0 0\n");
    error = await failure("coord.txt", "1 6\n0 0 0 0 0 0\n");
    assertMatch(
      error.oneLine,
      /needs 2 \(num_particles = 2 at line 35\); named by "coord_file_in"/,
    );
    error = await failure("coord.txt", new Uint8Array([49, 32, 54, 10, 0, 0]));
    assertMatch(
      error.oneLine,
      /coordinate table "coord.txt": it is not a text file \(it holds NUL/,
    );
    error = await failure("coord.txt", "2 6\n0 0 0 0 0 0\n0 0 0 \u001b[2J 0 0\n");
    assertEquals(
      error.oneLine,
      'Cannot read coordinate table "coord.txt": line 3: column 4: "\\u001b[2J" is not a number ' +
        "(allowed: a finite decimal number such as 12, -0.5 or 1.5e3); " +
        'named by "coord_file_in" at sim.txt line 36',
    );
    const many = MAX_SET_PARTICLES + 1;
    const unbounded = templateFiles(
      new SimTemplate(HEAD + PARTICLES.replace("num_particles = 2\n", "")),
      where(dir),
    );
    await Deno.writeTextFile(`${dir}/coord.txt`, `${many} 3\n${"0 0 0\n".repeat(many)}`);
    error = await assertRejects(() => checkTemplateFiles(unbounded, where(dir), 3), EtsError);
    assertMatch(error.oneLine, /it has 1000001 rows and "num_particles" is not set/);
    await Deno.writeTextFile(`${dir}/coord.txt`, "2 6\n0 0 0 0 0 0\n0 0 0 0 0 0\n");
    error = await failure("transf.txt", "2 4\n1 0 0 5\n0 1 0 6\n");
    assertMatch(error.oneLine, /3 rows per matrix, got 2 rows; named by "pdb_transf_file_in"/);
    await Deno.writeTextFile(`${dir}/transf.txt`, "1 6\n0 0 0 10 20 30\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("template files: maps, raw maps, models, folders and devices", async () => {
  const dir = await validFiles();
  try {
    const check = async (particle: string, files: Record<string, string | Uint8Array>) => {
      const text = `${HEAD}\n=== particle p ===\n${particle}\n\n=== particleset ===\n` +
        "particle_type = p\nparticle_coords = random\nwhere = volume\nnum_particles = 1\n";
      for (const [name, content] of Object.entries(files)) {
        await Deno.mkdir(`${dir}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true });
        if (typeof content === "string") await Deno.writeTextFile(`${dir}/${name}`, content);
        else await Deno.writeFile(`${dir}/${name}`, content);
      }
      const listed = templateFiles(new SimTemplate(text), where(dir));
      return await checkTemplateFiles(listed, where(dir), 3);
    };
    const raw = "source = map\nmap_file_format = raw\nnx = 2\nny = 2\nnz = 2\nuse_imag_pot = no\n" +
      "map_file_re_in = m.raw";
    const values = new Float32Array(8).fill(1);
    assertEquals(await check(raw, { "m.raw": new Uint8Array(values.buffer) }), [8]);
    values[5] = NaN;
    let error = await assertRejects(
      () => check(raw, { "m.raw": new Uint8Array(values.buffer) }),
      EtsError,
    );
    assertMatch(error.oneLine, /^Cannot read raw map "m.raw": it has 1 NaN and 0 infinite value/);
    error = await assertRejects(
      () => check(raw.replace("m.raw", "adir"), { "adir/x": "x" }),
      EtsError,
    );
    assertMatch(
      error.oneLine,
      /raw map "adir": it is a folder, not a file; named by "map_file_re_in"/,
    );
    error = await assertRejects(
      () => check("source = pdb\npdb_file_in = /dev/null", {}),
      EtsError,
    );
    assertMatch(error.oneLine, /atomic model "\/dev\/null": it is not a regular file/);
    error = await assertRejects(
      () => check("source = map\nmap_file_re_in = re.mrc\nmap_file_im_in = none.mrc", {}),
      EtsError,
    );
    assertMatch(
      error.oneLine,
      /^Cannot read map "none.mrc": no such file; named by "map_file_im_in"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

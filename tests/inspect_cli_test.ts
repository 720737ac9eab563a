/**
 * End-to-end: `ets inspect FILE.mrc [--png OUT.png] [--series|--volume]`: the report, the montage
 * PNG (decoded with fast-png: size, non-constant content, where things are), and bad input.
 */
import { writeMrc } from "../lib/mrc/mod.ts";
import { decodePng } from "../lib/preview/mod.ts";
import { assert, assertEquals, sharedPath } from "../lib/testing/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const REF = sharedPath("reference/tem-simulator/map_particles");

async function ets(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

function pixel(png: ReturnType<typeof decodePng>, x: number, y: number): number[] {
  const i = (y * png.width + x) * png.channels;
  return Array.from(png.data.subarray(i, i + png.channels));
}

function spread(png: ReturnType<typeof decodePng>, x0: number, y0: number, w: number, h: number) {
  let min = 255, max = 0;
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const v = pixel(png, x, y)[0]!;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  return max - min;
}

Deno.test("inspect a TEM-Simulator tilt series: report and montage of 11 tilts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_inspect_" });
  try {
    const out = `${dir}/montage.png`;
    const run = await ets(["inspect", `${REF}/tiltseries_nonoise.mrc`, "--png", out]);
    assertEquals(run.code, 0, run.stderr);
    assert(run.stdout.includes("Size:            256 x 256 x 11"));
    assert(run.stdout.includes("Mode:            2 (float32), little-endian"));
    assert(run.stdout.includes("Voxel size (A):  2.8302 2.8302 2.8302"));
    assert(run.stdout.includes("Tilt angles:     11, from -50 to 50 deg"));
    assert(
      run.stdout.includes("Shown as:        tilt series (tilt angles in the extended header)"),
    );
    assert(
      /Statistics:\s+min 5119282 {2}max 8290236.5 {2}mean 6593673\.\d+ {2}sd 309228\.\d+/.test(
        run.stdout,
      ),
    );
    const rows = run.stdout.split("\n").filter((l) => /^\s+\d+\s+-?\d+\.\d\d\s/.test(l));
    assertEquals(rows.length, 11);
    assert(rows[0]!.trim().startsWith("0  -50.00"));
    assert(rows[10]!.trim().startsWith("10   50.00"));
    const png = decodePng(await Deno.readFile(out));
    // 4 columns × 3 rows of 256² tiles, 6 px gaps, 22 px label bands (2× font)
    assertEquals([png.width, png.height, png.channels, png.depth], [1054, 858, 3, 8]);
    // every tile has contrast; the empty 12th cell is flat background
    for (let i = 0; i < 11; i++) {
      const x = 6 + (i % 4) * 262, y = 6 + Math.floor(i / 4) * 284;
      assert(spread(png, x, y, 256, 256) > 200, `tile ${i} is flat`);
      assert(spread(png, x, y + 258, 120, 16) > 150, `tile ${i} has no label`);
    }
    assertEquals(spread(png, 6 + 3 * 262, 6 + 2 * 284, 256, 256), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("inspect a volume: central XY/XZ/YZ slices; --series overrides; ISPG 0 stack", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_inspect_" });
  try {
    const nx = 48, ny = 40, nz = 24;
    const data = new Float32Array(nx * ny * nz);
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++) {
          // a gradient along z plus a bright ball off the centre in x
          const ball = (x - 34) ** 2 + (y - 20) ** 2 + (z - 12) ** 2 < 36 ? 100 : 0;
          data[(z * ny + y) * nx + x] = z + ball;
        }
      }
    }
    const volume = `${dir}/vol.mrc`;
    await writeMrc(volume, nx, ny, nz, data, { voxelSize: 5 });
    const out = `${dir}/vol.png`;
    const run = await ets(["inspect", volume, "--png", out]);
    assertEquals(run.code, 0, run.stderr);
    assert(run.stdout.includes("Shown as:        volume (ISPG 1 (volume))"));
    assert(run.stdout.includes("Space group:     1"));
    assert(!run.stdout.includes("section   angle"));
    const png = decodePng(await Deno.readFile(out));
    // 3 panels of up to 48×40 side by side, 6 px gaps, 13 px label band (1× font)
    assertEquals([png.width, png.height], [168, 65]);
    // XY (z = 12): the ball is bright at x = 34, the background at x = 5 is dark
    assert(pixel(png, 6 + 34, 6 + 39 - 20)[0]! > 200);
    assert(pixel(png, 6 + 5, 6 + 39 - 20)[0]! < 60);
    // XZ (y = 20) at x = 5: z grows upwards in the picture
    const xz = (z: number) => pixel(png, 60 + 5, 6 + 23 - z)[0]!;
    assert(xz(22) > xz(12) && xz(12) > xz(2), `XZ column ${xz(2)} ${xz(12)} ${xz(22)}`);
    // YZ (x = 24): the ball is not there, so only the gradient
    const yz = (z: number) => pixel(png, 114 + 10, 6 + 23 - z)[0]!;
    assert(yz(22) > yz(2));
    // forced series: 24 tiles of 48×40 in a 5×5 grid
    const forced = await ets(["inspect", volume, "--series", "--png", `${dir}/series.png`]);
    assertEquals(forced.code, 0, forced.stderr);
    assert(forced.stdout.includes("Shown as:        tilt series (--series given)"));
    assertEquals(forced.stdout.split("\n").filter((l) => /^\s+\d+\s+-\s/.test(l)).length, 24);
    const grid = decodePng(await Deno.readFile(`${dir}/series.png`));
    assertEquals([grid.width, grid.height], [6 + 5 * 54, 6 + 5 * (40 + 13 + 6)]);
    // an image stack (ISPG 0) without angles is a series
    const stack = `${dir}/stack.mrc`;
    await writeMrc(stack, nx, ny, nz, data, { voxelSize: 5, imageStack: true });
    const s = await ets(["inspect", stack]);
    assertEquals(s.code, 0, s.stderr);
    assert(s.stdout.includes("Shown as:        tilt series (ISPG 0 (image stack))"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("inspect: bad input exits 2 with one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_inspect_" });
  try {
    const missing = await ets(["inspect", `${dir}/none.mrc`]);
    assertEquals(missing.code, 2);
    assertEquals(missing.stderr.trim().split("\n").length, 1);
    assert(missing.stderr.includes(`Cannot read "${dir}/none.mrc"`));
    const both = await ets(["inspect", `${REF}/tiltseries.mrc`, "--series", "--volume"]);
    assertEquals(both.code, 2);
    const ext = await ets(["inspect", `${REF}/tiltseries.mrc`, "--png", `${dir}/x.jpg`]);
    assertEquals(ext.code, 2);
    assert(ext.stderr.includes("must end in .png"));
    const stretch = await ets(["inspect", `${REF}/tiltseries.mrc`, "--stretch", "99:1"]);
    assertEquals(stretch.code, 2);
    await Deno.writeTextFile(`${dir}/junk.mrc`, "not an MRC file");
    const junk = await ets(["inspect", `${dir}/junk.mrc`]);
    assertEquals(junk.code, 2, junk.stderr);
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assertEquals(names, ["junk.mrc"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

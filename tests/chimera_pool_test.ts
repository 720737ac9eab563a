/**
 * The Chimera server pool end to end: two embedded servers started by running main.ts
 * (`chimera-server`), ETSimulations' basic particle and a T4SS-like composite particle checked
 * against expectations computed here, a server SIGKILLed in the middle of a batch, a server that
 * does not answer in time, and a failing command.
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../lib/testing/mod.ts";
import { decodeMrc, encodeMrc } from "../lib/mrc/mod.ts";
import { ChimeraPool, type ChimeraPoolOptions } from "../lib/chimera/mod.ts";
import { EtsError } from "../lib/errors/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

function launcher(dir: string) {
  return {
    command: Deno.execPath(),
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      MAIN,
    ],
  };
}

async function startPool(dir: string, options: Partial<ChimeraPoolOptions>): Promise<ChimeraPool> {
  return await ChimeraPool.start({
    servers: 1,
    shards: 1,
    allowDirs: [dir],
    launcher: launcher(dir),
    startTimeoutMs: 60_000,
    ...options,
  });
}

// ---- an independent model of the expected maps -----------------------------------------------

type M = number[]; // 3×4 row-major

const mul = (a: M, b: M): M => {
  const out: M = new Array(12).fill(0);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      out[4 * r + c] = a[4 * r]! * b[c]! + a[4 * r + 1]! * b[4 + c]! + a[4 * r + 2]! * b[8 + c]! +
        (c === 3 ? a[4 * r + 3]! : 0);
    }
  }
  return out;
};
const rad = (d: number) => d * Math.PI / 180;
const rotX = (d: number): M => {
  const c = Math.cos(rad(d)), s = Math.sin(rad(d));
  return [1, 0, 0, 0, 0, c, -s, 0, 0, s, c, 0];
};
const rotY = (d: number): M => {
  const c = Math.cos(rad(d)), s = Math.sin(rad(d));
  return [c, 0, s, 0, 0, 1, 0, 0, -s, 0, c, 0];
};
const rotZ = (d: number): M => {
  const c = Math.cos(rad(d)), s = Math.sin(rad(d));
  return [c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0];
};
const shift = (x: number, y: number, z: number): M => [1, 0, 0, x, 0, 1, 0, y, 0, 0, 1, z];
const I: M = shift(0, 0, 0);
/** Inverse of a rigid transform (transpose the rotation). */
const inv = (m: M): M => {
  const r = [m[0]!, m[4]!, m[8]!, m[1]!, m[5]!, m[9]!, m[2]!, m[6]!, m[10]!];
  const t = [m[3]!, m[7]!, m[11]!];
  return [
    r[0]!,
    r[1]!,
    r[2]!,
    -(r[0]! * t[0]! + r[1]! * t[1]! + r[2]! * t[2]!),
    r[3]!,
    r[4]!,
    r[5]!,
    -(r[3]! * t[0]! + r[4]! * t[1]! + r[5]! * t[2]!),
    r[6]!,
    r[7]!,
    r[8]!,
    -(r[6]! * t[0]! + r[7]! * t[1]! + r[8]! * t[2]!),
  ];
};
const apply = (m: M, p: number[]): number[] =>
  [0, 1, 2].map((r) =>
    m[4 * r]! * p[0]! + m[4 * r + 1]! * p[1]! + m[4 * r + 2]! * p[2]! + m[4 * r + 3]!
  );

interface Map3 {
  size: number[];
  origin: number[];
  step: number;
  data: Float32Array;
  P: M;
}

function makeMap(
  size: number[],
  origin: number[],
  step: number,
  f: (i: number, j: number, k: number) => number,
): Map3 {
  const data = new Float32Array(size[0]! * size[1]! * size[2]!);
  for (let k = 0; k < size[2]!; k++) {
    for (let j = 0; j < size[1]!; j++) {
      for (let i = 0; i < size[0]!; i++) data[(k * size[1]! + j) * size[0]! + i] = f(i, j, k);
    }
  }
  return { size, origin, step, data, P: I };
}

/** `x` as exact arithmetic would give it: values within round-off of an integer are integers. */
const exact = (x: number) => (Math.abs(x - Math.round(x)) < 1e-9 ? Math.round(x) : x);

/**
 * Trilinear value of `m` at the point `local` of a grid placed at `P`: 0 unless
 * 0 ≤ floor(u) ≤ n−2 on every axis (u in exact arithmetic).
 */
function sample(m: Map3, P: M, local: number[]): number {
  const q = apply(mul(inv(m.P), P), local);
  const u = q.map((x, a) => exact((x - m.origin[a]!) / m.step));
  const b = u.map(Math.floor);
  if (b.some((x, a) => x < 0 || x > m.size[a]! - 2)) return 0;
  let v = 0;
  for (let c = 0; c < 8; c++) {
    const d = [c & 1, (c >> 1) & 1, (c >> 2) & 1];
    let w = 1;
    for (let a = 0; a < 3; a++) w *= d[a] ? u[a]! - b[a]! : 1 - (u[a]! - b[a]!);
    const idx = ((b[2]! + d[2]!) * m.size[1]! + b[1]! + d[1]!) * m.size[0]! + b[0]! + d[0]!;
    v += w * m.data[idx]!;
  }
  return v;
}

/** vop add with the bounding grid on gv = maps[0] (spec §2.5). */
function vopAdd(maps: Map3[]): Map3 {
  const gv = maps[0]!;
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (const m of maps) {
    for (let c = 0; c < 8; c++) {
      const idx = [0, 1, 2].map((a) => ((c >> a) & 1 ? m.size[a]! - 0.5 : -0.5));
      const scene = apply(m.P, idx.map((x, a) => m.origin[a]! + x * m.step));
      const q = apply(inv(gv.P), scene);
      q.forEach((x, a) => {
        const u = (x - gv.origin[a]!) / gv.step;
        lo[a] = Math.min(lo[a]!, u);
        hi[a] = Math.max(hi[a]!, u);
      });
    }
  }
  const min = lo.map(Math.floor), max = hi.map(Math.ceil);
  const size = [0, 1, 2].map((a) => max[a]! - min[a]! + 1);
  const origin = [0, 1, 2].map((a) => gv.origin[a]! + min[a]! * gv.step);
  const out = makeMap(size, origin, gv.step, () => 0);
  out.P = gv.P;
  for (let k = 0; k < size[2]!; k++) {
    for (let j = 0; j < size[1]!; j++) {
      for (let i = 0; i < size[0]!; i++) {
        const local = [i, j, k].map((x, a) => origin[a]! + x * gv.step);
        let v = 0;
        for (const m of maps) v += sample(m, gv.P, local);
        out.data[(k * size[1]! + j) * size[0]! + i] = v;
      }
    }
  }
  return out;
}

async function writeMap(path: string, m: Map3): Promise<void> {
  await Deno.writeFile(
    path,
    encodeMrc(m.size[0]!, m.size[1]!, m.size[2]!, m.data, {
      voxelSize: m.step,
      origin: { x: m.origin[0]!, y: m.origin[1]!, z: m.origin[2]! },
    }),
  );
}

async function readMap(path: string) {
  const v = decodeMrc(await Deno.readFile(path), path);
  const h = v.header;
  return {
    size: [h.nx, h.ny, h.nz],
    origin: [h.origin.x, h.origin.y, h.origin.z],
    voxel: [h.voxelSize.x, h.voxelSize.y, h.voxelSize.z],
    data: v.data,
  };
}

// ---- the tests ---------------------------------------------------------------------------------

Deno.test("pool: two embedded servers assemble a basic and a T4SS-like particle", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-pool-" }));
  const pool = await startPool(dir, { servers: 2, shards: 3 });
  try {
    assertEquals(pool.serverPids().length, 2);
    for (const pid of pool.serverPids()) {
      // the token travels on stdin, not in the process list
      const args = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
      assert(args.includes("--token-stdin") && !args.includes("--token"), args.join(" "));
    }
    // (a) the basic particle
    const model = makeMap(
      [16, 16, 16],
      [-24, -24, -24],
      3,
      (i, j, k) => Math.sin(i + 2 * j + 3 * k) + 1,
    );
    await writeMap(`${dir}/model.mrc`, model);
    // (b) the composite particle's pieces
    const membrane = makeMap([36, 36, 6], [-70, -70, -10], 4, () => 1);
    const barrel = makeMap(
      [10, 10, 12],
      [-18, -18, -22],
      4,
      (i, j, k) => 1 + 0.1 * i + 0.2 * j + 0.05 * k,
    );
    const rod = makeMap([4, 4, 10], [-6, -6, -18], 4, (_i, _j, k) => 0.5 + 0.1 * k);
    await writeMap(`${dir}/membrane.mrc`, membrane);
    await writeMap(`${dir}/barrel.mrc`, barrel);
    await writeMap(`${dir}/rod.mrc`, rod);
    const ax = 10, ay = -15, d = 20, px = 8, py = -4;
    const tilts = [[3, -2], [-4, 5], [2, 2]];
    const k = tilts.length;
    const commands = [
      "shape sphere modelId #999",
      `open #108 ${dir}/membrane.mrc`,
      "vop scale #108 factor 1.500 modelId #98",
      "close #108",
      `open #1 ${dir}/barrel.mrc`,
      `turn x ${ax} models #1 center 0,0,0 coordinateSystem #98`,
      `turn y ${ay} models #1 center 0,0,0 coordinateSystem #98`,
      "move 0,0,-43 models #1 coordinateSystem #98",
    ];
    for (let i = 0; i < k; i++) {
      const r = i + 2, deg = 360 * i / k;
      const x = d * Math.cos(rad(deg)), y = d * Math.sin(rad(deg));
      commands.push(
        `open #${r} ${dir}/rod.mrc`,
        `turn z ${deg} models #${r} center 0,0,0 coordinateSystem #${r}`,
        `move ${x.toFixed(2)},${y.toFixed(2)},0 models #${r} coordinateSystem #98`,
        `turn x ${tilts[i]![0]} models #${r} center 0,0,0 coordinateSystem #${r}`,
        `turn y ${tilts[i]![1]} models #${r} center 0,0,0 coordinateSystem #${r}`,
      );
    }
    commands.push(
      `vop add #1-${k + 1} modelId #99`,
      `move ${px},${py},0 models #99 coordinateSystem #98`,
      "vop add #98-99 modelId #100",
      "vop scale #100 factor 3.000 modelId #101",
      "vop scale #100 shift 4.875 modelId #102",
      `volume #102 save ${dir}/t4ss.mrc`,
    );
    const [basic, composite, basicAgain] = await Promise.all([
      pool.runBatch(0, [`open #0 ${dir}/model.mrc`, `volume #0 save ${dir}/basic0.mrc`]),
      pool.runBatch(1, commands),
      pool.runBatch(2, [`open #0 ${dir}/model.mrc`, `volume #0 save ${dir}/basic2.mrc`]),
    ]);
    assertEquals(basic.length, 2);
    assertEquals(composite.length, commands.length);
    assertEquals(basicAgain.length, 2);

    // (a): the same grid and values
    for (const name of ["basic0", "basic2"]) {
      const saved = await readMap(`${dir}/${name}.mrc`);
      assertEquals(saved.size, [16, 16, 16]);
      assertEquals(saved.origin, [-24, -24, -24]);
      assertEquals(saved.voxel, [3, 3, 3]);
      assertEquals(saved.data, model.data);
    }

    // (b): expectation from the spec's rules, computed independently
    const m98 = { ...membrane, data: membrane.data.map((v) => v * 1.5) };
    const p1 = mul(shift(0, 0, -43), mul(rotY(ay), rotX(ax)));
    const pieces: Map3[] = [{ ...barrel, P: p1 }];
    for (let i = 0; i < k; i++) {
      const deg = 360 * i / k;
      const x = Number((d * Math.cos(rad(deg))).toFixed(2)),
        y = Number((d * Math.sin(rad(deg))).toFixed(2));
      const P = mul(
        mul(mul(shift(x, y, 0), mul(p1, rotZ(deg))), rotX(tilts[i]![0]!)),
        rotY(tilts[i]![1]!),
      );
      pieces.push({ ...rod, P });
    }
    const m99 = vopAdd(pieces);
    m99.P = mul(shift(px, py, 0), m99.P);
    const m100 = vopAdd([m98, m99]);
    const saved = await readMap(`${dir}/t4ss.mrc`);
    assertEquals(saved.size, m100.size);
    for (let a = 0; a < 3; a++) assertAlmostEquals(saved.origin[a]!, m100.origin[a]!, 1e-4);
    assertEquals(saved.voxel, [4, 4, 4]);
    let barrelVoxels = 0;
    for (let i = 0; i < saved.data.length; i++) {
      const expected = Math.fround(m100.data[i]! + 4.875);
      assertAlmostEquals(
        saved.data[i]!,
        expected,
        2e-4,
        `voxel ${i}: ${saved.data[i]} vs ${expected}`,
      );
      if (m100.data[i]! > 1.6) barrelVoxels++;
    }
    assert(barrelVoxels > 100, `the barrel and rods are in the particle (${barrelVoxels} voxels)`);
    assert(m100.size[2]! > 6, "the grid was extended below the membrane");

    // a failing command rejects with the server's message; the server stays usable
    const failure = await assertRejects(
      () => pool.runBatch(0, ["vop scale #5 factor 2"]),
      EtsError,
    );
    assertMatch(
      failure.message,
      /command 1 "vop scale #5 factor 2" failed: No volumes specified by "#5"/,
    );
    // batches start from an empty session (close session after every batch)
    const after = await pool.runBatch(2, ["volume #0 save x.mrc"]).catch((e: Error) => e.message);
    assertMatch(String(after), /No volumes specified by "#0"/);

    // END: a server shuts down when all of its shards ended
    await pool.endShard(1);
    assertEquals(pool.serverPids().length, 1);
    await pool.endShard(0);
    assertEquals(pool.serverPids().length, 1);
    await pool.endShard(2);
    assertEquals(pool.serverPids().length, 0);
    await assertRejects(() => pool.runBatch(0, ["version"]), EtsError, "has ended");
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A named pipe standing for an MRC file: a server's `open` of it blocks until the test writes
 * the map into it (`release`), so a batch is held mid-way for as long as the test needs, without
 * relying on a command being slow.
 */
async function gate(
  path: string,
): Promise<{ path: string; release(bytes: Uint8Array): Promise<void> }> {
  const made = await new Deno.Command("mkfifo", { args: [path], stderr: "piped" }).output();
  assert(made.success, `mkfifo: ${new TextDecoder().decode(made.stderr)}`);
  // writing blocks until a reader (the server's open) has the pipe open
  return { path, release: (bytes) => Deno.writeFile(path, bytes) };
}

/** Waits until `path` exists (an event the server causes); fails if `running` settles first. */
async function fileAppears(path: string, running: Promise<unknown>): Promise<void> {
  let settled = false;
  running.then(() => settled = true, () => settled = true);
  while (!(await Deno.stat(path).then(() => true, () => false))) {
    assert(!settled, `the batch ended before ${path} was written`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("pool: a server SIGKILLed in the middle of a batch is restarted and the batch replayed", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-pool-" }));
  const pool = await startPool(dir, {});
  try {
    const map = makeMap([24, 24, 24], [0, 0, 0], 2, (i, j, k) => (i * 7 + j * 3 + k) % 11);
    await writeMap(`${dir}/big.mrc`, map);
    const held = await gate(`${dir}/gate.mrc`);
    const batch = [
      `open #0 ${dir}/big.mrc`,
      `volume #0 save ${dir}/marker.mrc`,
      `open #5 ${held.path}`, // holds the batch here until released
      "vop scale #0 factor 2 modelId #1",
      `volume #1 save ${dir}/final.mrc`,
    ];
    const [victim] = pool.serverPids();
    assert(victim !== undefined);
    let finished = false;
    const running = pool.runBatch(0, batch).then((r) => {
      finished = true;
      return r;
    });
    await fileAppears(`${dir}/marker.mrc`, running);
    // the victim is past the marker and cannot pass the gate: it never saves the marker again
    await Deno.remove(`${dir}/marker.mrc`);
    assert(!finished, "the batch is still running when the server is killed");
    Deno.kill(victim, "SIGKILL");
    // the replacement replays the batch from its first command: the marker comes back
    await fileAppears(`${dir}/marker.mrc`, running);
    const [replacement] = pool.serverPids();
    assert(replacement !== undefined && replacement !== victim, "a new server was started");
    await held.release(encodeMrc(2, 2, 2, new Float32Array(8), { voxelSize: 2 }));
    const replies = await running;
    assertEquals(replies.length, batch.length);
    const final = await readMap(`${dir}/final.mrc`);
    assertEquals(final.size, [24, 24, 24]);
    assertEquals(final.data, map.data.map((v) => v * 2));
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pool: a server that does not answer in time is killed and restarted; then it gives up", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-pool-" }));
  const pool = await startPool(dir, { timeoutMs: 100, maxRestarts: 1 });
  try {
    // never released: the server cannot answer, however fast the machine
    const held = await gate(`${dir}/gate.mrc`);
    const first = pool.serverPids()[0];
    const error = await assertRejects(
      () => pool.runBatch(0, [`open #0 ${held.path}`, "vop gaussian #0 sDev 10 modelId #1"]),
      EtsError,
    );
    assertMatch(error.message, /failed 2 times; last: no answer within 0\.1 s/);
    assert(pool.serverPids()[0] !== first, "the server was replaced");
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
  assertEquals(pool.serverPids().length, 0);
});

Deno.test("pool: aborting its signal interrupts a batch and stops the servers", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-pool-" }));
  const controller = new AbortController();
  const pool = await startPool(dir, { signal: controller.signal });
  try {
    const map = makeMap([8, 8, 8], [0, 0, 0], 1, (i) => i);
    await writeMap(`${dir}/small.mrc`, map);
    const held = await gate(`${dir}/gate.mrc`); // never released
    const running = pool.runBatch(0, [
      `open #0 ${dir}/small.mrc`,
      `volume #0 save ${dir}/marker.mrc`,
      `open #1 ${held.path}`,
      "vop gaussian #0 sDev 10",
    ]);
    // abort while the batch is held mid-way
    await fileAppears(`${dir}/marker.mrc`, running);
    controller.abort({ signal: "SIGTERM" });
    const error = await assertRejects(() => running, EtsError);
    assertEquals(error.kind, "interrupted");
    assertEquals(error.signal, "SIGTERM");
    await pool.close(); // the same stop the abort started
    assertEquals(pool.serverPids(), []);
    await assertRejects(() => pool.runBatch(0, ["version"]), EtsError, "interrupted");
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The pool with an external program (`execPath`): a stand-in "Chimera 1" (a shell script that
 * runs our server as its child, as a real Chimera's launcher script runs its binary), a program
 * that never prints its port line, and one that exits first.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../lib/testing/mod.ts";
import { decodeMrc, encodeMrc } from "../lib/mrc/mod.ts";
import { ChimeraPool } from "../lib/chimera/mod.ts";
import { EtsError } from "../lib/errors/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function script(dir: string, name: string, body: string): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** The child processes of `pid` (Linux /proc). */
async function children(pid: number): Promise<number[]> {
  const text = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`).catch(() => "");
  return text.trim() === "" ? [] : text.trim().split(/\s+/).map(Number);
}

Deno.test("pool: a Chimera 1 program (--start RESTServer) drives a basic particle", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-chimera1-" }));
  try {
    // "chimera --start RESTServer": our server, run as a child, with the token the pool hands
    // external servers (ETS_CHIMERA_TOKEN; Chimera 1 itself ignores it and the bearer header)
    const chimera = await script(
      dir,
      "chimera",
      `[ "$1 $2" = "--start RESTServer" ] || exit 9\n` +
        `printf '%s\\n' "$ETS_CHIMERA_TOKEN" | "${Deno.execPath()}" run --quiet --no-prompt -A ` +
        `"${MAIN}" chimera-server --port 0 --token-stdin --allow-dir "${dir}" &\nwait`,
    );
    const data = new Float32Array(6 * 5 * 4).map((_, i) => i * 0.5);
    await Deno.writeFile(`${dir}/m.mrc`, encodeMrc(6, 5, 4, data, { voxelSize: 2 }));
    const pool = await ChimeraPool.start({
      servers: 1,
      shards: 2,
      allowDirs: [dir],
      execPath: chimera,
      startTimeoutMs: 60_000,
    });
    let pids: number[] = [];
    try {
      assertEquals(pool.backend, "chimera1");
      const [shell] = pool.serverPids();
      assert(shell !== undefined);
      pids = [shell, ...(await children(shell))];
      assertEquals(pids.length, 2, "the script and its server");
      const started = Date.now();
      const replies = await pool.runBatch(1, [
        `open #0 ${dir}/m.mrc`,
        `volume #0 save ${dir}/out.mrc`,
      ]);
      assertEquals(replies.length, 2);
      // ETSimulations' 0.5 s pause before "close" (here the trailing close session)
      assert(Date.now() - started >= 500, "waited before close session");
      assertEquals(decodeMrc(await Deno.readFile(`${dir}/out.mrc`)).data, data);
      await pool.endShard(0);
      await pool.endShard(1);
      assertEquals(pool.serverPids(), []);
    } finally {
      await pool.close();
    }
    for (const pid of pids) assert(!(await alive(pid)), `process ${pid} of the group is gone`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pool: a clear error when the port line never comes or the program exits", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-chimera1-" }));
  try {
    const silent = await script(dir, "chimera-silent", "echo starting up\nexec sleep 30");
    const slow = await assertRejects(
      () =>
        ChimeraPool.start({
          servers: 2,
          shards: 2,
          allowDirs: [dir],
          execPath: silent,
          startTimeoutMs: 300,
        }),
      EtsError,
    );
    assertMatch(
      slow.message,
      /Cannot start Chimera server \d .*no "REST server on host … port N" line within 0\.3 s/,
    );
    assertMatch(slow.message, /starting up/);
    const failing = await script(dir, "chimera-broken", "echo 'no display' >&2\nexit 3");
    const exited = await assertRejects(
      () => ChimeraPool.start({ servers: 1, shards: 1, allowDirs: [dir], execPath: failing }),
      EtsError,
    );
    assertMatch(
      exited.message,
      /exited with code 3 before printing its port; its last output:\nno display/,
    );
    const missing = await assertRejects(
      () => ChimeraPool.start({ servers: 1, shards: 1, allowDirs: [dir], execPath: `${dir}/nope` }),
      EtsError,
    );
    assertMatch(missing.message, /Cannot start Chimera server 1: cannot run/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../testing/mod.ts";
import { EtsError } from "../errors/mod.ts";
import { acquireRunLock, clearStaleLocks, lockPath, readLock, runningShards } from "./lock.ts";

/** A pid that is surely dead: a child that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

Deno.test("run lock: held by this run, refused to a second one with the holder, released", async () => {
  const root = await Deno.makeTempDir();
  try {
    const lock = await acquireRunLock(root, undefined);
    const holder = await readLock(lockPath(root));
    assertEquals(holder?.pid, Deno.pid);
    assert(typeof holder?.host === "string" && typeof holder?.started === "string");
    const error = await assertRejects(() => acquireRunLock(root, undefined), EtsError);
    assertEquals(error.kind, "input");
    assertStringIncludes(error.message, `pid ${Deno.pid}`);
    assertStringIncludes(error.message, "is in use by another ets run");
    // a shard of a root a whole run holds is refused too
    await assertRejects(() => acquireRunLock(root, { index: 0, count: 2 }), EtsError, "in use");
    await lock.release();
    assertEquals(await readLock(lockPath(root)), undefined);
    await (await acquireRunLock(root, undefined)).release();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("run lock: a stale lock (dead pid on this host) is taken over with a warning", async () => {
  const root = await Deno.makeTempDir();
  try {
    const pid = await deadPid();
    await Deno.writeTextFile(
      lockPath(root),
      JSON.stringify({ host: Deno.hostname(), pid, started: "2026-01-01T00:00:00Z" }),
    );
    const warnings: string[] = [];
    const lock = await acquireRunLock(root, undefined, { warn: (w) => warnings.push(w) });
    assertEquals(warnings.length, 1);
    assertStringIncludes(warnings[0]!, `pid ${pid}`);
    assertEquals((await readLock(lockPath(root)))?.pid, Deno.pid);
    await lock.release();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("run lock: shards lock separately; a lock of another host is never taken over", async () => {
  const root = await Deno.makeTempDir();
  try {
    const zero = await acquireRunLock(root, { index: 0, count: 2 });
    const one = await acquireRunLock(root, { index: 1, count: 2 });
    assertEquals([...(await runningShards(root)).keys()].sort(), [0, 1]);
    await assertRejects(() => acquireRunLock(root, undefined), EtsError, ".ets.shard-");
    await zero.release();
    assertEquals([...(await runningShards(root)).keys()], [1]);
    await one.release();
    const pid = await deadPid();
    await Deno.writeTextFile(
      lockPath(root),
      JSON.stringify({ host: "elsewhere-node-17", pid, started: "2026-01-01T00:00:00Z" }),
    );
    await assertRejects(() => acquireRunLock(root, undefined), EtsError, "host elsewhere-node-17");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("run lock: a requeued Slurm task takes over its own earlier attempt's lock, not another task's", async () => {
  const root = await Deno.makeTempDir();
  try {
    const shard = { index: 1, count: 3 };
    const earlier = { host: "node-a", pid: 4242, started: "2026-01-01T00:00:00Z", slurm: "77_1" };
    await Deno.writeTextFile(lockPath(root, shard), JSON.stringify(earlier));
    const other = { host: "node-b", pid: 99, started: "2026-01-02T00:00:00Z", slurm: "78_1" };
    await assertRejects(
      () => acquireRunLock(root, shard, { self: other }),
      EtsError,
      "host node-a, pid 4242",
    );
    const warnings: string[] = [];
    const again = { ...other, slurm: "77_1" };
    const lock = await acquireRunLock(root, shard, { self: again, warn: (w) => warnings.push(w) });
    assertStringIncludes(warnings[0] ?? "", "an earlier attempt of Slurm task 77_1");
    assertEquals((await readLock(lockPath(root, shard)))?.host, "node-b");
    await lock.release();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("run lock: clearStaleLocks removes dead holders' locks (whole run and shards), keeps live ones", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dead = { host: Deno.hostname(), pid: await deadPid(), started: "2026-01-01T00:00:00Z" };
    const live = { host: Deno.hostname(), pid: Deno.pid, started: "2026-01-01T00:00:00Z" };
    await Deno.writeTextFile(lockPath(root), JSON.stringify(dead));
    await Deno.writeTextFile(lockPath(root, { index: 1, count: 2 }), JSON.stringify(dead));
    await Deno.writeTextFile(lockPath(root, { index: 0, count: 2 }), JSON.stringify(live));
    const warnings: string[] = [];
    await clearStaleLocks(root, (message) => warnings.push(message));
    assertEquals(await readLock(lockPath(root)), undefined);
    assertEquals(await readLock(lockPath(root, { index: 1, count: 2 })), undefined);
    assertEquals((await readLock(lockPath(root, { index: 0, count: 2 })))?.pid, Deno.pid);
    assertEquals(warnings.length, 2);
    assertStringIncludes(warnings[0]!, `pid ${dead.pid}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/**
 * The pool's servers never outlive the program: SIGINT (cleanups) and SIGKILL of the program
 * (the servers see their stdin close) both end every server.
 */
import { assert, assertEquals } from "../lib/testing/mod.ts";

const DRIVER = new URL("./fixtures/chimera/pool_driver.ts", import.meta.url).pathname;

/** Whether a process exists and is not a zombie (Linux /proc). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function allGone(pids: number[], withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!(await Promise.all(pids.map(alive))).some((a) => a)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function startDriver(dir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", DRIVER, dir],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  await child.stdout.cancel();
  const pids = JSON.parse(text) as number[];
  assertEquals(pids.length, 2);
  for (const pid of pids) assert(await alive(pid), `server ${pid} runs`);
  return { child, pids };
}

for (const signal of ["SIGINT", "SIGKILL"] as const) {
  Deno.test(`pool: ${signal} to the program stops every server`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "ets-pool-exit-" });
    try {
      const { child, pids } = await startDriver(dir);
      child.kill(signal);
      const status = await child.status;
      if (signal === "SIGINT") assertEquals(status.code, 130);
      // an event wait: the servers exit when they see it; 60 s only guards against a hang
      assert(await allGone(pids, 60_000), `servers ${pids} stopped after ${signal}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

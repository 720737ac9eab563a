/**
 * The Chimera pool when its server cannot be reached over the loopback (the interface down, a
 * firewall): every batch fails with one line that names the loopback and the cause, not fetch's
 * bare "fetch failed". A stand-in server announces a port nobody listens on.
 */
import { assertMatch, assertRejects } from "../lib/testing/mod.ts";
import { ChimeraPool } from "../lib/chimera/mod.ts";
import { EtsError } from "../lib/errors/mod.ts";

/** A loopback port that was free a moment ago (bound, then closed). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("chimera pool: an unreachable loopback port fails with one clear line", async () => {
  const port = closedPort();
  const pool = await ChimeraPool.start({
    servers: 1,
    shards: 1,
    allowDirs: [],
    maxRestarts: 0,
    startTimeoutMs: 30_000,
    // reads the token line, announces the closed port, then waits for stdin to close
    launcher: {
      command: "sh",
      args: ["-c", `read t; echo "REST server on host 127.0.0.1 port ${port}"; cat >/dev/null`],
    },
  });
  try {
    const error = await assertRejects(() => pool.runBatch(0, ["version"]), EtsError);
    const line = (error as EtsError).oneLine;
    assertMatch(line, /cannot connect to 127\.0\.0\.1 port \d+ \(.*refused.*\)/i);
    assertMatch(line, /is the loopback interface \("lo"\) up\?/);
  } finally {
    await pool.close();
  }
});

/**
 * Children never reach the network or a module registry (issue #12): a full `ets generate` with
 * the embedded engine and the embedded Chimera servers, traced with `strace -f -e trace=connect`,
 * connects only to the loopback (the Chimera servers' REST port) and local sockets — no DNS, no
 * npm registry, no update check. Needs strace (`apt-get install strace`); required when CI=true.
 */
import { assert, assertEquals, findProgram } from "../lib/testing/mod.ts";
import { REPO, writeProject } from "./generate_test_helpers.ts";

const strace = await findProgram("strace");
const ci = (Deno.env.get("CI") ?? "") === "true";

/** The peer of each `connect(…)` line of an strace log: `AF_INET 127.0.0.1:PORT`, etc. */
function connectPeers(trace: string): string[] {
  const peers: string[] = [];
  for (const line of trace.split("\n")) {
    if (!/\bconnect\(/.test(line)) continue;
    const inet = /sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/
      .exec(line);
    const inet6 = /sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*inet_pton\(AF_INET6, "([^"]+)"/
      .exec(line);
    const unix = /sa_family=AF_UNIX, sun_path=("[^"]*"|@"[^"]*")/.exec(line);
    if (inet) peers.push(`AF_INET ${inet[2]}:${inet[1]}`);
    else if (inet6) peers.push(`AF_INET6 [${inet6[2]}]:${inet6[1]}`);
    else if (unix) peers.push(`AF_UNIX ${unix[1]}`);
    else peers.push(`other ${line.trim()}`);
  }
  return peers;
}

/** Whether a peer is the loopback or a local socket. */
function isLocal(peer: string): boolean {
  return /^AF_INET 127\./.test(peer) || /^AF_INET6 \[(::1|::ffff:127\.[0-9.]+)\]/.test(peer) ||
    peer.startsWith("AF_UNIX ");
}

Deno.test("sandbox: strace's peer parser tells loopback from the network", () => {
  const trace = [
    '12 connect(23, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.53")}, 16) = 0',
    '13 connect(7, {sa_family=AF_INET, sin_port=htons(40123), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS',
    '14 connect(9, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
    '15 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2606:4700::6810:1b22", &sin6_addr), sin6_scope_id=0}, 28) = 0',
  ].join("\n");
  const peers = connectPeers(trace);
  assertEquals(peers, [
    "AF_INET 10.0.0.53:53",
    "AF_INET 127.0.0.1:40123",
    'AF_UNIX "/var/run/nscd/socket"',
    "AF_INET6 [2606:4700::6810:1b22]:443",
  ]);
  assertEquals(peers.map(isLocal), [false, true, true, false]);
});

Deno.test({
  name: "sandbox: a full generate (embedded engine and Chimera) connects only to the loopback",
  ignore: !ci && (strace === undefined || Deno.build.os !== "linux"),
  fn: async () => {
    assert(strace !== undefined, "CI=true needs strace (apt-get install strace)");
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-sandbox-net-" }));
    const config = await writeProject(dir, { keys: { num_stacks: "2", num_cores: "2" } });
    const log = `${dir}/connect.trace`;
    const out = await new Deno.Command(strace, {
      args: [
        "-f",
        "-qq",
        "-e",
        "trace=connect",
        "-o",
        log,
        Deno.execPath(),
        "run",
        "-A",
        "--quiet",
        "--frozen",
        "--cached-only",
        `${REPO}/main.ts`,
        "generate",
        "-i",
        config,
        "--progress",
        "none",
      ],
      cwd: dir,
      env: { DENO_NO_UPDATE_CHECK: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const peers = connectPeers(await Deno.readTextFile(log));
    const outside = peers.filter((peer) => !isLocal(peer));
    assertEquals(outside, [], `connects beyond the loopback: ${outside.join("; ")}`);
    const loopback = peers.filter((peer) => peer.startsWith("AF_INET"));
    assert(loopback.length > 0, "the Chimera servers were reached over the loopback (traced)");
    console.log(
      `strace: ${peers.length} connect(s), ${loopback.length} to the loopback, 0 beyond it`,
    );
    await Deno.remove(dir, { recursive: true });
  },
});

/**
 * `ets chimera-server` as a process: the port line and silence, 401 without the token, Chimera 1's
 * replies, confinement to --allow-dir, FIFO requests (spec §5 rows 1-3, 31), SIGTERM.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../lib/testing/mod.ts";
import { encodeMrc } from "../lib/mrc/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const APP = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

interface Server {
  port: number;
  child: Deno.ChildProcess;
  /** The server's stdin (open with `tokenStdin`, closed otherwise). */
  stdin?: WritableStreamDefaultWriter<Uint8Array>;
  /** Everything after the first stdout line, and all of stderr, once the process ended. */
  rest: Promise<{ stdout: string; stderr: string }>;
}

/**
 * Starts `ets chimera-server` in `dir` with `--token token`, or with `--token-stdin
 * --exit-with-stdin` and `token` written to its stdin when `tokenStdin` is set.
 */
async function startServer(dir: string, token: string, tokenStdin = false): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      // the folder, and the app (commands run in a worker off the main thread)
      `--allow-read=${dir},${APP}`,
      `--allow-write=${dir}`,
      MAIN,
      "chimera-server",
      "--port",
      "0",
      ...(tokenStdin ? ["--token-stdin", "--exit-with-stdin"] : ["--token", token]),
      "--allow-dir",
      dir,
      "--log",
      `${dir}/server.log`,
    ],
    cwd: dir,
    stdin: tokenStdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdin = tokenStdin ? child.stdin.getWriter() : undefined;
  await stdin?.write(new TextEncoder().encode(`${token}\n`));
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const first = text.slice(0, text.indexOf("\n"));
  const m = first.match(/^REST server on host 127\.0\.0\.1 port (\d+)$/);
  assert(m !== null, `first line: ${JSON.stringify(first)}`);
  const rest = (async () => {
    let stdout = text.slice(first.length + 1);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += decoder.decode(value, { stream: true });
    }
    const stderr = decoder.decode(await new Response(child.stderr).arrayBuffer());
    return { stdout, stderr };
  })();
  return { port: Number(m[1]), child, stdin, rest };
}

async function get(port: number, query: string, init?: RequestInit) {
  const response = await fetch(`http://127.0.0.1:${port}${query}`, init);
  return { status: response.status, headers: response.headers, body: await response.text() };
}

function commandQuery(token: string, ...commands: string[]): string {
  const params = new URLSearchParams({ token });
  for (const c of commands) params.append("command", c);
  return `/run?${params}`;
}

Deno.test("chimera-server: protocol, token, confinement, FIFO, silence, SIGTERM", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-chimera-" }));
  const token = "s3cret-token";
  const data = new Float32Array(40 * 40 * 40).map((_, i) => i % 97);
  await Deno.writeFile(`${dir}/a.mrc`, encodeMrc(40, 40, 40, data, { voxelSize: 2 }));
  await Deno.symlink("/etc", `${dir}/etc-link`);
  const server = await startServer(dir, token);
  try {
    const { port } = server;
    // 401 without (or with a wrong) token, on every path
    assertEquals((await get(port, "/run?command=version")).status, 401);
    assertEquals((await get(port, "/run?command=version&token=nope")).status, 401);
    assertEquals((await get(port, "/foo")).status, 401);
    // the token as parameter or bearer header
    const ok = await get(port, commandQuery(token, "version"));
    assertEquals(ok.status, 200);
    assertEquals(ok.headers.get("content-type"), "text/plain; charset=utf-8");
    const bearer = await get(port, "/run?command=version", {
      headers: { authorization: `Bearer ${token}` },
    });
    assertEquals(bearer.status, 200);
    // rows 2-3
    assertEquals((await get(port, `/run?token=${token}`)).body, "command missing\n");
    assertEquals((await get(port, `/run?token=${token}&command=`)).body, "command missing\n");
    assertEquals((await get(port, `/foo?token=${token}`)).body, 'Bad path: "/foo"\n');
    // form POST, values appended after the query's
    const posted = await fetch(
      `http://127.0.0.1:${port}/run?token=${token}&command=open+%230+a.mrc`,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ command: "volume #0 save b.mrc" }),
      },
    );
    assertEquals(posted.status, 200);
    await posted.text();
    assert((await Deno.stat(`${dir}/b.mrc`)).isFile);
    // confinement: writes and reads outside --allow-dir are refused with an error line
    const refused = await get(port, commandQuery(token, "volume #0 save /etc/x.mrc", "version"));
    assertEquals(refused.status, 200);
    assertEquals(refused.headers.get("x-chimera-status"), "error");
    assertMatch(refused.body, /Cannot save "\/etc\/x\.mrc": outside the allowed folders/);
    assert(!refused.body.includes("Chimera 1 command subset"), "the rest was skipped");
    let exists = true;
    await Deno.stat("/etc/x.mrc").catch(() => exists = false);
    assert(!exists, "/etc/x.mrc was not written");
    for (
      const command of [
        "volume #0 save etc-link/x.mrc",
        "volume #0 save ../x.mrc",
        "open #3 /etc/hostname",
        "open #3 etc-link/hostname",
      ]
    ) {
      const reply = await get(port, commandQuery(token, command));
      assertMatch(reply.body, /outside the allowed folders/, command);
    }
    // row 31: concurrent requests run one after the other, in order
    const first = get(
      port,
      commandQuery(token, "open #5 a.mrc", "vop gaussian #5 sDev 3 modelId #6"),
    );
    await new Promise((r) => setTimeout(r, 5));
    const second = get(port, commandQuery(token, "vop scale #6 factor 2 modelId #7", "version"));
    const [r1, r2] = await Promise.all([first, second]);
    assertEquals(r1.headers.get("x-chimera-status"), "ok");
    assertEquals(r2.headers.get("x-chimera-status"), "ok", r2.body);
    assertStringIncludes(r2.body, "Chimera 1 command subset");
    // json=1 gives ChimeraX's reply shape
    const json = JSON.parse(
      (await get(port, `${commandQuery(token, "vop scale #99")}&json=1`)).body,
    );
    assertEquals(json["error"]["type"], "UserError");
    assertEquals(json["json values"], []);
  } finally {
    server.child.kill("SIGTERM");
  }
  const status = await server.child.status;
  const { stdout, stderr } = await server.rest;
  assertEquals(stdout, "", "nothing after the port line on stdout");
  assertEquals(stderr, "", "nothing on stderr");
  assertEquals(status.code, 0);
  // --log records commands and failures in the log file only
  const log = await Deno.readTextFile(`${dir}/server.log`);
  assertMatch(log, /chimera-server .*INFO serving on 127\.0\.0\.1 port \d+/);
  assertMatch(log, /WARNING volume #0 save \/etc\/x\.mrc: Cannot save/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("chimera-server --token-stdin: the token from stdin, never in the arguments", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-chimera-stdin-" }));
  const token = "from-stdin-token";
  const server = await startServer(dir, token, true);
  const cmdline = await Deno.readTextFile(`/proc/${server.child.pid}/cmdline`).catch(() => "");
  assert(cmdline.includes("--token-stdin") && !cmdline.includes(token), cmdline);
  assertEquals((await get(server.port, "/run?command=version")).status, 401);
  assertEquals((await get(server.port, commandQuery(token, "version"))).status, 200);
  // closing stdin after the token line stops the server (--exit-with-stdin)
  await server.stdin!.close();
  assertEquals((await server.child.status).code, 0);
  assertEquals(await server.rest, { stdout: "", stderr: "" });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("chimera-server: --token with --token-stdin, or stdin without a token line, exit 2", async () => {
  for (
    const [args, message] of [
      [["--token", "a", "--token-stdin"], 'give "--token" or "--token-stdin", not both'],
      [["--token-stdin"], "standard input ended before the token line"],
    ] as const
  ) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "--allow-net=127.0.0.1",
        MAIN,
        "chimera-server",
        ...args,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 2);
    assertEquals(new TextDecoder().decode(out.stdout), "");
    assertStringIncludes(new TextDecoder().decode(out.stderr), message);
  }
});

/** Sends a raw HTTP/1.1 request (any Host, any body) and returns the status line's code. */
async function rawRequest(port: number, head: string, body?: Uint8Array): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(head));
    if (body !== undefined) {
      // the server may answer and close before the whole body is sent
      await conn.write(body).catch(() => {});
    }
    const buffer = new Uint8Array(4096);
    let text = "";
    while (!text.includes("\r\n")) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return Number(text.split(" ")[1]);
  } finally {
    conn.close();
  }
}

Deno.test("chimera-server: Host and Origin from elsewhere are refused, token checked before the body", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-chimera-guard-" }));
  const token = "guard-token";
  const server = await startServer(dir, token);
  try {
    const { port } = server;
    const run = `/run?token=${token}&command=version`;
    // a web page's name resolving to 127.0.0.1 (DNS rebinding), a foreign Origin
    assertEquals(
      await rawRequest(port, `GET ${run} HTTP/1.1\r\nHost: evil.example:${port}\r\n\r\n`),
      403,
    );
    assertEquals(
      await rawRequest(port, `GET ${run} HTTP/1.1\r\nHost: 127.0.0.1:${port + 1}\r\n\r\n`),
      403,
    );
    const fromPage = await get(port, run, { headers: { origin: "http://evil.example" } });
    assertEquals(fromPage.status, 403);
    assertStringIncludes(fromPage.body, "Origin");
    // the same request from the loopback (no Origin, or our own) runs
    assertEquals((await get(port, run)).status, 200);
    assertEquals(
      (await get(port, run, { headers: { origin: `http://127.0.0.1:${port}` } })).status,
      200,
    );
    assertEquals(
      await rawRequest(port, `GET ${run} HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`),
      200,
    );
    // an unauthenticated 400 MB POST: 401 after the headers, with 1 MB of the body sent
    const huge = [
      `POST /run?command=version HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      "Content-Type: application/x-www-form-urlencoded",
      `Content-Length: ${400 * 1024 * 1024}`,
      "",
      "",
    ].join("\r\n");
    assertEquals(await rawRequest(port, huge, new Uint8Array(1 << 20)), 401);
    // with the token: bodies over 1 MiB are refused unread (413), so are too many commands or
    // an over-long command
    const big = huge.replace("/run?command=version", `/run?token=${token}`);
    assertEquals(await rawRequest(port, big, new Uint8Array(1 << 20)), 413);
    const many = await get(port, commandQuery(token, Array(65).fill("version").join(";")));
    assertEquals(many.status, 413);
    assertStringIncludes(many.body, "65 commands, at most 64");
    const long = await get(port, commandQuery(token, `open #1 ${"a".repeat(9000)}.mrc`));
    assertEquals(long.status, 413);
    assertEquals((await get(port, commandQuery(token, "version"))).status, 200);
  } finally {
    server.child.kill("SIGTERM");
  }
  assertEquals((await server.child.status).code, 0);
  assertEquals((await server.rest).stderr, "");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("chimera-server without a token makes one and tells how to pass it", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-chimera-notoken-" }));
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      `--allow-read=${dir}`,
      MAIN,
      "chimera-server",
    ],
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const decoder = new TextDecoder();
    const readUntil = async (stream: ReadableStream<Uint8Array>, pattern: RegExp) => {
      const reader = stream.getReader();
      let text = "";
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      reader.releaseLock();
      return text;
    };
    const stdout = await readUntil(child.stdout, /\n/);
    const port = Number(/port (\d+)\n$/.exec(stdout)?.[1]);
    const stderr = await readUntil(child.stderr, /--token-stdin/);
    const token = /Authorization: Bearer ([0-9a-f]{32})"/.exec(stderr)?.[1];
    assert(token !== undefined, stderr);
    assertEquals((await get(port, "/run?command=version")).status, 401);
    const ok = await get(port, "/run?command=version", {
      headers: { authorization: `Bearer ${token}` },
    });
    assertEquals(ok.status, 200);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("chimera-server: SIGTERM during a long batch stops it mid-command", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ets-chimera-term-" }));
  const token = "term-token";
  const data = new Float32Array(64 * 64 * 64).map((_, i) => i % 89);
  await Deno.writeFile(`${dir}/a.mrc`, encodeMrc(64, 64, 64, data, { voxelSize: 2 }));
  const server = await startServer(dir, token);
  // 60 Gaussian filters, then a save: the batch takes far longer than its first command
  const commands = ["open #0 a.mrc"];
  for (let i = 1; i <= 60; i++) {
    commands.push(`vop gaussian #${i - 1} sDev 4 modelId #${i}`);
  }
  commands.push("volume #60 save last.mrc");
  const pending = get(server.port, commandQuery(token, commands.join(";")))
    .catch((error) => ({ status: 0, body: String(error) }));
  // the first filter has run once the server's log records it
  for (;;) {
    const log = await Deno.readTextFile(`${dir}/server.log`).catch(() => "");
    if (log.includes("vop gaussian #0")) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  server.child.kill("SIGTERM");
  const status = await server.child.status;
  const reply = await pending;
  assertEquals(status.code, 0);
  assert(reply.status !== 200, `the batch was cut short: ${reply.status}`);
  let saved = true;
  await Deno.stat(`${dir}/last.mrc`).catch(() => saved = false);
  assert(!saved, "the batch's last command did not run");
  await server.rest;
  await Deno.remove(dir, { recursive: true });
});

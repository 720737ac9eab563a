/**
 * `deno task pack` end to end: the packed file, copied alone into an empty folder, runs
 * `ets generate` on the demo config with a PATH that has neither deno nor node (and no network
 * when `unshare -n` is available); many cold starts at once share one unpacked cache.
 */
import { assert, assertEquals, assertStringIncludes } from "../lib/testing/mod.ts";

const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();

/** Tools the launcher and ets may use: sh, coreutils, gzip, tar, sed, find. */
const TOOLS = [
  "sh",
  "tail",
  "gzip",
  "tar",
  "mkdir",
  "mv",
  "rm",
  "rmdir",
  "uname",
  "find",
  "sleep",
  "id",
  "env",
  "sed",
  "dirname",
  "basename",
  "chmod",
  "cat",
  "ls",
];

async function which(tool: string): Promise<string | undefined> {
  for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    try {
      if ((await Deno.stat(`${dir}/${tool}`)).isFile) return `${dir}/${tool}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A folder with only the allowed tools, as a PATH without deno and node. */
async function toolsOnlyPath(dir: string): Promise<string> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin, { recursive: true });
  for (const tool of TOOLS) {
    const path = await which(tool);
    if (path !== undefined) await Deno.symlink(path, `${bin}/${tool}`);
  }
  return bin;
}

let packed:
  | Promise<{ path: string; dir: string; buildSeconds: number; stdout: string }>
  | undefined;

/**
 * Builds the pack once per test file with `deno task pack`'s script (a fixture the tests share);
 * its folder is removed when this test file is unloaded, not by a test.
 */
function packOnce() {
  packed ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "ets-pack-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // already gone
      }
    });
    const path = `${dir}/build/ets`;
    const started = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", `${REPO}/scripts/pack.ts`, path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const buildSeconds = (performance.now() - started) / 1000;
    if (out.code !== 0) throw new Error(`pack failed: ${decoder.decode(out.stderr)}`);
    return { path, dir, buildSeconds, stdout: decoder.decode(out.stdout) };
  })();
  return packed;
}

let offline: string[] | undefined;
let canUnshare = false;
/**
 * `unshare -n` (a network namespace with only the loopback, brought up for the Chimera
 * servers) when this machine allows it; else nothing.
 */
async function offlinePrefix(): Promise<string[]> {
  if (offline === undefined) {
    const [unshare, ip, sh] = [await which("unshare"), await which("ip"), await which("sh")];
    offline = unshare && ip && sh
      ? [unshare, "-n", sh, "-c", `${ip} link set lo up && exec "$@"`, "sh"]
      : [];
    try {
      canUnshare = offline.length > 0 &&
        (await new Deno.Command(offline[0] as string, {
          args: [...offline.slice(1), "true"],
          stderr: "null",
        }).output()).success;
    } catch {
      canUnshare = false;
    }
    if (!canUnshare) offline = [];
  }
  return offline;
}

async function run(
  args: string[],
  options: { cwd: string; env: Record<string, string>; trace?: string[] },
): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const prefix = await offlinePrefix();
  const [command, ...rest] = [...prefix, ...(options.trace ?? []), ...args] as [
    string,
    ...string[],
  ];
  const started = performance.now();
  const out = await new Deno.Command(command, {
    args: rest,
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    seconds: (performance.now() - started) / 1000,
  };
}

Deno.test({
  name: "pack: the file alone in an empty folder runs `ets generate` on the demo config",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const pack = await packOnce();
    assertStringIncludes(pack.stdout, "packed");
    const size = (await Deno.stat(pack.path)).size;
    const work = `${pack.dir}/empty`;
    await Deno.mkdir(work);
    await Deno.copyFile(pack.path, `${work}/ets`);
    await Deno.chmod(`${work}/ets`, 0o755);
    const bin = await toolsOnlyPath(pack.dir);
    const env = { PATH: bin, HOME: `${pack.dir}/home`, LANG: "C" };
    await Deno.mkdir(env.HOME);
    // neither deno nor node is reachable
    const probe = await run(["sh", "-c", "command -v deno || command -v node || echo none"], {
      cwd: work,
      env,
    });
    assertEquals(probe.stdout.trim(), "none");

    const cold = await run(["./ets", "version"], { cwd: work, env });
    assertEquals(cold.code, 0, cold.stderr);
    assertStringIncludes(cold.stdout, `deno ${Deno.version.deno}`);
    const warm = await run(["./ets", "version"], { cwd: work, env });
    assertEquals(warm.code, 0, warm.stderr);

    // traced: the launcher, the scoped generate and every engine child connect to nothing
    // (the demo config uses no Chimera server); strace is required under CI=true
    const strace = await which("strace");
    assert(strace !== undefined || Deno.env.get("CI") !== "true", "CI=true needs strace");
    const traceFile = `${pack.dir}/connect.trace`;
    const trace = strace === undefined
      ? []
      : [strace, "-f", "-qq", "-e", "trace=connect", "-o", traceFile];
    const generate = await run(["./ets", "generate", "--progress", "none"], {
      cwd: work,
      env,
      trace,
    });
    if (generate.code !== 0) {
      const log = await Deno.readTextFile(`${work}/ets_demo/demo.log`).catch(() => "(no log)");
      const errors = log.split("\n").filter((line) => / (ERROR|WARNING) /.test(line)).slice(0, 3);
      assertEquals(
        generate.code,
        0,
        `${generate.stdout}\n${generate.stderr}\n${errors.join("\n")}`,
      );
    }
    const records = JSON.parse(await Deno.readTextFile(`${work}/ets_demo/sim_metadata.json`));
    assert(Array.isArray(records) && records.length > 0, "no metadata records");
    for (const record of records) {
      assertEquals(record.status, "done");
      assert((await Deno.stat(record.output)).size > 1024, `${record.output} is empty`);
    }
    if (strace !== undefined) {
      const connects = (await Deno.readTextFile(traceFile)).split("\n")
        .filter((line) => /\bconnect\(/.test(line))
        .filter((line) => !/AF_UNIX|inet_addr\("127\.|"::1"/.test(line));
      assertEquals(connects, [], "the packed run connected beyond the loopback");
    }
    // the cache holds one unpacked copy, keyed by the archive hash, and no temp leftovers
    const cache = await Array.fromAsync(Deno.readDir(`${env.HOME}/.cache/ets`));
    assertEquals(cache.map((e) => e.name).filter((n) => !n.startsWith(".")).length, 1);
    assertEquals(cache.filter((e) => e.name.startsWith(".")).map((e) => e.name), []);
    console.log(
      `pack: ${(size / 1e6).toFixed(1)} MB built in ${pack.buildSeconds.toFixed(1)} s; ` +
        `cold start ${cold.seconds.toFixed(2)} s, warm ${warm.seconds.toFixed(2)} s; ` +
        `demo generate ${generate.seconds.toFixed(1)} s${canUnshare ? " (no network)" : ""}${
          strace === undefined ? "" : ", strace: no connect beyond the loopback"
        }`,
    );
  },
});

Deno.test({
  name: "pack: an administrator narrows the launcher's grants with a flags file beside it",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const pack = await packOnce();
    const site = `${pack.dir}/site`;
    await Deno.mkdir(`${site}/data/project`, { recursive: true });
    await Deno.mkdir(`${site}/elsewhere`, { recursive: true });
    await Deno.copyFile(pack.path, `${site}/ets`);
    await Deno.chmod(`${site}/ets`, 0o755);
    const bin = await toolsOnlyPath(site);
    const env = { PATH: bin, HOME: `${site}/home`, LANG: "C" };
    for (const dir of ["project", "elsewhere"]) {
      await Deno.writeTextFile(
        `${site}/${dir === "project" ? "data/project" : dir}/config.yaml`,
        'num_stacks: 1\nname: "x"\n',
      );
    }
    // the site grants read on the app and /data only, write on /data, and denies a subfolder
    await Deno.writeTextFile(
      `${site}/ets.flags`,
      [
        "# site grants of this ets (one flag per line)",
        `--allow-read=@ETS@,${site}/data`,
        `--allow-write=${site}/data`,
        "--allow-env",
        "--allow-sys",
        "--allow-run",
        "--allow-net=127.0.0.1,localhost",
        `--deny-read=${site}/data/secret`,
        "",
      ].join("\n"),
    );
    const version = await run(["./ets", "version"], { cwd: site, env });
    assertEquals(version.code, 0, version.stderr);
    // a config outside the site's read grant cannot even be read
    const outside = await run(["./ets", "validate", "-i", `${site}/elsewhere/config.yaml`], {
      cwd: site,
      env,
    });
    assertEquals(outside.code, 2, outside.stderr);
    assertEquals(outside.stderr.trim().split("\n").length, 1, outside.stderr);
    // the deny flag reaches the app: the denied folder stays unreadable under the granted one
    await Deno.mkdir(`${site}/data/secret`);
    await Deno.writeTextFile(`${site}/data/secret/config.yaml`, 'num_stacks: 1\nname: "x"\n');
    const denied = await run(["./ets", "validate", "-i", `${site}/data/secret/config.yaml`], {
      cwd: site,
      env,
    });
    assertEquals(denied.code, 2, denied.stderr);
    // a root outside the site's write grant: generate refuses to grant what it does not hold
    const root = await run(
      ["./ets", "generate", "--root", `${site}/elsewhere/root`, "--dry-run"],
      { cwd: site, env },
    );
    assertEquals(root.code, 2, root.stderr);
    assertStringIncludes(root.stderr, "site's launcher grants");
    // a flags file with anything but permission flags is refused with one line
    await Deno.writeTextFile(`${site}/ets.flags`, "--allow-read\n--v8-flags=--foo\n");
    const bad = await run(["./ets", "version"], { cwd: site, env });
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "line 2 is not one --allow-NAME[=...] or --deny-NAME");
  },
});

Deno.test({
  name: "pack: many cold starts at once unpack once; a stale lock does not block",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const pack = await packOnce();
    const bin = await toolsOnlyPath(`${pack.dir}/race`);
    for (const stale of [false, true]) {
      const cache = `${pack.dir}/race/cache-${stale}`;
      const env = { PATH: bin, HOME: `${pack.dir}/race`, ETS_CACHE_DIR: cache };
      if (stale) {
        // a task killed while unpacking left its lock behind 20 minutes ago
        const key = /^ets_key=(\S+)$/m.exec(
          decoder.decode((await Deno.readFile(pack.path)).subarray(0, 4096)),
        )?.[1];
        assert(key !== undefined, "no ets_key line in the launcher");
        await Deno.mkdir(`${cache}/.${key}.lock`, { recursive: true });
        const old = new Date(Date.now() - 20 * 60_000);
        await Deno.utime(`${cache}/.${key}.lock`, old, old);
      }
      const runs = await Promise.all(
        Array.from({ length: 6 }, () => run([pack.path, "version"], { cwd: pack.dir, env })),
      );
      for (const result of runs) {
        assertEquals(result.code, 0, result.stderr);
        assertStringIncludes(result.stdout, "ets ");
      }
      const names = (await Array.fromAsync(Deno.readDir(cache))).map((e) => e.name).sort();
      const unpacked = names.filter((n) => !n.startsWith("."));
      assertEquals(unpacked.length, 1, names.join(", "));
      // no half-unpacked temp folders are left (a stale lock may stay: nobody owns it)
      assertEquals(names.filter((n) => n.startsWith(".") && !n.endsWith(".lock")), []);
      await Deno.stat(`${cache}/${unpacked[0]}/.complete`);
    }
  },
});

Deno.test({
  name: "pack: a damaged archive fails with one clear line",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const pack = await packOnce();
    const bytes = await Deno.readFile(pack.path);
    const broken = `${pack.dir}/broken-ets`;
    await Deno.writeFile(broken, bytes.subarray(0, Math.floor(bytes.length / 2)), { mode: 0o755 });
    const bin = await toolsOnlyPath(`${pack.dir}/broken`);
    const env = { PATH: bin, HOME: pack.dir, ETS_CACHE_DIR: `${pack.dir}/broken/cache` };
    const result = await run([broken, "version"], { cwd: pack.dir, env });
    assertEquals(result.code, 2);
    const last = result.stderr.trim().split("\n").at(-1) ?? "";
    assertStringIncludes(last, "ets: Cannot unpack");
    const names = (await Array.fromAsync(Deno.readDir(`${pack.dir}/broken/cache`))).map((e) =>
      e.name
    );
    assertEquals(names, []);
  },
});

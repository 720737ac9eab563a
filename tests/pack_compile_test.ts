/**
 * `deno task compile`: builds a working binary where Deno's `denort` can be had (network, cache or
 * DENORT_BIN), and otherwise fails with one clear line that says what to do. Each outcome is its
 * own test: the build is ignored (saying why) where denort cannot be had — as on every machine
 * here, CI included (`deno task pack` is what CI runs end to end) — and the failure is forced by
 * refusing the download through an unreachable proxy.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  optional,
  type Requirement,
  requirements,
} from "../lib/testing/mod.ts";

const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();
const VERSION = Deno.version.deno;
const TARGET = Deno.build.target;

async function compile(output: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO}/scripts/compile.ts`, output],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Where `deno compile` finds denort without a download: DENORT_BIN, or Deno's download cache. */
async function denortAt(): Promise<string | undefined> {
  const fromEnv = Deno.env.get("DENORT_BIN");
  if (fromEnv) return fromEnv;
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  const denoDir = info.success ? JSON.parse(decoder.decode(info.stdout)).denoDir : undefined;
  const zip = `${denoDir}/dl/release/v${VERSION}/denort-${TARGET}.zip`;
  return denoDir && await Deno.stat(zip).then(() => true, () => false) ? zip : undefined;
}

const denort = await denortAt();
const denortPresent: Requirement = {
  name: `Deno's denort ${VERSION} runtime`,
  install: `set DENORT_BIN to a denort ${VERSION} binary (dl.deno.land is not reachable here)`,
  probe: () =>
    Promise.resolve(denort === undefined ? "not in DENORT_BIN nor Deno's cache" : undefined),
};
const denortAbsent: Requirement = {
  name: "no denort at hand",
  install: "unset DENORT_BIN and remove the cached denort to check the failure path",
  probe: () => Promise.resolve(denort === undefined ? undefined : `denort is at ${denort}`),
};
const canBuild = await requirements(optional(denortPresent));
const cannotBuild = await requirements(optional(denortAbsent));

canBuild.test("compile: a working binary that runs `ets version` and a dry run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets-compile-" });
  try {
    const output = `${dir}/ets`;
    const result = await compile(output);
    assertEquals(result.code, 0, result.stderr);
    assertStringIncludes(result.stdout, "compiled");
    const version = await new Deno.Command(output, { args: ["version"], stdout: "piped" })
      .output();
    assertStringIncludes(decoder.decode(version.stdout), "ets ");
    const plan = await new Deno.Command(output, {
      args: ["generate", "--dry-run", "--root", `${dir}/demo`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(plan.code, 0, decoder.decode(plan.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

cannotBuild.test("compile: denort cannot be downloaded: one clear line, exit 2, no file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets-compile-" });
  try {
    const output = `${dir}/ets`;
    // every download goes through a proxy nobody listens on; the app's modules are cached
    const refused = "http://127.0.0.1:9";
    const result = await compile(output, {
      HTTPS_PROXY: refused,
      HTTP_PROXY: refused,
      https_proxy: refused,
      http_proxy: refused,
      NO_PROXY: "",
      no_proxy: "",
    });
    assertEquals(result.code, 2, result.stderr);
    const lines = result.stderr.trim().split("\n");
    assertEquals(lines.length, 1, result.stderr);
    assertMatch(lines[0] as string, /^compile: Cannot build ".*": .*denort.*DENORT_BIN/);
    await Deno.stat(output).then(() => assert(false, "a failed compile left a file"), () => {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compile: a DENORT_BIN that is not a file fails with one line", async () => {
  const result = await compile("/nonexistent-dir/ets", { DENORT_BIN: "/nonexistent/denort" });
  assertEquals(result.code, 2);
  assertEquals(
    result.stderr.trim(),
    'compile: Cannot build "/nonexistent-dir/ets": DENORT_BIN "/nonexistent/denort" is not a file',
  );
});

/**
 * `deno task compile`: builds a working binary where Deno's `denort` can be had (network, cache or
 * DENORT_BIN), and otherwise fails with one clear line that says what to do.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../lib/testing/mod.ts";

const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();

async function compile(output: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO}/scripts/compile.ts`, output],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("compile: a working binary, or one clear line about denort", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets-compile-" });
  try {
    const output = `${dir}/ets`;
    const result = await compile(output);
    if (result.code === 0) {
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
      console.log(`compile: built and ran ${output}`);
    } else {
      assertEquals(result.code, 2, result.stderr);
      const lines = result.stderr.trim().split("\n");
      assertEquals(lines.length, 1, result.stderr);
      assertMatch(lines[0] as string, /^compile: Cannot build ".*": .*denort.*DENORT_BIN/);
      await Deno.stat(output).then(() => assert(false, "a failed compile left a file"), () => {});
      console.log(`compile: unavailable here, as reported: ${lines[0]}`);
    }
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

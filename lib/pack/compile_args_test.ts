import { assert, assertEquals } from "../testing/mod.ts";
import { compileArgs, denortProblem, runtimeUrls } from "./compile_args.ts";
import { APP_ASSET_DIRS, APP_PERMISSION_FLAGS } from "./flags.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("compile: workers and templates embedded, permissions baked in, main.ts last", () => {
  const args = compileArgs("/out/ets", "/app");
  assertEquals(args.slice(0, 6), [
    "compile",
    "--quiet",
    "--no-check",
    "--frozen",
    "--output",
    "/out/ets",
  ]);
  const includes = args.flatMap((arg, i) => (arg === "--include" ? [args[i + 1]] : []));
  assertEquals(includes.sort(), ["/app/templates", "/app/workers"]);
  for (const flag of APP_PERMISSION_FLAGS) assert(args.includes(flag), flag);
  assert(args.includes("--unstable-worker-options"));
  assert(!args.includes("-A") && !args.includes("--allow-all"));
  assertEquals(args.at(-1), "/app/main.ts");
});

Deno.test("compile: denort problems are told from other failures", () => {
  assertEquals(
    denortProblem("error: failed to download denort\n0: dns error: failed to lookup address"),
    "dns error: failed to lookup address",
  );
  assertEquals(denortProblem("error: Module not found"), undefined);
});

Deno.test("compile: runtimeUrls finds path literals resolved against import.meta.url", () => {
  assertEquals(
    runtimeUrls(
      "lib/x/a.ts",
      'new Worker(new URL("../../workers/w.ts", import.meta.url)); new URL(`../../`, import.meta.url);',
    ),
    [
      { file: "lib/x/a.ts", literal: "../../workers/w.ts", target: "workers/w.ts" },
      { file: "lib/x/a.ts", literal: "../../", target: "" },
    ],
  );
});

/** The app's source files under `dir`: not tests, nor the test-only `testdata` folders. */
async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}/${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name === "testdata") continue;
    if (entry.isDirectory) out.push(...await sourceFiles(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) out.push(path);
  }
  return out;
}

Deno.test("compile: every file the app loads by URL at run time is in an embedded folder", async () => {
  const urls = [];
  for (const dir of ["lib", "workers"]) {
    for (const file of await sourceFiles(dir)) {
      urls.push(...runtimeUrls(file, await Deno.readTextFile(`${ROOT}/${file}`)));
    }
  }
  assert(urls.some((url) => url.target.startsWith("workers/")), "found the worker URLs");
  // the confined worker the compiled binary runs generate and its children's bodies in
  assert(urls.some((url) => url.target === "workers/confined_worker.ts"), "the confined worker");
  for (const url of urls) {
    // the source tree itself: read permission for source runs only (none when compiled)
    if (url.target === "") continue;
    // main.ts is the compile entry: always in the binary's module graph
    if (url.target === "main.ts") continue;
    const top = url.target.split("/")[0] as string;
    assert(
      APP_ASSET_DIRS.includes(top),
      `${url.file}: "${url.literal}" loads ${url.target}, which "deno task compile" does not embed`,
    );
    await Deno.stat(`${ROOT}/${url.target}`);
  }
});

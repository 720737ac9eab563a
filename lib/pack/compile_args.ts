/**
 * The `deno compile` command line of `deno task compile` (scripts/compile.ts): the app's entry,
 * every file it loads at run time embedded, and the one-file builds' flags baked in.
 *
 * What the binary needs besides the module graph of `main.ts`:
 * - Web Worker entries (`new Worker(new URL("../../workers/…", import.meta.url))`: generate
 *   workers, the engine's tilt workers) and the templates (`new URL("../../templates", …)`: the
 *   embedded demo config, sim.txt, maps): `--include workers --include templates`
 *   ({@linkcode APP_ASSET_DIRS}); `deno compile` adds the `.ts` files of an included folder as
 *   module roots and embeds the rest as files.
 * - npm packages' own files read at run time (PFFFT's `pffft.wasm`, found through
 *   `import.meta.resolve`): embedded with the package, as `deno compile` embeds the npm packages
 *   of the graph whole. Including a `.wasm` file with `--include` would instead make it a Wasm
 *   module root, whose imports do not resolve.
 *
 * @module
 */
import { APP_ASSET_DIRS, APP_PERMISSION_FLAGS, APP_RUNTIME_FLAGS } from "./flags.ts";

/**
 * The `deno compile` arguments building `output` from the app at `root` (absolute).
 * Needs no permissions.
 */
export function compileArgs(output: string, root: string): string[] {
  return [
    "compile",
    "--quiet",
    "--no-check",
    "--frozen",
    "--output",
    output,
    ...APP_ASSET_DIRS.flatMap((dir) => ["--include", `${root}/${dir}`]),
    ...APP_PERMISSION_FLAGS,
    ...APP_RUNTIME_FLAGS,
    `${root}/main.ts`,
  ];
}

/**
 * Why `deno compile` failed when it failed for want of `denort` (download or DENORT_BIN): the
 * line of its stderr that says so; undefined for other failures. Needs no permissions.
 */
export function denortProblem(stderr: string): string | undefined {
  const lines = stderr.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const denortLine = lines.find((line) => /denort/i.test(line));
  const network = lines.find((line) =>
    /dns error|failed to lookup|error sending request|connection refused|timed out|tcp connect|certificate/i
      .test(line)
  );
  if (denortLine === undefined && network === undefined) return undefined;
  return (network ?? denortLine ?? "").replace(/^\d+:\s*/, "");
}

/** A file URL literal resolved against `import.meta.url` in a source file. */
export interface RuntimeUrl {
  /** The source file (relative to the app root). */
  file: string;
  /** The literal. */
  literal: string;
  /** What it resolves to, relative to the app root ("" for the root itself). */
  target: string;
}

/**
 * The `new URL("<literal>", import.meta.url)` uses in the code of a source text (comment lines
 * left out): files the code loads at run time by path (workers, data). `file` is relative to the
 * app root. Needs no permissions.
 */
export function runtimeUrls(file: string, text: string): RuntimeUrl[] {
  const found: RuntimeUrl[] = [];
  const pattern = /new URL\(\s*(["'`])([^"'`$]+)\1\s*,\s*import\.meta\.url\s*\)/g;
  // code only: not doc comments or line comments
  const code = text.split("\n").filter((line) => !/^\s*(\*|\/\*|\/\/)/.test(line)).join("\n");
  for (const match of code.matchAll(pattern)) {
    const literal = match[2] as string;
    const base = new URL(`file:///app/${file}`);
    const resolved = new URL(literal, base).pathname;
    const target = resolved.startsWith("/app/") ? resolved.slice("/app/".length) : resolved;
    found.push({ file, literal, target: target.replace(/\/$/, "") });
  }
  return found;
}

/**
 * `deno task pack [OUTPUT]`: builds `dist/ets.run` (default), one executable file that runs `ets` on a
 * Linux machine with neither Deno nor Node: a POSIX sh launcher followed by a gzip'd tar of this
 * Deno runtime (`Deno.execPath()`) and the app (source tree + node_modules). Offline.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { APP_PERMISSION_FLAGS, APP_RUNTIME_FLAGS, buildPack } from "../lib/pack/mod.ts";
import { EtsError, exitCodeFor } from "../lib/errors/mod.ts";

const appRoot = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const output = Deno.args[0] ?? `${appRoot}/dist/ets.run`;

if (import.meta.main) {
  try {
    if (Deno.build.os !== "linux") {
      throw new EtsError(`Cannot pack: the launcher targets Linux, this is ${Deno.build.os}`, {
        kind: "unavailable",
      });
    }
    const started = performance.now();
    await Deno.mkdir(output.slice(0, output.lastIndexOf("/")) || ".", { recursive: true });
    const result = await buildPack({
      appRoot,
      denoPath: Deno.execPath(),
      output,
      version: denoJson.version,
      flags: [...APP_PERMISSION_FLAGS, ...APP_RUNTIME_FLAGS],
    });
    // smoke test: the pack unpacks into a throw-away cache and runs
    const cache = await Deno.makeTempDir({ prefix: "ets-pack-check-" });
    try {
      const check = await new Deno.Command(result.output, {
        args: ["version"],
        env: { ETS_CACHE_DIR: cache },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const printed = new TextDecoder().decode(check.stdout);
      if (!check.success || !printed.startsWith("ets ")) {
        await Deno.remove(result.output).catch(() => {});
        throw new EtsError(
          `Cannot pack: the packed file does not run: ${
            new TextDecoder().decode(check.stderr).trim().split("\n").slice(-1)[0] ?? ""
          }`,
          { kind: "runtime" },
        );
      }
    } finally {
      await Deno.remove(cache, { recursive: true }).catch(() => {});
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `packed ${result.output}: ${
        (result.bytes / 1e6).toFixed(1)
      } MB, deno ${Deno.version.deno} + ` +
        `${result.appFiles} app files, archive sha256 ${result.hash.slice(0, 16)}…, ${seconds} s`,
    );
  } catch (error) {
    console.error(`pack: ${error instanceof EtsError ? error.oneLine : String(error)}`);
    Deno.exit(exitCodeFor(error));
  }
}

import { assert, assertEquals, assertStringIncludes } from "../testing/mod.ts";
import { engineCommand, engineTimeoutSeconds, runEngine } from "./engine_runner.ts";

Deno.test("engine timeout: a stuck engine is killed (whole group) and the reason says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/engine.sh`;
    // a stopped engine: it never writes its log and never ends by itself
    await Deno.writeTextFile(path, `#!/bin/sh\nsleep 600 &\nwait\n`);
    await Deno.chmod(path, 0o755);
    await Deno.writeTextFile(`${dir}/sim.txt`, "");
    const engine = { ...engineCommand(path), timeoutMs: 300 };
    const result = await runEngine(engine, `${dir}/sim.txt`, `${dir}/sim.log`, {
      killGraceMs: 100,
    });
    assert(!result.ok);
    assertEquals(result.aborted, false);
    assertStringIncludes(result.reason ?? "", "ran longer than its timeout of 0.3 s");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("engine timeout: auto grows with tilts, grid and maps", () => {
  const config = (nx: number, tilts: number, voxels: number) => ({
    numStacks: 1,
    simFacts: { detector: { nx, ny: nx }, tiltAngles: new Array(tilts).fill(0) },
    coordRows: [],
    inputSizes: { engineMapVoxels: [voxels], assemblyVoxels: 0, assemblyDiskBytes: 0, padding: 20 },
  });
  const small = engineTimeoutSeconds(config(256, 9, 0));
  assert(small >= 600 && small < 700, String(small));
  assert(engineTimeoutSeconds(config(4096, 61, 0)) > 10_000);
  assert(engineTimeoutSeconds(config(256, 9, 1e9)) > 20_000);
});

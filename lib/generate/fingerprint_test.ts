import { loadConfig } from "../config/mod.ts";
import { assert, assertEquals, assertNotEquals, assertStringIncludes } from "../testing/mod.ts";
import { datasetFingerprint, fingerprintDifference } from "./fingerprint.ts";

const TEMPLATES = new URL("../../templates", import.meta.url).pathname;

async function copyProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ets-fingerprint-" });
  for await (const entry of Deno.readDir(TEMPLATES)) {
    if (entry.isFile) await Deno.copyFile(`${TEMPLATES}/${entry.name}`, `${dir}/${entry.name}`);
  }
  return dir;
}

Deno.test("fingerprint: the same inputs anywhere give the same one; any input change shows", async () => {
  const a = await copyProject();
  const b = await copyProject();
  try {
    const first = await datasetFingerprint(
      await loadConfig(`${a}/basic_config.yaml`, { root: `${a}/r1` }),
    );
    // another folder, another root, other workers: the same dataset
    const moved = await datasetFingerprint(
      await loadConfig(`${b}/basic_config.yaml`, { root: `${b}/elsewhere` }),
    );
    assertEquals(moved.fingerprint, first.fingerprint);
    assertEquals(first.fingerprint.length, 64);
    // the bead map's contents
    const bead = await Deno.readFile(`${b}/bead.mrc`);
    bead[bead.length - 1] = (bead[bead.length - 1] ?? 0) ^ 1;
    await Deno.writeFile(`${b}/bead.mrc`, bead);
    const beads = await datasetFingerprint(
      await loadConfig(`${b}/basic_config.yaml`, { root: `${b}/r` }),
    );
    assertNotEquals(beads.fingerprint, first.fingerprint);
    assertEquals(fingerprintDifference(first, beads), 'the contents of "bead_map" differ');
    // a config value
    const yaml = await Deno.readTextFile(`${b}/basic_config.yaml`);
    await Deno.writeTextFile(`${b}/basic_config.yaml`, yaml.replace(/^apix: .*$/m, "apix: 0.25"));
    const apix = await datasetFingerprint(
      await loadConfig(`${b}/basic_config.yaml`, { root: `${b}/r` }),
    );
    assertStringIncludes(fingerprintDifference(first, apix), '"apix" 0.5 vs 0.25');
    assert(fingerprintDifference(first, first) === "");
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

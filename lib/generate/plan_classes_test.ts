import { loadConfig } from "../config/mod.ts";
import { assert, assertEquals } from "../testing/mod.ts";
import { particleLines, plannedClasses } from "./plan_classes.ts";

const templates = new URL("../../templates", import.meta.url).pathname;

async function configWith(body: string) {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/config.yaml`;
  await Deno.writeTextFile(
    file,
    `config: "${templates}/sim.txt"\nnum_stacks: 1\napix: 0.5\ndefocus_values: [2]\nseed: 1\n` +
      `root: "${dir}/root"\n${body}`,
  );
  try {
    return await loadConfig(file);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("plan: a template with particles outside the 256 px image is counted and warned about", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // ETSimulations' 3x3 grid, ±706.7 px apart: only the centre lies in a 256 px image
    const rows = [-706.7, 0, 706.7].flatMap((x) =>
      [-706.7, 0, 706.7].map((y) => `${x} ${y} 0 0 0 0`)
    );
    await Deno.writeTextFile(`${dir}/coord.txt`, `9 6\n${rows.join("\n")}\n`);
    const config = await configWith(
      `model: "${templates}/particle.mrc"\ncoord: "${dir}/coord.txt"\nassembler: basic\n` +
        `custom_configs:\n  use_common_model: true\n`,
    );
    assertEquals(plannedClasses(config), [{ name: "template particles", count: 9, inView: 1 }]);
    const lines = particleLines(config).join("\n");
    assert(lines.includes("9 per stack, 1 with their centre in view"), lines);
    assert(lines.includes("WARNING: 8 outside the 256x256 px image"), lines);
    assert(
      config.warnings.some((w) => w.startsWith("8 of the 9 particles of the coordinate template")),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plan: crowded classes by count and by concentration, all in view without a margin", async () => {
  const config = await configWith(
    `assembler: crowded\ncustom_configs:\n  classes:\n` +
      `    - {name: a, source: "${templates}/particle.mrc", count: 7}\n` +
      // 0.0016 µm³ of ice in view (128 × 128 × 100 nm): 5000 per µm³ → 8
      `    - {name: b, source: "${templates}/barrel.mrc", concentration: 5000}\n`,
  );
  assertEquals(plannedClasses(config).map((c) => [c.name, c.count, c.inView]), [
    ["a", 7, 7],
    ["b", 8, 8],
  ]);
  assertEquals(config.coordTemplate, undefined);
  assert(!particleLines(config).join("\n").includes("WARNING"));
});

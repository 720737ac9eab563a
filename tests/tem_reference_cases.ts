/**
 * TEM-Simulator 1.3's reference cases for the engine tests: where they are
 * (../shared/reference/tem-simulator) and how to stage one for a run — its inputs without
 * TEM-Simulator's outputs, plus the shared inputs the sweep's cases name without carrying them
 * (sweep/README.md).
 *
 * Needs --allow-read on ../shared and --allow-write on the temp folder.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SHARED = join(ROOT, "..", "shared");
/** The reference cases' folder. */
export const REFERENCE = join(SHARED, "reference", "tem-simulator");
const SHARED_INPUTS = [
  join(SHARED, "data", "pdb", "1tii.pdb"),
  join(SHARED, "data", "pdb", "3al1.pdb"),
  join(SHARED, "data", "bead_small.mrc"),
  join(SHARED, "bench", "prot_re.mrc"),
  join(SHARED, "bench", "prot_im.mrc"),
];
const OUTPUTS = new Set(["tiltseries.mrc", "tiltseries_nonoise.mrc", "sim.log"]);

/**
 * Copies reference case `name` (e.g. "sweep/case24") into a new temp folder with the shared
 * inputs, and makes an empty `out` folder in it for the run's outputs. Returns both folders.
 */
export async function stageReferenceCase(
  name: string,
): Promise<{ folder: string; out: string; reference: string }> {
  const reference = join(REFERENCE, name);
  const folder = await Deno.makeTempDir({ prefix: "ets_tem_case_" });
  for await (const entry of Deno.readDir(reference)) {
    if (entry.isFile && !OUTPUTS.has(entry.name)) {
      await Deno.copyFile(join(reference, entry.name), join(folder, entry.name));
    }
  }
  for (const path of SHARED_INPUTS) {
    const target = join(folder, path.slice(path.lastIndexOf("/") + 1));
    if (await Deno.stat(target).then(() => false, () => true)) await Deno.copyFile(path, target);
  }
  const out = join(folder, "out");
  await Deno.mkdir(out);
  return { folder, out, reference };
}

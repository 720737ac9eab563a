/**
 * Writes one stack's ground truth beside its MRCs (the I/O around stack_truth.ts and
 * truth_formats.ts).
 *
 * @module
 */
import denoJson from "../../deno.json" with { type: "json" };
import { inputError } from "../errors/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";
import { buildStackTruth, type EngineTexts } from "./stack_truth.ts";
import {
  formatParticlesCsv,
  formatRawtlt,
  formatRelion4Star,
  formatRelion5Star,
  formatTiltCsv,
  formatTlt,
} from "./truth_formats.ts";
import { formatTomogramsStar } from "./tomograms_star.ts";
import type { StackTruth, StackTruthFiles, StackTruthInput } from "./types.ts";

/** The file names (relative to the stack folder) for a stack called `stackName`. Needs no permissions. */
export function stackTruthFileNames(stackName: string): StackTruthFiles {
  return {
    rawtlt: `${stackName}.rawtlt`,
    tlt: `${stackName}.tlt`,
    tiltTable: `${stackName}_tilts.csv`,
    particlesCsv: `${stackName}_particles.csv`,
    relion5Star: `${stackName}_relion5_particles.star`,
    relion4Star: `${stackName}_relion4_particles.star`,
    tomogramsStar: `${stackName}_tomograms.star`,
  };
}

async function readOptional(
  path: string | undefined,
): Promise<{ text: string; name: string } | undefined> {
  if (path === undefined) return undefined;
  try {
    return { text: await Deno.readTextFile(path), name: path };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw inputError(`Cannot write ground truth: "${path}" does not exist`, {
        file: path,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Writes NAME.rawtlt, NAME.tlt, NAME_tilts.csv, NAME_particles.csv, the RELION 5 and 4
 * particle STAR files and the RELION 5 tilt-series set NAME_tomograms.star into `input.stackDir`, each atomically, after everything was computed (so
 * bad input writes nothing). Returns the file names and the zero tilt's particle markers for the
 * preview. Needs --allow-read on the engine outputs and --allow-write on `stackDir`.
 */
export async function writeStackGroundTruth(input: StackTruthInput): Promise<StackTruth> {
  const o = input.engineOutputs;
  const texts: EngineTexts = {
    geom: await readOptional(o.geomFile),
    error: await readOptional(o.errorFile),
    dose: await readOptional(o.doseFile),
    defocus: await readOptional(o.defocusFile),
  };
  const tables = buildStackTruth(input, texts);
  const files = stackTruthFileNames(input.stackName);
  const version = denoJson.version;
  const contents: [string, string][] = [
    [files.rawtlt, formatRawtlt(tables)],
    [files.tlt, formatTlt(tables)],
    [files.tiltTable, formatTiltCsv(tables)],
    [files.particlesCsv, formatParticlesCsv(tables)],
    [files.relion5Star, formatRelion5Star(tables, version, input.optics)],
    [files.relion4Star, formatRelion4Star(tables, version, input.optics)],
    [
      files.tomogramsStar,
      formatTomogramsStar(tables, version, {
        stackFile: `${input.stackName}.mrc`,
        starFile: files.tomogramsStar,
        tiltAxis: input.tiltAxis ?? 0,
        optics: input.optics,
      }),
    ],
  ];
  const dir = input.stackDir.replace(/\/+$/, "") || "/";
  for (const [name, text] of contents) await writeFileAtomic(`${dir}/${name}`, text);
  const zero = tables.tilts[tables.zeroTiltSection];
  return {
    files,
    zeroTilt: {
      section: tables.zeroTiltSection,
      angle: zero?.nominal ?? 0,
      markers: tables.particles.map((p) => ({ x: p.zeroTiltPx.x, y: p.zeroTiltPx.y })),
    },
  };
}

/**
 * The contents of a config's inputs, read before anything starts (`ets validate` and every
 * `generate`): maps and models parse and are finite, orientation tables parse, the files the
 * template makes the engine read are read (lib/config/template_tables.ts), and a model an
 * assembler must re-save as a volume is a map. Returns the sizes the estimates need (docs/sizes.md).
 *
 * @module
 */
import { parseDynamoTable, parseOrientationFile } from "../assemblers/mod.ts";
import type { AssemblerDefinition } from "../assemblers/mod.ts";
import { EtsError } from "../errors/mod.ts";
import {
  checkAtomicModelFile,
  checkMapFile,
  ContentProblem,
  modelKind,
  modelMapVoxels,
  readTextCapped,
} from "./input_contents.ts";
import type { SimTemplate } from "./sim_template.ts";
import { checkTemplateFiles, type TemplateFile } from "./template_tables.ts";

/** Sizes of a config's inputs, for the estimates. */
export interface InputSizes {
  /** Voxels of each map one engine run loads (the particle map, the fiducial map). */
  engineMapVoxels: number[];
  /** Voxels a Chimera server holds while assembling one stack. */
  assemblyVoxels: number;
  /** Bytes of the particle maps one stack's assembly writes. */
  assemblyDiskBytes: number;
  /** The template's detector padding (TEM-Simulator default 20). */
  padding: number;
}

/** What the checks need of the config being loaded. */
export interface InputsToCheck {
  model?: string;
  beadMap?: string;
  apix: number;
  particles: number;
  assembler: AssemblerDefinition<unknown>;
  assemblerOptions: unknown;
  simTemplate: SimTemplate;
  /** The template as shown in messages. */
  simTemplateName: string;
  simTemplatePath: string;
  /** The files the template makes the engine read (lib/config/template_tables.ts). */
  templateFiles: readonly TemplateFile[];
  tilts: number;
}

/** Raises the one-line error of `key` (the loader's fail, which adds the config's line). */
export type KeyFailure = (key: string, reason: string) => never;

/** Voxels of a map or model input (a model's potential map at `apix`). */
async function inputVoxels(
  key: string,
  path: string,
  apix: number,
  fail: KeyFailure,
): Promise<{ voxels: number; kind: "map" | "pdb" }> {
  // mmCIF models an assembler hands on as PDB (crowded classes) count as atomic models
  const kind = modelKind(path) ?? (isAssemblerMmcif(key, path) ? "pdb" : undefined);
  if (kind === undefined) {
    fail(
      key,
      `"${path}" is neither a map (.mrc, .map, .ccp4, .mrcs, .rec, .st) nor an atomic model (.pdb, .ent)`,
    );
  }
  try {
    if (kind === "pdb") {
      const facts = await checkAtomicModelFile(path);
      return { voxels: modelMapVoxels(facts.extentA, apix), kind };
    }
    const facts = await checkMapFile(path);
    return { voxels: facts.nx * facts.ny * facts.nz, kind: "map" };
  } catch (error) {
    if (error instanceof ContentProblem) fail(key, `"${path}" ${error.message}`);
    throw error;
  }
}

/** An assembler's mmCIF model (`custom_configs…`, `.cif`/`.mmcif`), which it converts to PDB. */
function isAssemblerMmcif(key: string, path: string): boolean {
  return key.startsWith("custom_configs.") && /\.(cif|mmcif)$/i.test(path);
}

/** An orientation table of an assembler: parses, at least one row. */
async function checkTextInput(key: string, path: string, fail: KeyFailure): Promise<void> {
  try {
    const text = await readTextCapped(path);
    if (key.endsWith("orientations_tbl")) parseDynamoTable(text);
    else parseOrientationFile(text);
  } catch (error) {
    if (error instanceof EtsError) throw error;
    fail(key, `"${path}" ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Reads every input of a config and returns their sizes. Throws the loader's one-line errors.
 * Needs --allow-read on the inputs.
 */
export async function checkConfigInputs(
  inputs: InputsToCheck,
  files: [string, string | undefined][],
  fail: KeyFailure,
): Promise<InputSizes> {
  const { assembler, assemblerOptions } = inputs;
  const engineMapVoxels: number[] = [];
  let assemblyVoxels = 0;
  const chimera = assembler.usesChimera(assemblerOptions);
  if (inputs.model !== undefined) {
    const model = await inputVoxels("model", inputs.model, inputs.apix, fail);
    if (model.kind === "pdb" && assembler.requiresModel && chimera) {
      fail(
        "model",
        `"${inputs.model}" is an atomic model, but the "${assembler.name}" assembler re-saves the model through Chimera as a volume ("use_common_model: false"); give a map (.mrc) or set "custom_configs.use_common_model: true"`,
      );
    }
    engineMapVoxels.push(model.voxels);
    if (chimera) assemblyVoxels += model.voxels;
  }
  if (inputs.beadMap !== undefined) {
    engineMapVoxels.push((await inputVoxels("bead_map", inputs.beadMap, inputs.apix, fail)).voxels);
  }
  for (const [key, path] of files) {
    if (path === undefined || !key.startsWith("custom_configs.")) continue;
    if (modelKind(path) === undefined && !isAssemblerMmcif(key, path)) {
      await checkTextInput(key, path, fail);
      continue;
    }
    const { voxels } = await inputVoxels(key, path, inputs.apix, fail);
    // composite maps are assembled on a grid holding the pieces: count each input twice
    assemblyVoxels += 2 * voxels;
    engineMapVoxels.push(2 * voxels);
  }
  // geom_file_in was read for the tilt angles (describeSimTemplate)
  engineMapVoxels.push(
    ...await checkTemplateFiles(
      inputs.templateFiles,
      { fileName: inputs.simTemplateName, path: inputs.simTemplatePath },
      inputs.tilts,
      ["geom_file_in"],
    ),
  );
  const padding = Number(inputs.simTemplate.get("detector", "padding") ?? "20");
  return {
    engineMapVoxels,
    assemblyVoxels: 3 * assemblyVoxels,
    assemblyDiskBytes: chimera ? 4 * assemblyVoxels * Math.max(1, inputs.particles) : 0,
    padding: Number.isFinite(padding) && padding >= 0 ? padding : 20,
  };
}

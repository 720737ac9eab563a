/**
 * The engine template a config names (`config`, TEM-Simulator's sim.txt): read, its files kept
 * inside the granted folders, its facts described; and the remark when its pixel size is not the
 * config's `apix`.
 *
 * @module
 */
import type { ConfigScope } from "./config_scope.ts";
import { readInputText } from "./input_files.ts";
import { describeSimTemplate, type SimFacts } from "./sim_facts.ts";
import { SimTemplate } from "./sim_template.ts";
import { checkTemplateAccess, type TemplateAccess } from "./template_access.ts";
import { checkTemplateFile, type TemplateFile, templateFiles } from "./template_tables.ts";

/** The engine template as read before anything starts. */
export interface EngineTemplate {
  /** Its text. */
  text: string;
  /** Its parameters. */
  template: SimTemplate;
  /** The files it makes the engine read. */
  files: TemplateFile[];
  /** Its facts (detector, tilt angles, pixel size). */
  facts: SimFacts;
}

/**
 * Reads the template (`fileName` as written in the config, at `path`), refuses files it names
 * outside the granted folders before any is opened, and describes it (reading the tilt-angle
 * table it names). Needs `--allow-read` on the template and its tilt-angle table.
 */
export async function readEngineTemplate(
  fileName: string,
  path: string,
  access: TemplateAccess,
  scope: ConfigScope,
): Promise<EngineTemplate> {
  const text = await readInputText("config", path, scope);
  const template = new SimTemplate(text);
  // before any of the template's files is opened (lib/config/template_access.ts)
  checkTemplateAccess(template, path, access);
  const where = { fileName, path };
  // the files the engine will read, each read before anything starts
  const files = templateFiles(template, where);
  const facts = await describeSimTemplate(template, where, async () => {
    const geom = files.find((file) => file.key === "geom_file_in");
    if (geom === undefined) return [];
    const { table } = await checkTemplateFile(geom, where, 0);
    return (table?.rows ?? []).map((row) => row[1] ?? NaN);
  });
  return { text, template, files, facts };
}

/**
 * The remark when the template's pixel size (pixel_size / magnification) differs from `apix` by
 * more than 1 %; undefined when they agree or the template gives none. Needs no permissions.
 */
export function apixMismatch(facts: SimFacts, apix: number): string | undefined {
  const pixel = facts.pixelSizeNm;
  if (pixel !== undefined && Math.abs(pixel - apix) > 0.01 * apix) {
    return `"apix" is ${apix} nm but the template's pixel_size / magnification is ${
      pixel.toFixed(4)
    } nm; stacks are labelled with apix`;
  }
  return undefined;
}

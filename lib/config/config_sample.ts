/**
 * The sample a config images, judged before anything runs: the remark when template particles
 * lie outside the image, and the assembler's own check (e.g. the crowded assembler: do the
 * particles fit in the ice?).
 *
 * @module
 */
import {
  type AssemblerDefinition,
  sampleGeometryOf,
  templateViewWarning,
  type Triple,
} from "../assemblers/mod.ts";
import type { ConfigScope } from "./config_scope.ts";
import type { CoordTemplateRow } from "./coord_template.ts";
import type { SimFacts } from "./sim_facts.ts";
import type { SimTemplate } from "./sim_template.ts";

/** What the sample checks need of the config being loaded. */
export interface SampleToCheck {
  /** The engine template. */
  template: SimTemplate;
  /** Its facts. */
  facts: SimFacts;
  /** Pixel size, nm. */
  apix: number;
  /** The coordinate template's rows (pixels). */
  rows: readonly CoordTemplateRow[];
  /** The assembler and its options (paths resolved). */
  assembler: AssemblerDefinition<unknown>;
  assemblerOptions: unknown;
}

/**
 * Pushes the remark on template particles outside the image to `warnings`, then runs the
 * assembler's own check; its refusal is the config's error at `custom_configs`. Needs what the
 * assembler's check reads (its input files).
 */
export async function checkSample(
  sample: SampleToCheck,
  warnings: string[],
  scope: ConfigScope,
): Promise<void> {
  const { assembler, apix } = sample;
  const geometry = sampleGeometryOf(
    (section, key) => sample.template.get(section, key),
    sample.facts.detector,
    apix,
  );
  // e.g. ETSimulations' coord.txt on a small detector: say so before anything runs
  const viewWarning = templateViewWarning(
    geometry,
    sample.rows.map((row) => row.position.map((v) => v * apix) as Triple),
  );
  if (viewWarning !== undefined) warnings.push(viewWarning);
  if (assembler.checkSample !== undefined) {
    // e.g. the crowded assembler: do the particles fit in the ice? (before anything is imaged)
    try {
      await assembler.checkSample(sample.assemblerOptions, geometry);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      scope.failAtKey("custom_configs", reason);
    }
  }
}

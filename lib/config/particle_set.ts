/**
 * The particles a config images from its coordinate template (`coord`): the template read when
 * the assembler needs it, and refused when there is nothing to image or more particles than the
 * assembler takes.
 *
 * @module
 */
import type { AssemblerDefinition } from "../assemblers/mod.ts";
import { InputFileError } from "./config_error.ts";
import type { ConfigScope } from "./config_scope.ts";
import { type CoordTemplateRow, parseCoordTemplate } from "./coord_template.ts";
import { readInputText } from "./input_files.ts";

/** The coordinate template as the config's `coord` key gives it. */
export interface CoordInput {
  /** As written in the config; undefined → not given. */
  written?: string;
  /** Its absolute path; undefined → not given. */
  path?: string;
}

/**
 * The template's rows (pixels, degrees); none without a template. A missing `coord` fails
 * unless the assembler places particles itself. Needs `--allow-read` on the template.
 */
export async function readCoordRows(
  coord: CoordInput,
  assembler: AssemblerDefinition<unknown>,
  scope: ConfigScope,
): Promise<CoordTemplateRow[]> {
  if (coord.path === undefined && !assembler.coordOptional) {
    scope.fail(
      undefined,
      `missing key "coord" (the "${assembler.name}" assembler needs it)`,
      "coord",
    );
  }
  return coord.path === undefined ? [] : parseCoordTemplate(
    await readInputText("coord", coord.path, scope),
    coord.written ?? "",
    coord.path,
  );
}

/**
 * Refuses a run with no particles and no fiducials (unless the assembler places particles
 * itself): the template's one-line error. Needs no permissions.
 */
export function requireSomethingToImage(
  rows: readonly CoordTemplateRow[],
  beadMap: string | undefined,
  assembler: AssemblerDefinition<unknown>,
  coord: CoordInput,
): void {
  if (rows.length === 0 && beadMap === undefined && !assembler.coordOptional) {
    throw new InputFileError(
      { fileName: coord.written ?? "coord", path: coord.path },
      "no particles and no fiducials: nothing to image",
    );
  }
}

/**
 * Refuses more template particles than the assembler takes: the template's one-line error.
 * Needs no permissions.
 */
export function requireParticleLimit(
  rows: readonly CoordTemplateRow[],
  assembler: AssemblerDefinition<unknown>,
  coord: CoordInput,
): void {
  const max = assembler.maxParticles;
  if (max !== undefined && rows.length > max) {
    throw new InputFileError(
      { fileName: coord.written ?? "coord", path: coord.path },
      `the "${assembler.name}" assembler takes at most ${max} particles, the template has ${rows.length}`,
    );
  }
}

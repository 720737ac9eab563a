/**
 * What generate needs to know about the TEM-Simulator template before anything starts: the two
 * detectors (noisy, noise-free) and their size, the nominal tilt angles, the pixel size, and that
 * per-stack values (defocus, outputs) can be set. Problems are one-line input errors with the
 * template's file name and line.
 *
 * @module
 */
import { InputFileError } from "./config_error.ts";
import { MAX_TILTS } from "./estimate.ts";
import type { SimTemplate } from "./sim_template.ts";

/** Facts about the template. */
export interface SimFacts {
  /** Detector sizes (pixels) of the noisy and the noise-free detector. */
  detector: { nx: number; ny: number };
  /** Number of detector sections (≥ 2). */
  detectorCount: number;
  /** Nominal tilt angles in degrees, in image order. */
  tiltAngles: number[];
  /** Specimen pixel size in nm (pixel_size / magnification), when both are set. */
  pixelSizeNm?: number;
}

/** A strictly written integer ("64", not "6.4e1", which TEM-Simulator would read as 6). */
function integerOf(text: string | undefined): number | undefined {
  return text !== undefined && /^[+-]?\d+$/.test(text.trim()) ? Number(text) : undefined;
}

function numberOf(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Throws the one-line input error for the template at a line (undefined: the whole file). */
type Fail = (line: number | undefined, reason: string) => never;

/** The simulation section, which must generate micrographs. */
function checkSimulation(template: SimTemplate, fail: Fail): void {
  if (template.componentsOf("simulation").length === 0) {
    fail(undefined, 'no "=== simulation ===" section');
  }
  if (template.get("simulation", "generate_micrographs") !== "yes") {
    fail(
      template.lineOf("simulation", "generate_micrographs"),
      '"generate_micrographs" must be "yes" (generate images tilt series)',
    );
  }
}

/**
 * The pixels of detector section `d` (det_pix_x, det_pix_y: positive integers); errors without a
 * line of their own point at the line after `headingIndex`.
 */
function detectorPixels(
  template: SimTemplate,
  d: number,
  headingIndex: number | undefined,
  fail: Fail,
): { nx: number; ny: number } {
  const size = { nx: 0, ny: 0 };
  for (const key of ["det_pix_x", "det_pix_y"] as const) {
    const value = integerOf(template.get("detector", key, d));
    if (value === undefined || !Number.isInteger(value) || value < 1) {
      fail(
        template.lineOf("detector", key, d) ?? (headingIndex ?? 0) + 1,
        `"${key}" must be a positive integer, got "${template.get("detector", key, d) ?? ""}"`,
      );
    }
    size[key === "det_pix_x" ? "nx" : "ny"] = value ?? 0;
  }
  return size;
}

/**
 * The detector sections (at least two: noisy, then noise-free, of the same size) and the size of
 * the noisy one.
 */
function checkDetectors(
  template: SimTemplate,
  fail: Fail,
): { detector: { nx: number; ny: number }; detectorCount: number } {
  const detectors = template.componentsOf("detector");
  if (detectors.length < 2) {
    fail(
      undefined,
      `needs two "=== detector ===" sections (noisy, then noise-free), found ${detectors.length}`,
    );
  }
  const sizes: { nx: number; ny: number }[] = [];
  for (let d = 0; d < 2; d++) {
    sizes.push(detectorPixels(template, d, detectors[d]?.headingIndex, fail));
  }
  const noisy = sizes[0] ?? { nx: 0, ny: 0 };
  const clean = sizes[1] ?? { nx: 0, ny: 0 };
  if (noisy.nx !== clean.nx || noisy.ny !== clean.ny) {
    fail(
      template.lineOf("detector", "det_pix_x", 1),
      `the noise-free detector (${clean.nx}x${clean.ny}) must match the noisy one (${noisy.nx}x${noisy.ny})`,
    );
  }
  return { detector: noisy, detectorCount: detectors.length };
}

/** The tilt angles `gen_tilt_data = yes` generates: ntilts angles from theta_start by theta_incr. */
function generatedTiltAngles(template: SimTemplate, fail: Fail): number[] {
  const ntilts = integerOf(template.get("geometry", "ntilts"));
  if (ntilts === undefined || !Number.isInteger(ntilts) || ntilts < 1) {
    fail(
      template.lineOf("geometry", "ntilts"),
      `"ntilts" must be a positive integer, got "${template.get("geometry", "ntilts") ?? ""}"`,
    );
  }
  if ((ntilts ?? 0) > MAX_TILTS) {
    fail(
      template.lineOf("geometry", "ntilts"),
      `"ntilts" is ${ntilts}; at most ${MAX_TILTS} tilts per series are supported`,
    );
  }
  const start = numberOf(template.get("geometry", "theta_start"));
  const increment = numberOf(template.get("geometry", "theta_incr"));
  if (start === undefined) {
    fail(template.lineOf("geometry", "theta_start"), '"theta_start" must be a number');
  }
  if (increment === undefined) {
    fail(template.lineOf("geometry", "theta_incr"), '"theta_incr" must be a number');
  }
  return Array.from({ length: ntilts ?? 0 }, (_, i) => (start ?? 0) + i * (increment ?? 0));
}

/**
 * The tilt angles `gen_tilt_data = no` reads from geom_file_in: its first ntilts rows (all rows
 * when ntilts is not set).
 */
async function tabulatedTiltAngles(
  template: SimTemplate,
  readTiltAngles: (geomFileIn: string) => Promise<number[]>,
  fail: Fail,
): Promise<number[]> {
  const geomFile = template.get("geometry", "geom_file_in");
  if (geomFile === undefined) {
    fail(template.lineOf("geometry", "gen_tilt_data"), '"gen_tilt_data = no" needs "geom_file_in"');
  }
  const thetas = await readTiltAngles(geomFile ?? "");
  let ntilts = thetas.length;
  const ntiltsText = template.get("geometry", "ntilts");
  if (ntiltsText !== undefined) {
    const given = integerOf(ntiltsText);
    if (given === undefined || given < 1) {
      fail(
        template.lineOf("geometry", "ntilts"),
        `"ntilts" must be a positive integer, got "${ntiltsText}"`,
      );
    }
    if ((given ?? 0) > thetas.length) {
      fail(
        template.lineOf("geometry", "ntilts"),
        `"ntilts" is ${given}, but "${geomFile}" (geom_file_in) has ${thetas.length} row(s); ` +
          `it needs one per tilt`,
      );
    }
    ntilts = given ?? 0;
  }
  if (ntilts === 0) {
    fail(
      template.lineOf("geometry", "geom_file_in"),
      `"${geomFile}" (geom_file_in) has no rows; it needs one per tilt`,
    );
  }
  if (ntilts > MAX_TILTS) {
    fail(
      template.lineOf("geometry", "ntilts") ?? template.lineOf("geometry", "geom_file_in"),
      `${ntilts} tilts; at most ${MAX_TILTS} tilts per series are supported`,
    );
  }
  return thetas.slice(0, ntilts);
}

/** The geometry section and the nominal tilt angles it generates or reads (gen_tilt_data). */
async function tiltAnglesOf(
  template: SimTemplate,
  readTiltAngles: (geomFileIn: string) => Promise<number[]>,
  fail: Fail,
): Promise<number[]> {
  if (template.componentsOf("geometry").length === 0) {
    fail(undefined, 'no "=== geometry ===" section');
  }
  const genTilt = template.get("geometry", "gen_tilt_data");
  if (genTilt === "yes") return generatedTiltAngles(template, fail);
  if (genTilt === "no") return await tabulatedTiltAngles(template, readTiltAngles, fail);
  return fail(
    template.lineOf("geometry", "gen_tilt_data"),
    `"gen_tilt_data" must be "yes" or "no", got "${genTilt ?? ""}"`,
  );
}

/** The optics section, which must let each stack set its defocus, and the electronbeam section. */
function checkOpticsAndBeam(template: SimTemplate, fail: Fail): void {
  if (template.componentsOf("optics").length === 0) fail(undefined, 'no "=== optics ===" section');
  if (template.get("optics", "gen_defocus") !== "yes") {
    fail(
      template.lineOf("optics", "gen_defocus"),
      '"gen_defocus" must be "yes" (each stack sets its own "defocus_nominal")',
    );
  }
  if (template.componentsOf("electronbeam").length === 0) {
    fail(undefined, 'no "=== electronbeam ===" section');
  }
}

/** The specimen pixel size in nm (detector pixel_size / optics magnification), when both are set. */
function pixelSizeNmOf(template: SimTemplate): number | undefined {
  const pixelSize = numberOf(template.get("detector", "pixel_size"));
  const magnification = numberOf(template.get("optics", "magnification"));
  return pixelSize !== undefined && magnification !== undefined && magnification > 0
    ? pixelSize * 1000 / magnification
    : undefined;
}

/**
 * Checks the template and returns its facts. `readTiltAngles` reads the tilt-angle table the
 * template names (`geom_file_in` as written, with `gen_tilt_data = no`) and returns θ of each
 * row, in degrees; it throws the table's own one-line errors (lib/config/template_tables.ts).
 * Needs no permissions itself.
 */
export async function describeSimTemplate(
  template: SimTemplate,
  location: { fileName: string; path?: string },
  readTiltAngles: (geomFileIn: string) => Promise<number[]>,
): Promise<SimFacts> {
  const fail: Fail = (line, reason) => {
    throw new InputFileError({ ...location, line }, reason);
  };
  checkSimulation(template, fail);
  const { detector, detectorCount } = checkDetectors(template, fail);
  const tiltAngles = await tiltAnglesOf(template, readTiltAngles, fail);
  checkOpticsAndBeam(template, fail);
  const pixelSizeNm = pixelSizeNmOf(template);
  return { detector, detectorCount, tiltAngles, pixelSizeNm };
}

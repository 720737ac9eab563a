/**
 * Particle orientations as ETSimulations' assemblers choose them: `orientations_source` is
 * `none` (all zero), `gauss(mu, sigma)` (each ZXZ angle drawn independently) or a text file of
 * ZXZ angle triples to sample from; Dynamo tables (`orientations_tbl`) for the membrane assembler.
 *
 * @module
 */
import type { GaussianError, Triple } from "./assembler.ts";
import type { Random } from "./random.ts";

/** A parsed `orientations_source`. */
export type OrientationSource =
  | { kind: "none" }
  | { kind: "gauss"; mu: number; sigma: number }
  | { kind: "file"; path: string };

const GAUSS = /^\s*gauss\s*\(\s*([^,()\s]+)\s*,\s*([^,()\s]+)\s*\)\s*$/i;

/**
 * Parses an `orientations_source` value; anything that is neither `none` nor `gauss(mu, sigma)`
 * is a file path. Returns an error text for a malformed `gauss(...)`. Needs no permissions.
 */
export function parseOrientationSource(text: string): OrientationSource | string {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "none") return { kind: "none" };
  if (/^\s*gauss\s*\(/i.test(trimmed)) {
    const match = GAUSS.exec(trimmed);
    const mu = Number(match?.[1]);
    const sigma = Number(match?.[2]);
    if (!match || !Number.isFinite(mu) || !Number.isFinite(sigma) || sigma < 0) {
      return `must be "none", "gauss(mu, sigma)" with sigma ≥ 0, or a file, got "${text}"`;
    }
    return { kind: "gauss", mu, sigma };
  }
  return { kind: "file", path: trimmed };
}

/**
 * Parses a whitespace-separated table of numbers (numpy.loadtxt style: `#` comments, blank lines
 * skipped), requiring at least `minColumns` per row. Throws a one-line Error naming the line.
 * Needs no permissions.
 */
export function parseNumberTable(text: string, minColumns: number): number[][] {
  const rows: number[][] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") return;
    const values = line.split(/\s+/).map(Number);
    if (values.length < minColumns || values.some((v) => !Number.isFinite(v))) {
      throw new Error(`line ${i + 1}: expected ${minColumns} numbers, got "${raw.trim()}"`);
    }
    rows.push(values);
  });
  if (rows.length === 0) throw new Error("no rows");
  return rows;
}

/** Orientation rows (first three columns, ZXZ degrees) of an orientations file. */
export function parseOrientationFile(text: string): Triple[] {
  return parseNumberTable(text, 3).map((row) => [row[0] ?? 0, row[1] ?? 0, row[2] ?? 0]);
}

/**
 * Orientations of a Dynamo table (columns 7–9: tdrot, tilt, narot), inverted into
 * reference-to-particle ZXZ angles as ETSimulations' T4SS assembler does: (−narot, −tilt, −tdrot).
 */
export function parseDynamoTable(text: string): Triple[] {
  return parseNumberTable(text, 9).map((row) => [-(row[8] ?? 0), -(row[7] ?? 0), -(row[6] ?? 0)]);
}

/** Draws one orientation from a source (`pool` is the loaded file for `file`). */
export function drawOrientation(
  source: OrientationSource,
  random: Random,
  pool: readonly Triple[] | undefined,
): Triple {
  switch (source.kind) {
    case "none":
      return [0, 0, 0];
    case "gauss":
      return [
        random.gauss(source.mu, source.sigma),
        random.gauss(source.mu, source.sigma),
        random.gauss(source.mu, source.sigma),
      ];
    case "file": {
      if (pool === undefined || pool.length === 0) {
        throw new Error(`orientations file "${source.path}" is not loaded`);
      }
      const chosen = random.choice(pool);
      return [chosen[0], chosen[1], chosen[2]];
    }
  }
}

/** `orientation` with Gaussian noise on each angle. */
export function perturb(orientation: Triple, error: GaussianError, random: Random): Triple {
  return [
    orientation[0] + random.gauss(error.mu, error.sigma),
    orientation[1] + random.gauss(error.mu, error.sigma),
    orientation[2] + random.gauss(error.mu, error.sigma),
  ];
}

/** ETSimulations' text for an error distribution: `gauss(0.000000, 1.000000)`. */
export function distributionText(error: GaussianError): string {
  return `gauss(${error.mu.toFixed(6)}, ${error.sigma.toFixed(6)})`;
}

/**
 * Where a reconstruction takes its tilt geometry from: the stack's tilt table
 * (`NAME_i_tilts.csv`: every tilt's rotation, tilt error and shift as simulated, or only its
 * nominal angle and the tilt axis), else the IMOD angle files (`.tlt` as simulated, `.rawtlt`
 * nominal), else the tilt angles in the MRC's extended header.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import {
  nominalTiltGeometry,
  parseTiltCsv,
  type TiltGeometry,
  tiltRotation,
} from "../groundtruth/mod.ts";
import { type MrcHeader, readMrcTiltAngles } from "../mrc/mod.ts";

/** Which geometry to back-project with. */
export type GeometryMode = "simulated" | "nominal";

/** One tilt for the reconstruction (unbinned units). */
export interface ReconstructionTilt {
  /** Tilt angle used for the angular weight, deg. */
  angle: number;
  /** The specimen rotation P (row-major, sample → microscope). */
  matrix: number[];
  /** Image shift x0, nm (the content moves by +x0). */
  shiftXNm: number;
  /** Image shift y0, nm. */
  shiftYNm: number;
}

/** The tilts of a stack and where they came from. */
export interface TiltSource {
  /** In stack order. */
  tilts: ReconstructionTilt[];
  /** The nominal tilt axis, deg from the image x axis. */
  tiltAxis: number;
  /** The file the geometry came from (or "MRC extended header"). */
  from: string;
}

/** The stack name's path prefix: `DIR/NAME_i` for `DIR/NAME_i.mrc` and `DIR/NAME_i_nonoise.mrc`. */
export function stackPrefix(stackPath: string): string {
  return stackPath.replace(/\.mrcs?$/i, "").replace(/_nonoise$/, "");
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

function parseAngles(text: string, name: string): number[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "").map(
    (line, i) => {
      const v = Number(line);
      if (!Number.isFinite(v)) {
        throw inputError(`Cannot read "${name}": line ${i + 1}: "${line}" is not an angle`, {
          file: name,
          line: i + 1,
        });
      }
      return v;
    },
  );
}

/** The tilt axis (deg from x) in a "Tilt axis rotation angle = A" label (IMOD: A = axis − 90). */
export function tiltAxisFromLabels(labels: string[]): number | undefined {
  for (const label of labels) {
    const m = /Tilt axis rotation angle\s*=\s*([-+0-9.eE]+)/.exec(label);
    if (m && Number.isFinite(Number(m[1]))) return Number(m[1]) + 90;
  }
  return undefined;
}

function fromGeometry(g: TiltGeometry, angle: number, withErrors: boolean): ReconstructionTilt {
  const used = withErrors ? g : nominalTiltGeometry(g.theta, g.phi);
  return {
    angle,
    matrix: [...tiltRotation(used)],
    shiftXNm: withErrors ? g.shiftXNm : 0,
    shiftYNm: withErrors ? g.shiftYNm : 0,
  };
}

/**
 * The tilt geometry of the tilt series at `stackPath` (with header `header`), as simulated or
 * nominal. Throws an `input` EtsError when no source has one angle per section.
 * Needs --allow-read on the stack's folder.
 */
export async function loadTiltSource(
  stackPath: string,
  header: MrcHeader,
  mode: GeometryMode,
): Promise<TiltSource> {
  const prefix = stackPrefix(stackPath);
  const n = header.nz;
  const check = (count: number, from: string) => {
    if (count !== n) {
      throw inputError(
        `Cannot reconstruct "${stackPath}": "${from}" has ${count} tilts, the stack has ${n}`,
        { file: from },
      );
    }
  };
  const tableName = `${prefix}_tilts.csv`;
  const table = await readIfExists(tableName);
  if (table !== undefined) {
    const rows = parseTiltCsv(table, tableName);
    check(rows.length, tableName);
    return {
      tilts: rows.map((r) => fromGeometry(r.geometry, r.nominal, mode === "simulated")),
      tiltAxis: rows[0]?.geometry.phi ?? 0,
      from: tableName,
    };
  }
  const tiltAxis = tiltAxisFromLabels(header.labels) ?? 0;
  const angleFile = mode === "simulated" ? `${prefix}.tlt` : `${prefix}.rawtlt`;
  const text = await readIfExists(angleFile);
  let angles: number[] | undefined;
  let from = angleFile;
  if (text !== undefined) angles = parseAngles(text, angleFile);
  else {
    angles = await readMrcTiltAngles(stackPath);
    from = "MRC extended header";
  }
  if (angles === undefined) {
    throw inputError(
      `Cannot reconstruct "${stackPath}": no tilt angles (no "${tableName}", "${angleFile}" or ` +
        "tilt angles in the MRC extended header)",
      { file: stackPath },
    );
  }
  check(angles.length, from);
  return {
    tilts: angles.map((a) => fromGeometry(nominalTiltGeometry(a, tiltAxis), a, false)),
    tiltAxis,
    from,
  };
}

/**
 * Angular weights (radians): half the distance between each tilt's neighbours in angle order,
 * the end tilts the distance to their one neighbour. A single tilt gets π. Needs no permissions.
 */
export function angularWeights(angles: number[]): number[] {
  const order = angles.map((a, i) => [a, i] as const).sort((p, q) => p[0] - q[0]);
  const weights = new Array<number>(angles.length).fill(Math.PI);
  if (angles.length < 2) return weights;
  const rad = Math.PI / 180;
  order.forEach(([, index], k) => {
    const prev = order[k - 1]?.[0], next = order[k + 1]?.[0], here = order[k]![0];
    const span = prev === undefined
      ? next! - here
      : next === undefined
      ? here - prev
      : (next - prev) / 2;
    weights[index] = Math.max(span, 0) * rad;
  });
  return weights;
}

/**
 * Whether the ramp filter runs along image y (tilt axis near x) or x (axis near y); tilt axes
 * more than 10° from either image axis are refused (the 1-D filter would be off-axis).
 * Needs no permissions.
 */
export function filterAlongY(tiltAxisDeg: number, stackPath: string): boolean {
  const rad = tiltAxisDeg * Math.PI / 180;
  const limit = Math.sin(10 * Math.PI / 180);
  if (Math.abs(Math.sin(rad)) <= limit) return true;
  if (Math.abs(Math.cos(rad)) <= limit) return false;
  throw inputError(
    `Cannot reconstruct "${stackPath}": the tilt axis is at ${tiltAxisDeg}° from x; only axes ` +
      "within 10° of the image x or y axis are supported",
    { file: stackPath },
  );
}

/**
 * The thickness (nm) of the tomogram the stack's RELION 5 tilt-series set describes
 * (`NAME_i_tomograms.star` beside it: rlnTomoSizeZ × rlnTomoTiltSeriesPixelSize), or undefined.
 * Needs --allow-read on the stack's folder.
 */
export async function thicknessBesideStack(stackPath: string): Promise<number | undefined> {
  const text = await readIfExists(`${stackPrefix(stackPath)}_tomograms.star`);
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const start = lines.indexOf("data_global");
  if (start < 0) return undefined;
  const labels: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line === "" || line === "loop_") continue;
    if (line.startsWith("_")) labels.push(line.slice(1).split(/\s+/)[0]!);
    else {
      const row = line.split(/\s+/);
      const value = (label: string) => Number(row[labels.indexOf(label)]);
      const nm = value("rlnTomoSizeZ") * value("rlnTomoTiltSeriesPixelSize") / 10;
      return Number.isFinite(nm) && nm > 0 ? nm : undefined;
    }
  }
  return undefined;
}

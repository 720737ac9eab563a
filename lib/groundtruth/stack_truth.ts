/**
 * One stack's ground truth as tables (pure): per-tilt geometry, errors, dose and defocus, and
 * every particle in every convention. Formatting to files is in truth_formats.ts.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import {
  type GeometryError,
  parseDefocusTable,
  parseDoseTable,
  parseGeometryErrorTable,
  parseTiltAngleTable,
  type TiltAngles,
} from "../tem/input/mod.ts";
import {
  projectParticleToTilt,
  type RelionTiltAlignment,
  relionTiltAlignment,
  simulatedTiltAngle,
} from "./projection.ts";
import { engineToRelionEuler, type RelionEuler } from "./rotation.ts";
import type { ParticleTruth, PixelPoint, Point3, StackTruthInput, TiltGeometry } from "./types.ts";

/** Default thickness (nm) of the notional tomogram for RELION 4 pixel coordinates. */
export const DEFAULT_TOMOGRAM_THICKNESS_NM = 200;

/** One tilt image of the stack. */
export interface TiltRecord {
  /** 0-based section in the MRC. */
  section: number;
  /** Nominal tilt angle, deg. */
  nominal: number;
  /** Tilt angle as simulated (with the tilt error), deg. */
  simulated: number;
  /** Full simulated geometry. */
  geometry: TiltGeometry;
  /** Dose of this image, e/nm², when known. */
  doseEPerNm2?: number;
  /** Defocus of this image, µm, positive = underfocus, when known. */
  defocusUm?: number;
  /** RELION 5 alignment reproducing the engine's projection. */
  relion: RelionTiltAlignment;
}

/** One particle in every convention. */
export interface ParticleRecord {
  /** 1-based number within the stack (over all sets). */
  id: number;
  /** 1-based class number (= particle set number). */
  classNumber: number;
  /** Class name. */
  className: string;
  /** 1-based row in its set's coordinate file. */
  indexInSet: number;
  /** As given to the engine (nm, deg ZXZ). */
  engine: ParticleTruth;
  /** RELION ZYZ angles of the same rotation. */
  relion: RelionEuler;
  /** Å from the tomogram centre (RELION 5 rlnCenteredCoordinate*Angst). */
  centeredAngst: Point3;
  /** Unbinned pixels in the notional tomogram (RELION 4 rlnCoordinate*). */
  tomogramPx: Point3;
  /** Predicted centre in the image of the zero tilt. */
  zeroTiltPx: PixelPoint;
}

/** All tables of one stack. */
export interface StackTruthTables {
  /** Stack name (rlnTomoName). */
  stackName: string;
  /** Pixel size, Å. */
  apixAngst: number;
  /** Per-tilt records, in stack order. */
  tilts: TiltRecord[];
  /** Particles, set after set. */
  particles: ParticleRecord[];
  /** Size of the notional tomogram in unbinned pixels (RELION 4 coordinates). */
  tomogramSize: { nx: number; ny: number; nz: number };
  /** Section closest to 0°. */
  zeroTiltSection: number;
  /** Class names by class number − 1. */
  classNames: string[];
}

/** Texts of the engine outputs (already read), keyed like EngineOutputs. */
export interface EngineTexts {
  /** geom_file_out text and its name. */
  geom?: { text: string; name: string };
  /** error_file_out text and its name. */
  error?: { text: string; name: string };
  /** dose_file_out text and its name. */
  dose?: { text: string; name: string };
  /** defocus_file_out text and its name. */
  defocus?: { text: string; name: string };
}

function checkCount(name: string, got: number, want: number): void {
  if (got < want) {
    throw inputError(
      `Cannot write ground truth: "${name}" has ${got} tilts, the stack has ${want}`,
      { file: name },
    );
  }
}

function validateInput(input: StackTruthInput): void {
  const where = `stack "${input.stackName}"`;
  if (!(input.apixNm > 0)) {
    throw inputError(`Cannot write ground truth of ${where}: pixel size must be > 0 nm`);
  }
  const { nx, ny } = input.detector;
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 1 || ny < 1) {
    throw inputError(`Cannot write ground truth of ${where}: detector size must be positive`);
  }
  if (input.nominalTiltAngles.length === 0) {
    throw inputError(`Cannot write ground truth of ${where}: no tilt angles`);
  }
  const thickness = input.tomogramThicknessNm;
  if (thickness !== undefined && !(thickness > 0)) {
    throw inputError(`Cannot write ground truth of ${where}: tomogram thickness must be > 0 nm`);
  }
  for (const set of input.particleSets) {
    for (const p of set.particles) {
      const values = [p.x, p.y, p.z, p.phi, p.theta, p.psi];
      if (!values.every(Number.isFinite)) {
        throw inputError(
          `Cannot write ground truth of ${where}: particle set "${set.className}" has a non-finite value`,
        );
      }
    }
  }
}

/** The engine's per-tilt tables, parsed; each absent when its file was not written. */
interface EngineTables {
  /** Tilt angles as simulated (geom_file_out). */
  geom?: TiltAngles[];
  /** Geometry errors (error_file_out). */
  errors?: GeometryError[];
  /** Dose per image, e/nm² (dose_file_out). */
  dose?: number[];
  /** Defocus per image, µm (defocus_file_out). */
  defocus?: number[];
}

/** The detector as the projections need it: size in pixels and pixel size, nm. */
type Detector = { nx: number; ny: number; apixNm: number };

/**
 * Builds the per-tilt and per-particle tables of one stack from the orchestrator's input and
 * the texts of the engine's outputs. Throws an `input` EtsError on inconsistent input (e.g. a
 * table with fewer tilts than the stack). Needs no permissions.
 */
export function buildStackTruth(input: StackTruthInput, texts: EngineTexts): StackTruthTables {
  validateInput(input);
  const tables = parseEngineTables(texts, input.nominalTiltAngles.length);
  const detector = { nx: input.detector.nx, ny: input.detector.ny, apixNm: input.apixNm };
  const tilts = tiltRecords(input.nominalTiltAngles, tables, texts.geom?.name, detector);
  const zeroTiltSection = closestToZeroTilt(tilts);
  const zeroGeometry = tilts[zeroTiltSection]?.geometry;
  const apixAngst = input.apixNm * 10;
  const tomogramSize = notionalTomogramSize(input);
  return {
    stackName: input.stackName,
    apixAngst,
    tilts,
    particles: particleRecords(input, tomogramSize, zeroGeometry, detector),
    tomogramSize,
    zeroTiltSection,
    classNames: input.particleSets.map((s) => s.className),
  };
}

/**
 * Parses the engine's tilt-angle, error, dose and defocus texts (in that order), each checked to
 * have at least `n` tilts.
 */
function parseEngineTables(texts: EngineTexts, n: number): EngineTables {
  return {
    geom: parseEngineTable(texts.geom, parseTiltAngleTable, n),
    errors: parseEngineTable(texts.error, parseGeometryErrorTable, n),
    dose: parseEngineTable(texts.dose, parseDoseTable, n),
    defocus: parseEngineTable(texts.defocus, parseDefocusTable, n),
  };
}

/** Parses one engine table with `parse` and checks it has at least `n` tilts; none without text. */
function parseEngineTable<T>(
  file: { text: string; name: string } | undefined,
  parse: (text: string, options: { fileName: string }) => T[],
  n: number,
): T[] | undefined {
  if (!file) return undefined;
  const rows = parse(file.text, { fileName: file.name });
  checkCount(file.name, rows.length, n);
  return rows;
}

/**
 * One record per tilt of the stack: nominal and simulated angles, full geometry, dose, defocus
 * and the RELION 5 alignment. Throws when the tilt-angle table (`geomName`) disagrees with a
 * nominal angle by more than 0.01°.
 */
function tiltRecords(
  nominalAngles: number[],
  tables: EngineTables,
  geomName: string | undefined,
  detector: Detector,
): TiltRecord[] {
  const tilts: TiltRecord[] = [];
  for (let i = 0; i < nominalAngles.length; i++) {
    const nominal = nominalAngles[i] ?? 0;
    const g = tables.geom?.[i];
    if (g && geomName !== undefined && Math.abs(g.theta - nominal) > 0.01) {
      throw inputError(
        `Cannot write ground truth: "${geomName}" row ${i + 1} has tilt ${g.theta}°, ` +
          `the stack's nominal angle is ${nominal}°`,
        { file: geomName },
      );
    }
    const geometry = tiltGeometry(nominal, g, tables.errors?.[i]);
    tilts.push({
      section: i,
      nominal,
      simulated: simulatedTiltAngle(geometry),
      geometry,
      doseEPerNm2: tables.dose?.[i],
      defocusUm: tables.defocus?.[i],
      relion: relionTiltAlignment(geometry, detector),
    });
  }
  return tilts;
}

/** A tilt's simulated geometry: its engine angles `g` and errors `e`, or the nominal tilt alone. */
function tiltGeometry(
  nominal: number,
  g: TiltAngles | undefined,
  e: GeometryError | undefined,
): TiltGeometry {
  return {
    psi: g?.psi ?? 0,
    theta: g?.theta ?? nominal,
    phi: g?.phi ?? 0,
    rotation: e?.rot ?? 0,
    errorAxis: e?.axis ?? 0,
    tiltError: e?.ang ?? 0,
    shiftXNm: e?.x ?? 0,
    shiftYNm: e?.y ?? 0,
  };
}

/** The section whose nominal angle is closest to 0° (the first of equals). */
function closestToZeroTilt(tilts: TiltRecord[]): number {
  let zeroTiltSection = 0;
  for (const t of tilts) {
    const best = tilts[zeroTiltSection];
    if (best && Math.abs(t.nominal) < Math.abs(best.nominal)) zeroTiltSection = t.section;
  }
  return zeroTiltSection;
}

/** Size of the notional tomogram in unbinned pixels: the detector's, and the thickness in z. */
function notionalTomogramSize(input: StackTruthInput): { nx: number; ny: number; nz: number } {
  const thicknessNm = input.tomogramThicknessNm ?? DEFAULT_TOMOGRAM_THICKNESS_NM;
  // even z size, so RELION's int(d/2) and d/2 centres agree
  const nz = Math.max(2, 2 * Math.round(thicknessNm / input.apixNm / 2));
  return { nx: input.detector.nx, ny: input.detector.ny, nz };
}

/**
 * Every particle, set after set, in every convention: engine and RELION angles, centred Å,
 * RELION 4 tomogram pixels and the predicted centre in the zero-tilt image (NaN without one).
 */
function particleRecords(
  input: StackTruthInput,
  tomogramSize: { nx: number; ny: number; nz: number },
  zeroGeometry: TiltGeometry | undefined,
  detector: Detector,
): ParticleRecord[] {
  const particles: ParticleRecord[] = [];
  input.particleSets.forEach((set, s) => {
    set.particles.forEach((p, k) => {
      const centeredAngst = { x: p.x * 10, y: p.y * 10, z: p.z * 10 };
      particles.push({
        id: particles.length + 1,
        classNumber: s + 1,
        className: set.className,
        indexInSet: k + 1,
        engine: { ...p },
        relion: engineToRelionEuler(p),
        centeredAngst,
        tomogramPx: {
          x: p.x / input.apixNm + tomogramSize.nx / 2,
          y: p.y / input.apixNm + tomogramSize.ny / 2,
          z: p.z / input.apixNm + tomogramSize.nz / 2,
        },
        zeroTiltPx: zeroGeometry
          ? projectParticleToTilt(p, zeroGeometry, detector)
          : { x: NaN, y: NaN },
      });
    });
  });
  return particles;
}

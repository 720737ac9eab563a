/**
 * Ground truth people can import: IMOD tilt files, per-tilt error/dose/defocus tables, particle
 * tables (CSV, RELION 5 and RELION 4 STAR) and the conversions behind them (engine ZXZ ↔ RELION
 * ZYZ, sample frame → tilt-image pixels). Conventions: docs/conventions.md.
 *
 * @module
 */
export type {
  EngineOutputs,
  OpticsTruth,
  ParticleSetTruth,
  ParticleTruth,
  PixelPoint,
  Point3,
  StackTruth,
  StackTruthFiles,
  StackTruthInput,
  TiltGeometry,
} from "./types.ts";
export { stackTruthFileNames, writeStackGroundTruth } from "./write_truth.ts";
export {
  buildStackTruth,
  DEFAULT_TOMOGRAM_THICKNESS_NM,
  type EngineTexts,
  type ParticleRecord,
  type StackTruthTables,
  type TiltRecord,
} from "./stack_truth.ts";
export {
  formatParticlesCsv,
  formatRawtlt,
  formatRelion4Star,
  formatRelion5Star,
  formatTiltCsv,
  formatTlt,
  PARTICLE_CSV_COLUMNS,
  TILT_CSV_COLUMNS,
} from "./truth_formats.ts";
export {
  type ImodTiltAngles,
  imodTiltAngles,
  nominalTiltGeometry,
  projectParticleToTilt,
  type RelionTiltAlignment,
  relionTiltAlignment,
  sampleToMicroscope,
  simulatedTiltAngle,
  tiltRotation,
} from "./projection.ts";
export {
  type EngineEuler,
  engineEulerToMatrix,
  engineToRelionEuler,
  type Mat3,
  matrixToEngineEuler,
  matrixToRelionEuler,
  matrixToRelionTiltAngles,
  maxAbsDiff,
  type RelionEuler,
  relionEulerToMatrix,
  relionToEngineEuler,
} from "./rotation.ts";
export { parseTiltCsv, type TiltTableRow } from "./tilt_table.ts";
export { parseParticlesCsv, type ParticleTableRow } from "./particle_table.ts";
export {
  formatTomogramsStar,
  RELION_TOMO_HAND,
  type TomogramsStarOptions,
} from "./tomograms_star.ts";

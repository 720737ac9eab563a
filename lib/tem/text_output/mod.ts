/**
 * TEM-Simulator 1.3 text outputs (spec §4.2, §1.3): the log file (re-usable as input, with the
 * progress lines) and the tilt-angle, geometry-error, dose, defocus and coordinate tables. The
 * physics computes the values and calls these writers. Writes are atomic.
 *
 * @module
 */
export type {
  GeometryError,
  ParticleCoordinate,
  SimulationLogOptions,
  TiltAngles,
} from "./types.ts";
export { CREATED_BY_LINE, formatFixed, formatReal, formatTextTable } from "./format.ts";
export {
  formatCoordinateTable,
  formatDefocusTable,
  formatDoseTable,
  formatGeometryErrorTable,
  formatTiltAngleTable,
  writeCoordinateFile,
  writeDefocusFile,
  writeDoseFile,
  writeGeometryErrorFile,
  writeTiltAngleFile,
} from "./text_files.ts";
export {
  chooseLogPath,
  defaultLogPath,
  formatLogParameters,
  LOG_FIRST_LINE,
  LOG_MESSAGES,
  SimulationLog,
} from "./log_file.ts";

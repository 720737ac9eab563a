/**
 * TEM-Simulator 1.3 input (spec `tem-simulator.md` §1, §2.1): the input file, its parameters with
 * defaults and checks, and the tabular text files it names (coordinates, tilt angles, errors, dose,
 * defocus, PDB transformations).
 *
 * Errors are `EtsError`s of kind `input` (exit 2) with `file`, `line` and `key` set and a one-line
 * message `Cannot read "FILE": line N: …`.
 *
 * @module
 */
export type {
  ByteOrder,
  ComponentBase,
  ComponentSource,
  ComponentType,
  DetectorParameters,
  ElectronBeamParameters,
  GeomErrorsKind,
  GeometryError,
  GeometryParameters,
  ImageAxisOrder,
  MapAxisOrder,
  MapFileFormat,
  OpticsParameters,
  ParticleCoordinate,
  ParticleCoordsKind,
  ParticleParameters,
  ParticleSetParameters,
  ParticleSourceKind,
  ParticleWhere,
  PdbTransform,
  SampleParameters,
  SimulationInput,
  SimulationParameters,
  TextTable,
  TiltAngles,
  TiltMode,
  VolumeParameters,
} from "./types.ts";
export { parseSimulationText } from "./parse_simulation.ts";
export type { ParseSimulationOptions } from "./parse_simulation.ts";
export {
  checkOutputPaths,
  outputPaths,
  parseSimulationFile,
  redirectOutputs,
} from "./read_simulation.ts";
export {
  MAX_TABLE_FILE_BYTES,
  parseCoordinateTable,
  parseDefocusTable,
  parseDoseTable,
  parseGeometryErrorTable,
  parsePdbTransformTable,
  parseTableOf,
  parseTextTable,
  parseTiltAngleTable,
  readCoordinateFile,
  readDefocusFile,
  readDoseFile,
  readGeometryErrorFile,
  readPdbTransformFile,
  readTextTable,
  readTiltAngleFile,
} from "./text_table.ts";
export type { TableKind, TextTableOptions } from "./text_table.ts";
export { COMPONENT_ORDER, PARAMETERS } from "./schema.ts";
export type { ParameterSpec, ParameterType } from "./schema.ts";
export { parseIntegerLiteral, parseRealLiteral } from "./numbers.ts";
export { TemInputError } from "./input_error.ts";

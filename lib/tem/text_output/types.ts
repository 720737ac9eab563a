/**
 * Data written by the text outputs (spec §4.2). The physics computes them; these writers format
 * them exactly like TEM-Simulator 1.3. Angles are in degrees, lengths in nm, dose in e/nm²,
 * defocus in µm.
 *
 * @module
 */
export type { GeometryError, ParticleCoordinate, TiltAngles } from "../input/mod.ts";

/** Options of the log file. */
export interface SimulationLogOptions {
  /** Absolute path of the log file. */
  path: string;
  /** Called with every line added after the parameter tables (e.g. to echo progress to stdout). */
  echo?: (line: string) => void;
}

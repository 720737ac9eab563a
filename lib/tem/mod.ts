/**
 * `ets tem-simulator`: a TEM-Simulator 1.3 compatible imaging engine (spec
 * `tem-simulator.md`). `runTemSimulation` runs an input file; the rest is for tools and tests.
 *
 * @module
 */
export { runTemSimulation } from "./simulation.ts";
export type { TemSimulationOptions } from "./simulation.ts";
export { EXACT_GRID_LIMIT, gridSize, imagingGrids } from "./imaging_setup.ts";
export type { GridSizing } from "./imaging_setup.ts";
export { beamFor } from "./beam.ts";
export type { Beam } from "./beam.ts";
export { fastFftSize } from "./fft.ts";
export { RandomStream } from "./random.ts";
export {
  iceAbsorptionPotential,
  iceRealPotential,
  pdbPotential,
  readPdbAtoms,
} from "./pdb_potential.ts";
export type { PdbPotential, PotentialMap } from "./pdb_potential.ts";
export { parseTableOf } from "./input/mod.ts";
export type { TableKind, TextTable } from "./input/mod.ts";
export {
  compareTiltSeries,
  compareWithReference,
  EQUIVALENCE_BARS,
  failedFigures,
  formatFigures,
  readImageStack,
  worstFigures,
} from "./compare.ts";
export type { DetectorComparison, ImageStack, TiltFigures } from "./compare.ts";

/**
 * Assemblers (ETSimulations' Assembler classes): they build each tilt series' particle maps
 * through the Chimera pool and hand the simulation its particle sets. Chosen by name from a
 * registry: `basic` and `membrane` (alias `t4ss`).
 *
 * @module
 */
export type {
  Assembler,
  AssemblerContext,
  AssemblerDefinition,
  ChimeraClient,
  GaussianError,
  ParsedCoordinates,
  ParticleSet,
  PathResolver,
  TemplateParticle,
  TiltSeriesSimulation,
  Triple,
} from "./assembler.ts";
export { assemblerDefinitions, assemblerNames, findAssembler } from "./registry.ts";
export {
  BASIC_PARTICLE_NAME,
  BasicAssembler,
  basicAssemblerDefinition,
  basicOptionsSchema,
} from "./basic_assembler.ts";
export type { BasicOptions } from "./basic_assembler.ts";
export {
  MEMBRANE_MAX_PARTICLES,
  MembraneAssembler,
  membraneAssemblerDefinition,
  membraneOptionsSchema,
  membraneParticleCommands,
} from "./membrane_assembler.ts";
export type { MembraneOptions } from "./membrane_assembler.ts";
export { deriveSeed, Random, randomRunSeed, splitMix64 } from "./random.ts";
export {
  distributionText,
  drawOrientation,
  parseDynamoTable,
  parseNumberTable,
  parseOrientationFile,
  parseOrientationSource,
  perturb,
} from "./orientations.ts";
export type { OrientationSource } from "./orientations.ts";
export { fileToken, gaussianErrorSchema } from "./chimera_commands.ts";

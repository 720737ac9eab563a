/**
 * Assemblers (ETSimulations' Assembler classes): they build each tilt series' particle maps
 * through the Chimera pool and hand the simulation its particle sets. Chosen by name from a
 * registry: `basic`, `membrane` (alias `t4ss`) and `crowded` (random, non-overlapping particles of
 * several classes).
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
  PlannedClass,
  TemplateParticle,
  TiltSeriesSimulation,
  Triple,
} from "./assembler.ts";
export {
  assemblerDefinitions,
  assemblerNames,
  findAssembler,
  resolveAssembler,
} from "./registry.ts";
export {
  ASSEMBLER_METHODS,
  AssemblerModuleError,
  assemblerModuleFactsSchema,
  definitionOfModule,
  describeAssemblerModule,
  isAssemblerModulePath,
  loadAssemblerModule,
  useAssemblerModuleFacts,
} from "./user_module.ts";
export type { AssemblerModuleFacts } from "./user_module.ts";
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
export {
  classCounts,
  CrowdedAssembler,
  crowdedAssemblerDefinition,
  crowdedOptionsSchema,
  loadClassShape,
} from "./crowded_assembler.ts";
export type { CrowdedOptions } from "./crowded_assembler.ts";
export {
  checkCrowding,
  CrowdingError,
  MAX_FILL_FRACTION,
  placeCrowded,
  uniformOrientation,
} from "./crowded_placement.ts";
export type { PlacedParticle, Placement, PlacementClass } from "./crowded_placement.ts";
export { occupancyShape, shapeContains, shapeFromAtoms, shapeFromMap } from "./particle_shape.ts";
export type { ParticleShape } from "./particle_shape.ts";
export {
  centreInView,
  iceHalfThickness,
  iceVolumeInView,
  sampleGeometryOf,
  templateViewWarning,
} from "./sample_geometry.ts";
export type { SampleGeometry } from "./sample_geometry.ts";

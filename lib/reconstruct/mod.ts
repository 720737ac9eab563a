/**
 * Tomograms and labels from tilt series: weighted back-projection (R-weighting with IMOD's radial
 * filter, bounded memory, Web Workers), with the geometry as simulated or nominal, and semantic /
 * instance label maps on the same voxel grid from each particle's own map. See
 * docs/reconstruct.md.
 *
 * @module
 */
export {
  DEFAULT_RECONSTRUCTION_THICKNESS_NM,
  type Reconstruction,
  reconstructionBytes,
  type ReconstructOptions,
  reconstructTiltSeries,
} from "./reconstruct.ts";
export { DEFAULT_RADIAL_FILTER, type RadialFilter } from "./ramp_filter.ts";
export { gridOriginAngst, sampleToVoxel, type VolumeGrid, volumeGrid } from "./grid.ts";
export { type GeometryMode, stackPrefix, thicknessBesideStack } from "./tilt_source.ts";
export { DEFAULT_LABEL_LEVEL } from "./labels.ts";
export {
  labelFileNames,
  type LabelInput,
  labelInputBesideStack,
  writeLabelMaps,
} from "./label_files.ts";
export { reconstructStack, type StackReconstructOptions } from "./stack.ts";

/**
 * One tilt series to a tomogram plus, when its ground truth lies beside it, the label maps and
 * class table on the same grid (what `ets reconstruct` and generate's reconstruct option run).
 *
 * @module
 */
import {
  type Reconstruction,
  type ReconstructOptions,
  reconstructTiltSeries,
} from "./reconstruct.ts";
import {
  type LabelClassInfo,
  labelFileNames,
  labelInputBesideStack,
  writeLabelMaps,
} from "./label_files.ts";
import { DEFAULT_LABEL_LEVEL } from "./labels.ts";

/** Options of {@linkcode reconstructStack}. */
export interface StackReconstructOptions extends ReconstructOptions {
  /** Write label maps when the ground truth is found (default true). */
  labels?: boolean;
  /** Iso-level as a fraction of each map's maximum (default 0.25). */
  labelLevel?: number;
  /** Map files by class name (win over what is found beside the stack). */
  mapSources?: Map<string, string>;
}

/** What {@linkcode reconstructStack} wrote. */
export interface StackReconstruction extends Reconstruction {
  /** The tomogram. */
  output: string;
  /** The label files, when written. */
  labels?: { semantic: string; instance: string; classes: string; info: LabelClassInfo[] };
}

/**
 * Reconstructs `options.input` into `options.output` and writes `OUT_labels.mrc`,
 * `OUT_instances.mrc` and `OUT_label_classes.csv` when the stack's particle CSV lies beside it.
 * Needs --allow-read on the stack's folder (and the maps), --allow-write on the output's folder.
 */
export async function reconstructStack(
  options: StackReconstructOptions,
): Promise<StackReconstruction> {
  const level = options.labelLevel ?? DEFAULT_LABEL_LEVEL;
  // Read the ground truth first: a bad particle table fails before anything is written.
  const labelInput = options.labels === false
    ? undefined
    : await labelInputBesideStack(options.input, level, options.mapSources);
  const result = await reconstructTiltSeries(options);
  if (labelInput === undefined) return { ...result, output: options.output };
  const files = labelFileNames(options.output);
  await writeLabelMaps(result.grid, labelInput, files);
  return { ...result, output: options.output, labels: { ...files, info: labelInput.info } };
}

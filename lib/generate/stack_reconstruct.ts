/**
 * generate's `reconstruct` option, after a stack's ground truth is written: the noisy and the
 * noise-free tilt series reconstructed (`NAME_i_rec.mrc`, `NAME_i_nonoise_rec.mrc`) and, with
 * labels on, `NAME_i_labels.mrc`, `NAME_i_instances.mrc` and `NAME_i_label_classes.csv` on the
 * same grid, from the maps the stack was imaged with (lib/reconstruct). Recorded in the stack's
 * metadata record.
 *
 * @module
 */
import type { GenerateConfig, ReconstructSettings } from "../config/mod.ts";
import { SimTemplate } from "../config/mod.ts";
import {
  DEFAULT_RECONSTRUCTION_THICKNESS_NM,
  labelInputBesideStack,
  reconstructTiltSeries,
  writeLabelMaps,
} from "../reconstruct/mod.ts";
import type { StackRecord } from "./metadata.ts";
import { FIDUCIAL_NAME } from "./simulation.ts";

/** The map file of every particle set of `record` (and the fiducials), by class name. */
function mapSources(record: StackRecord, stackDir: string): Map<string, string> {
  const sources = new Map<string, string>();
  for (const set of record.particle_sets) {
    sources.set(
      set.class_name,
      set.source.startsWith("/") ? set.source : `${stackDir}/${set.source}`,
    );
  }
  if (record.fiducials?.map) sources.set(FIDUCIAL_NAME, record.fiducials.map);
  return sources;
}

/** Back-projection threads for one stack: both cores when one worker runs, else one each. */
function threadsPerStack(config: GenerateConfig): number {
  const cores = Math.max(1, navigator.hardwareConcurrency || 1);
  const workers = config.workers ?? config.numCores ?? cores;
  return workers >= cores ? 1 : Math.min(2, cores);
}

/**
 * Reconstructs a finished stack and writes its label maps beside it (a failure fails the
 * stack). Adds `reconstruction` to `record`. Needs --allow-read on the stack's folder and the
 * particle maps, --allow-write on the stack's folder.
 */
export async function reconstructFinishedStack(
  config: GenerateConfig,
  settings: ReconstructSettings,
  record: StackRecord,
  stackDir: string,
): Promise<void> {
  const template = new SimTemplate(config.simTemplateText);
  const edge = Number(template.get("sample", "thickness_edge"));
  const thicknessNm = settings.thicknessNm ??
    (Number.isFinite(edge) && edge > 0 ? edge : DEFAULT_RECONSTRUCTION_THICKNESS_NM);
  const common = {
    bin: settings.bin,
    thicknessNm,
    geometry: settings.geometry,
    filter: settings.radial,
    threads: threadsPerStack(config),
  };
  const tomogram = record.output.replace(/\.mrc$/i, "_rec.mrc");
  const nonoiseTomogram = record.nonoise_output.replace(/\.mrc$/i, "_rec.mrc");
  const labelInput = settings.labels
    ? await labelInputBesideStack(record.output, settings.labelLevel, mapSources(record, stackDir))
    : undefined;
  const result = await reconstructTiltSeries({ ...common, input: record.output, output: tomogram });
  await reconstructTiltSeries({ ...common, input: record.nonoise_output, output: nonoiseTomogram });
  const entry: Record<string, string | number> = {
    tomogram,
    nonoise_tomogram: nonoiseTomogram,
    bin: settings.bin,
    voxel_size_angst: result.grid.voxelNm * 10,
    geometry: settings.geometry,
  };
  if (labelInput !== undefined) {
    const base = `${stackDir}/${record.name}`;
    const files = {
      semantic: `${base}_labels.mrc`,
      instance: `${base}_instances.mrc`,
      classes: `${base}_label_classes.csv`,
    };
    await writeLabelMaps(result.grid, labelInput, files);
    entry.labels = files.semantic;
    entry.instances = files.instance;
    entry.label_classes = files.classes;
  }
  record.reconstruction = entry;
}

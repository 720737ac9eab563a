/**
 * After a stack succeeds: its ground truth (lib/groundtruth: IMOD tilt files, per-tilt tables,
 * particle CSV and RELION STAR files, fiducials included) and its preview picture
 * (lib/preview), recorded in the stack's metadata record.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { GenerateConfig } from "../config/mod.ts";
import { SimTemplate } from "../config/mod.ts";
import {
  type ParticleSetTruth,
  type StackTruthInput,
  writeStackGroundTruth,
} from "../groundtruth/mod.ts";
import { readCoordinateFile } from "../tem/input/mod.ts";
import { writeStackPreview } from "../preview/mod.ts";
import type { StackRecord } from "./metadata.ts";
import { FIDUCIAL_NAME } from "./simulation.ts";

function numberIn(template: SimTemplate, type: string, name: string): number | undefined {
  const value = Number(template.get(type, name));
  return template.get(type, name) === undefined || !Number.isFinite(value) ? undefined : value;
}

/**
 * The amplitude contrast the engine used for the particles of interest (RELION's
 * rlnAmplitudeContrast): `famp` of their particle sections when these use no absorption
 * potential (`use_imag_pot = no`; ETSimulations' maps: famp = 0). Undefined (RELION's customary
 * 0.07 is written) for atomic models or maps with an absorption potential, whose amplitude
 * contrast is not one number. Needs no permissions.
 */
export function amplitudeContrastOf(
  engineInput: SimTemplate,
  record: StackRecord,
): number | undefined {
  const sets = record.particle_sets.filter((set) => set.key);
  const names = new Set((sets.length > 0 ? sets : record.particle_sets).map((s) => s.class_name));
  const values = new Set<number>();
  for (const component of engineInput.componentsOf("particle")) {
    if (!names.has(component.name)) continue;
    const value = (name: string) =>
      component.parameters.filter((p) => p.name === name).at(-1)?.value;
    if (value("source") !== "map" || value("use_imag_pot") !== "no") return undefined;
    const famp = Number(value("famp"));
    if (!Number.isFinite(famp)) return undefined;
    values.add(famp);
  }
  return values.size === 1 ? [...values][0] : undefined;
}

/**
 * The ground-truth writer's input for a finished stack (particle sets in engine order, the
 * fiducials last when the engine wrote their coordinates). Needs --allow-read on the fiducial
 * coordinate file.
 */
export async function stackTruthInput(
  config: GenerateConfig,
  record: StackRecord,
  stackDir: string,
): Promise<StackTruthInput> {
  const template = new SimTemplate(config.simTemplateText);
  const particleSets: ParticleSetTruth[] = record.particle_sets.map((set) => ({
    className: set.class_name,
    particles: set.coordinates.map((position, i) => {
      const angles = set.orientations[i] ?? [0, 0, 0];
      return {
        x: position[0],
        y: position[1],
        z: position[2],
        phi: angles[0],
        theta: angles[1],
        psi: angles[2],
      };
    }),
  }));
  const fiducialFile = record.fiducials?.coord_file;
  if (fiducialFile) {
    const coordinates = await readCoordinateFile(fiducialFile);
    particleSets.push({
      className: FIDUCIAL_NAME,
      particles: coordinates.map(({ x, y, z, phi, theta, psi }) => ({ x, y, z, phi, theta, psi })),
    });
  }
  const engineInput = record.engine?.input;
  const amplitudeContrast = engineInput === undefined
    ? undefined
    : amplitudeContrastOf(new SimTemplate(await Deno.readTextFile(engineInput)), record);
  const voltage = numberIn(template, "electronbeam", "acc_voltage");
  const cs = numberIn(template, "optics", "cs");
  return {
    stackDir,
    stackName: record.name,
    apixNm: record.apix,
    detector: record.detector,
    nominalTiltAngles: record.tilt_angles,
    engineOutputs: {
      geomFile: record.engine?.geom_file,
      errorFile: record.engine?.error_file,
      doseFile: record.engine?.dose_file,
      defocusFile: record.engine?.defocus_file,
    },
    particleSets,
    tomogramThicknessNm: numberIn(template, "sample", "thickness_edge"),
    optics: voltage !== undefined && cs !== undefined
      ? { voltageKv: voltage, sphericalAberrationMm: cs, amplitudeContrast }
      : undefined,
    tiltAxis: numberIn(template, "geometry", "tilt_axis") ?? 0,
  };
}

/**
 * Writes a finished stack's ground truth (a failure fails the stack) and, when `preview`, its
 * preview.png with the particles of interest circled at the tilt closest to 0° (a failure is
 * only logged). Adds `ground_truth` and `preview` to `record`.
 * Needs --allow-read on the stack's files, --allow-write on its folder.
 */
export async function writeTruthAndPreview(
  config: GenerateConfig,
  record: StackRecord,
  stackDir: string,
  preview: boolean,
  logger: Logger,
): Promise<void> {
  const truth = await writeStackGroundTruth(await stackTruthInput(config, record, stackDir));
  const groundTruth: Record<string, string> = {};
  for (const [key, file] of Object.entries(truth.files)) groundTruth[key] = `${stackDir}/${file}`;
  record.ground_truth = groundTruth;
  if (!preview) return;
  // Circle the particles of interest: the truth lists every set in order, fiducials last.
  const markers: { x: number; y: number }[] = [];
  let offset = 0;
  for (const set of record.particle_sets) {
    if (set.key) {
      markers.push(...truth.zeroTilt.markers.slice(offset, offset + set.coordinates.length));
    }
    offset += set.coordinates.length;
  }
  const out = `${stackDir}/preview.png`;
  try {
    await writeStackPreview({
      noisy: record.output,
      noiseFree: record.nonoise_output,
      out,
      section: truth.zeroTilt.section,
      markers,
      // the fiducials (listed after every set) do not set the contrast: the particles do
      ignore: truth.zeroTilt.markers.slice(offset),
    });
    record.preview = out;
  } catch (error) {
    logger.warn(
      `Stack ${record.global_stack_no}: no preview: ${
        error instanceof Error ? error.message : error
      }`,
    );
  }
}

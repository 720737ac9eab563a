/**
 * The zod schema of a generate config: ETSimulations' keys (so its own configs run unchanged)
 * plus `seed`, `retries`, `workers` and `chimera_timeout`.
 *
 * @module
 */
import { z } from "zod";

const gaussianError = z.strictObject({ mu: z.number(), sigma: z.number().min(0) });

const stackName = z.string().min(1).refine(
  (name) =>
    !name.includes("/") && !name.includes("\\") && !name.includes("\0") && name !== "." &&
    name !== "..",
  { message: "must be a plain name (no slashes)" },
);

/** What generate's `reconstruct` key asks for (docs/reconstruct.md). */
export interface ReconstructSettings {
  /** Binning of the tilt images. */
  bin: number;
  /** Thickness, nm; undefined → the sample's thickness_edge. */
  thicknessNm?: number;
  /** Geometry as simulated or nominal. */
  geometry: "simulated" | "nominal";
  /** Radial filter (cycles/pixel); undefined → IMOD's default. */
  radial?: { cutoff: number; falloff: number };
  /** Whether to write label maps. */
  labels: boolean;
  /** Iso-level fraction of each map's maximum. */
  labelLevel: number;
}

/** The settings of a validated `reconstruct` value, or undefined when off. Needs no permissions. */
export function reconstructSettings(
  value: boolean | {
    bin: number;
    thickness?: number;
    geometry: "simulated" | "nominal";
    radial?: [number, number];
    labels: boolean;
    label_level: number;
  },
): ReconstructSettings | undefined {
  if (value === false) return undefined;
  if (value === true) return { bin: 1, geometry: "simulated", labels: true, labelLevel: 0.25 };
  return {
    bin: value.bin,
    thicknessNm: value.thickness,
    geometry: value.geometry,
    radial: value.radial && { cutoff: value.radial[0], falloff: value.radial[1] },
    labels: value.labels,
    labelLevel: value.label_level,
  };
}

/** The raw config as written (before paths are resolved). */
export const rawConfigSchema = z.strictObject({
  // Persistent configs
  /** TEM-Simulator executable; absent → the embedded engine (`ets tem-simulator`). */
  tem_simulator_executable: z.string().min(1).optional(),
  /** Chimera / ChimeraX executable; absent → the embedded server (`ets chimera-server`). */
  chimera_exec_path: z.string().min(1).optional(),
  // Run-specific configs
  /** The particle source (MRC map or PDB), for assemblers that use one. */
  model: z.string().min(1).optional(),
  /** The project folder. */
  root: z.string().min(1).optional(),
  /** The TEM-Simulator template input file. */
  config: z.string().min(1),
  /** The particle coordinate template (pixels, origin at the centre); optional for assemblers
   * that place particles themselves (crowded). */
  coord: z.string().min(1).optional(),
  /** Gaussian noise (pixels) on the recorded coordinates (ETSimulations' top-level form). */
  coord_error: gaussianError.optional(),
  /** How many tilt series to generate. */
  num_stacks: z.int().min(1).max(10_000_000),
  /** The dataset name (stacks are NAME_i); default: the root folder's name. */
  name: stackName.optional(),
  /** ETSimulations' number of parallel processes; here the default number of workers. */
  num_cores: z.int().min(1).max(4096).optional(),
  /** Pixel size of the stacks, nm. */
  apix: z.number().positive().max(1000),
  /** How many Chimera servers to start. */
  num_chimera_windows: z.int().min(1).max(256).default(1),
  /** Nominal defocus values (µm, positive = underfocus), cycled over the stacks. */
  defocus_values: z.array(z.number().refine(Number.isFinite, "must be a finite number")).min(1),
  /** The gold-bead map for the fiducials; absent → no fiducials. */
  bead_map: z.string().min(1).optional(),
  /** TEM-Simulator `occupancy` of the fiducial set (volume fraction). */
  bead_occupancy: z.number().min(0).max(100).optional(),
  /** The assembler's name in the registry. */
  assembler: z.string().min(1).default("basic"),
  /** ETSimulations' notification address (accepted; no mail is sent). */
  email: z.string().optional(),
  /** Options for the assembler (checked by the assembler's own schema). */
  custom_configs: z.record(z.string(), z.unknown()).optional(),
  // ets additions
  /** Run seed: every stack's seed derives from it and the stack number. Absent → random. */
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** How many times a failed stack is retried before it is recorded as failed. */
  retries: z.int().min(0).max(100).default(1),
  /** Web Workers running stacks in parallel (default: num_cores, else the CPU count). */
  workers: z.int().min(1).max(4096).optional(),
  /**
   * Reconstruct every stack (noisy and noise-free) and write label maps beside it: `true` for the
   * defaults, or `{ bin, thickness (nm), geometry, radial, labels, label_level }`
   * (docs/reconstruct.md).
   */
  reconstruct: z.union([
    z.boolean(),
    z.strictObject({
      bin: z.int().min(1).max(64).default(1),
      thickness: z.number().positive().max(100_000).optional(),
      geometry: z.enum(["simulated", "nominal"]).default("simulated"),
      radial: z.tuple([z.number().gt(0).max(0.5), z.number().gt(0).max(0.5)]).optional(),
      labels: z.boolean().default(true),
      label_level: z.number().gt(0).max(1).default(0.25),
    }),
  ]).default(false),
  /**
   * Seconds a Chimera server may take to answer a command before it is killed, restarted and the
   * batch replayed (ETSimulations: 600).
   */
  chimera_timeout: z.number().positive().max(86400).default(600),
  /**
   * Seconds one engine run (one stack) may take before it is killed and the stack retried;
   * "auto" (default): derived from the stack's size (docs/sizes.md).
   */
  engine_timeout: z.union([z.number().positive().max(7 * 86400), z.literal("auto")]).default(
    "auto",
  ),
}).superRefine((config, ctx) => {
  if (config.bead_map !== undefined && config.bead_occupancy === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["bead_map"],
      message: 'needs "bead_occupancy" (the fiducials\' occupancy) as well',
    });
  }
});

/** The raw config as validated. */
export type RawConfig = z.output<typeof rawConfigSchema>;

/** Every key a config may have, for "did you mean". */
export const CONFIG_KEYS: readonly string[] = Object.keys(rawConfigSchema.shape);

/** The keys whose values are file paths (resolved against the config's folder). */
export const PATH_KEYS = [
  "tem_simulator_executable",
  "chimera_exec_path",
  "model",
  "root",
  "config",
  "coord",
  "bead_map",
] as const;

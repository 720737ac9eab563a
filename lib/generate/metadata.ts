/**
 * `root/sim_metadata.json`: one record per planned stack, with ETSimulations' fields (output,
 * nonoise_output, global_stack_no, apix, defocus, sim_configs, particle_coords, orientations,
 * positions, custom_data) plus what a reader needs to trust and use the stack (seed, tilt angles,
 * status, particle sets, engine outputs, ground truth). Rewritten atomically after every change,
 * so it is valid JSON at every moment.
 *
 * @module
 */
import type { Triple } from "../assemblers/mod.ts";
import { inputError } from "../errors/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";
import type { Shard } from "./plan.ts";

/** Where a stack is. */
export type StackStatus = "pending" | "done" | "failed";

/** One particle set of a stack, as imaged (the ground truth's input). */
export interface ParticleSetRecord {
  /** Particle name in the engine input; the class name in ground-truth tables. */
  class_name: string;
  /** Particles of interest (true) or decoys. */
  key: boolean;
  /**
   * The source map / model file given to the engine: an input file's absolute path, or, for a
   * map the assembler made (`temporary`), its name relative to the stack folder as the kept
   * engine input names it (`sim/maps/<class_name>.mrc`; the map itself is removed after the
   * stack). Never a worker's or shard's temp path, so records are the same wherever the stack ran.
   */
  source: string;
  /**
   * True when `source` was a map the assembler made for this stack and was not kept (it is kept
   * in `sim/maps/` when the `reconstruct` option writes labels).
   */
  temporary?: boolean;
  /** The coordinate file given to the engine (kept in the stack's `sim/` folder). */
  coord_file: string;
  /** Positions imaged, nm (sample frame, origin at the centre). */
  coordinates: Triple[];
  /** Orientations imaged, ZXZ (phi, theta, psi) in degrees (engine convention). */
  orientations: Triple[];
}

/**
 * The engine run of a stack: its input, log and text outputs (all kept in `sim/`). Wall times
 * are in the log (`Stack N done in X s (engine Y s)`), not here: a record is the same whichever
 * machine, worker or shard produced the stack.
 */
export interface EngineRecord {
  /** The TEM-Simulator input file used. */
  input: string;
  /** Its log file. */
  log: string;
  /** geom_file_out (ψ θ φ per tilt). */
  geom_file?: string;
  /** error_file_out (ρ α τ, x0 y0 per tilt). */
  error_file?: string;
  /** dose_file_out. */
  dose_file?: string;
  /** defocus_file_out. */
  defocus_file?: string;
}

/** The fiducial set of a stack. */
export interface FiducialRecord {
  /** The bead map. */
  map: string;
  /** TEM-Simulator occupancy. */
  occupancy: number;
  /** Where the engine wrote the random bead positions (coord_file_out). */
  coord_file: string;
}

/** One stack's metadata record. */
export interface StackRecord {
  /** The noisy tilt series (ETSimulations' field). */
  output: string;
  /** The noise-free tilt series. */
  nonoise_output: string;
  /** Global stack number. */
  global_stack_no: number;
  /** Pixel size, nm. */
  apix: number;
  /** Nominal defocus, µm. */
  defocus: number;
  /** The TEM-Simulator template used. */
  sim_configs: string;
  /** The coordinate template used. */
  particle_coords: string;
  /** Recorded orientations of the particles of interest (ZXZ degrees; noisy with orientations_error). */
  orientations: Triple[];
  /** Recorded positions of the particles of interest (nm; noisy with coord_error). */
  positions: Triple[];
  /** The assembler's own metadata. */
  custom_data: Record<string, unknown> | null;
  /** `NAME_i`. */
  name: string;
  /** The stack's seed. */
  seed: number;
  /** The run seed it derives from. */
  run_seed: number;
  /** Nominal tilt angles (degrees), one per section. */
  tilt_angles: number[];
  /** pending, done or failed. */
  status: StackStatus;
  /** Attempts made so far. */
  attempts: number;
  /** Why the last attempt failed. */
  error?: string;
  /** The shard that produced it, in a sharded run. */
  shard?: Shard;
  /** The dataset fingerprint it was made from (see `dataset_fingerprint.json`). */
  fingerprint?: string;
  /** Detector size (pixels). */
  detector: { nx: number; ny: number };
  /** Every particle set imaged, as imaged. */
  particle_sets: ParticleSetRecord[];
  /** The fiducials, when configured. */
  fiducials?: FiducialRecord;
  /** The engine run. */
  engine?: EngineRecord;
  /** Ground-truth files written beside the MRCs (paths). */
  ground_truth?: Record<string, string>;
  /** Tomograms and label maps (the `reconstruct` option): paths, bin, voxel size, geometry. */
  reconstruction?: Record<string, string | number>;
  /** The preview picture, when written. */
  preview?: string;
}

/** The metadata file of a run or shard, rewritten atomically on every change. */
export class MetadataStore {
  readonly path: string;
  readonly #records = new Map<number, StackRecord>();
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string, records: Iterable<StackRecord> = []) {
    this.path = path;
    for (const record of records) this.#records.set(record.global_stack_no, record);
  }

  /** The record of stack `id`. */
  get(id: number): StackRecord | undefined {
    return this.#records.get(id);
  }

  /** Sets (replaces) a record. Call {@linkcode write} to persist. */
  set(record: StackRecord): void {
    this.#records.set(record.global_stack_no, record);
  }

  /** All records, by stack number. */
  records(): StackRecord[] {
    return [...this.#records.values()].sort((a, b) => a.global_stack_no - b.global_stack_no);
  }

  /** The JSON text (a list, as ETSimulations writes it). */
  toJson(): string {
    return JSON.stringify(this.records(), null, 2) + "\n";
  }

  /**
   * Writes the file atomically; writes are serialised, so the file always holds the latest state.
   * Needs --allow-write on the file's folder.
   */
  write(): Promise<void> {
    const text = this.toJson();
    this.#writing = this.#writing.catch(() => {}).then(() => writeFileAtomic(this.path, text));
    return this.#writing;
  }

  /** Waits for pending writes. */
  async flush(): Promise<void> {
    await this.#writing;
  }
}

/**
 * Reads an existing metadata file (for --resume): a JSON list of records. Returns [] when the file
 * does not exist. Throws an input error when it is not a list of records.
 * Needs --allow-read on `path`.
 */
export async function readMetadata(path: string): Promise<StackRecord[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw inputError(`Cannot resume: "${path}" is not valid JSON`, { file: path, cause: error });
  }
  if (!Array.isArray(data)) {
    throw inputError(`Cannot resume: "${path}" is not a list of stack records`, { file: path });
  }
  return data.filter((record): record is StackRecord =>
    record !== null && typeof record === "object" &&
    typeof (record as StackRecord).global_stack_no === "number"
  );
}

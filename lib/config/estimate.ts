/**
 * Size estimates made before anything is allocated: the memory one engine run needs, the disk a
 * tilt series takes, the size of the metadata, and whether a run of `workers` workers fits the
 * machine. The formulas are documented in docs/sizes.md; every refusal is one line with the
 * numbers (exit 2).
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";

/** Most tilts a tilt series may have (no acquisition scheme comes near; per-tilt tables stay small). */
export const MAX_TILTS = 10_000;

/** Largest metadata JSON a run may need, bytes (V8 strings stop at ≈ 512 MiB; keep half). */
export const MAX_METADATA_BYTES = 256 * 1024 * 1024;

/**
 * Largest padded grid side of the embedded engine: its FFTs run in a WebAssembly heap (at most
 * 2 GiB) that must hold two complex64 grids with room to spare.
 */
export const MAX_EMBEDDED_GRID_SIDE = 8192;

/** Memory of a Deno runtime with the engine's modules loaded, bytes. */
export const ENGINE_BASE_BYTES = 256 * 1024 * 1024;

/** Memory of the main thread (orchestrator, Chimera pool bookkeeping), bytes. */
export const MAIN_BASE_BYTES = 512 * 1024 * 1024;

/** Complex grids one engine thread keeps of the padded wave grid (wave, propagator, FFT work). */
export const WAVE_GRIDS_PER_THREAD = 12;

/** The sizes of one stack (one engine run). */
export interface StackSize {
  /** Detector pixels. */
  nx: number;
  /** Detector pixels. */
  ny: number;
  /** Detector padding (TEM-Simulator `padding`, pixels on each side). */
  padding: number;
  /** Tilts of the series. */
  tilts: number;
  /** Voxel counts of the particle maps the engine loads (one entry per distinct map). */
  mapVoxels: number[];
  /** Engine threads (1 for an external engine). */
  threads: number;
  /** Whether the embedded engine runs it (its grid side is limited). */
  embedded?: boolean;
}

/**
 * Upper bound of the engine's FFT grid side for a padded detector side `n + 2·padding`: the
 * next 2·3·5-smooth size is within 8 % above it. Needs no permissions.
 */
export function paddedGridSide(n: number, padding: number): number {
  return Math.ceil((n + 2 * padding) * 1.08) + 2;
}

/** Bytes of one tilt series as written (1024-byte header, FEI1 extended header, float32). */
export function tiltSeriesBytes(nx: number, ny: number, tilts: number): number {
  return 1024 + 768 * tilts + 4 * nx * ny * tilts;
}

/**
 * Memory of one engine run, bytes: the runtime, `threads` × 12 complex64 grids of the padded
 * wave grid, two detectors' float32 image and accumulator, 24 bytes per voxel of every particle
 * map (float64 real and imaginary potential plus a float32 copy) and 256 bytes per tilt.
 * Needs no permissions.
 */
export function engineMemoryBytes(size: StackSize): number {
  const side = (n: number) => paddedGridSide(n, size.padding);
  const wave = WAVE_GRIDS_PER_THREAD * 8 * side(size.nx) * side(size.ny);
  const detectors = 2 * 2 * 4 * size.nx * size.ny;
  const maps = size.mapVoxels.reduce((sum, voxels) => sum + 24 * voxels, 0);
  return ENGINE_BASE_BYTES + Math.max(1, size.threads) * wave + detectors + maps + 256 * size.tilts;
}

/** Bytes of a run's metadata JSON: ≈ 1 kB per stack, 24 per tilt angle, 160 per particle. */
export function metadataBytes(stacks: number, tilts: number, particles: number): number {
  return stacks * (1024 + 24 * tilts + 160 * particles);
}

/** Bytes as "12.3 GB". Needs no permissions. */
export function humanBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** What a whole run needs. */
export interface RunNeeds {
  /** Stack sizes. */
  stack: StackSize;
  /** Stacks of the whole run (metadata size) and of this run or shard (disk). */
  totalStacks: number;
  /** Stacks this run produces. */
  stacksToDo: number;
  /** Particles per stack. */
  particles: number;
  /** Workers (each runs one engine at a time). */
  workers: number;
  /** Memory a Chimera server holds for one stack's assembly (its maps), bytes. */
  assemblyMemory: number;
  /** Disk of one stack's assembled particle maps (temporary), bytes. */
  assemblyDisk: number;
  /** Chimera servers (each holds `assemblyMemory`). */
  servers: number;
  /** What one engine run is called in messages (default "one stack"). */
  unit?: string;
}

/** The numbers of a run. */
export interface RunEstimate {
  /** Engine memory of one stack. */
  engineBytes: number;
  /** Memory of one worker (its engine run). */
  perWorkerMemory: number;
  /** Memory of the run: main + workers × perWorker + servers × assemblyMemory. */
  memory: number;
  /** Disk of one stack's outputs (both tilt series). */
  perStackDisk: number;
  /** Temporary disk of one worker (engine outputs, particle maps). */
  perWorkerTemp: number;
  /** Disk of the run: stacksToDo × perStack + workers × perWorkerTemp. */
  disk: number;
  /** Metadata JSON size. */
  metadata: number;
}

/** The estimate of a run (see docs/sizes.md). Needs no permissions. */
export function estimateRun(needs: RunNeeds): RunEstimate {
  const { stack } = needs;
  const engineBytes = engineMemoryBytes(stack);
  const perWorkerMemory = engineBytes;
  const memory = MAIN_BASE_BYTES + needs.workers * perWorkerMemory +
    needs.servers * needs.assemblyMemory;
  const perStackDisk = 2 * tiltSeriesBytes(stack.nx, stack.ny, stack.tilts);
  const perWorkerTemp = perStackDisk + needs.assemblyDisk + 64 * 1024;
  return {
    engineBytes,
    perWorkerMemory,
    memory,
    perStackDisk,
    perWorkerTemp,
    disk: needs.stacksToDo * perStackDisk + needs.workers * perWorkerTemp,
    metadata: metadataBytes(needs.totalStacks, stack.tilts, needs.particles),
  };
}

/** What the machine offers (undefined: not known, not checked). */
export interface MachineOffer {
  /** Available memory, bytes. */
  memory?: number;
  /** Free disk under the root, bytes. */
  disk?: number;
}

/**
 * Refuses (input error, exit 2, one line with the numbers) a run that cannot fit: more tilts than
 * {@linkcode MAX_TILTS}, metadata above {@linkcode MAX_METADATA_BYTES}, one stack's memory above
 * the machine's, all workers' memory above it (naming the workers that would fit), or the disk.
 * Needs no permissions.
 */
export function requireRunFits(needs: RunNeeds, machine: MachineOffer): RunEstimate {
  const { stack } = needs;
  if (stack.tilts > MAX_TILTS) {
    throw inputError(
      `Cannot run: ${stack.tilts} tilts per series; at most ${MAX_TILTS} are supported`,
    );
  }
  const side = Math.max(
    paddedGridSide(stack.nx, stack.padding),
    paddedGridSide(stack.ny, stack.padding),
  );
  if (stack.embedded && side > MAX_EMBEDDED_GRID_SIDE) {
    throw inputError(
      `Cannot run: a ${stack.nx}x${stack.ny} detector with padding ${stack.padding} needs a ${side}x${side} FFT grid; the embedded engine handles at most ${MAX_EMBEDDED_GRID_SIDE}x${MAX_EMBEDDED_GRID_SIDE} (use a smaller detector or padding, or an external TEM-Simulator)`,
    );
  }
  const estimate = estimateRun(needs);
  if (estimate.metadata > MAX_METADATA_BYTES) {
    throw inputError(
      `Cannot run: ${needs.totalStacks} stacks need ${
        humanBytes(estimate.metadata)
      } of metadata (1 kB + 24 B per tilt + 160 B per particle, per stack), above the ${
        humanBytes(MAX_METADATA_BYTES)
      } limit; split the dataset into several roots`,
    );
  }
  if (machine.memory !== undefined) {
    const one = MAIN_BASE_BYTES + estimate.perWorkerMemory + needs.servers * needs.assemblyMemory;
    if (one > machine.memory) {
      throw inputError(
        `Cannot run: ${needs.unit ?? "one stack"} needs ${humanBytes(one)} of memory (engine ${
          humanBytes(estimate.engineBytes)
        } for a ${stack.nx}x${stack.ny} detector with padding ${stack.padding}, ${stack.tilts} tilts, ${
          humanBytes(24 * stack.mapVoxels.reduce((a, b) => a + b, 0))
        } of particle maps), ${humanBytes(machine.memory)} is available`,
      );
    }
    if (estimate.memory > machine.memory) {
      const fit = Math.max(
        1,
        Math.floor(
          (machine.memory - MAIN_BASE_BYTES - needs.servers * needs.assemblyMemory) /
            estimate.perWorkerMemory,
        ),
      );
      throw inputError(
        `Cannot run: ${needs.workers} workers need ${humanBytes(estimate.memory)} of memory (${
          humanBytes(estimate.perWorkerMemory)
        } each), ${humanBytes(machine.memory)} is available; use --workers ${fit} or fewer`,
      );
    }
  }
  if (machine.disk !== undefined && estimate.disk > machine.disk) {
    throw inputError(
      `Cannot run: ${needs.stacksToDo} stack(s) need ${humanBytes(estimate.disk)} of disk (${
        humanBytes(estimate.perStackDisk)
      } per stack, ${humanBytes(estimate.perWorkerTemp)} temporary per worker), ${
        humanBytes(machine.disk)
      } is free under the root`,
    );
  }
  return estimate;
}

/** The parts of a loaded config the estimate reads. */
export interface SizedConfig {
  /** Stacks of the whole run. */
  numStacks: number;
  /** Template facts. */
  simFacts: { detector: { nx: number; ny: number }; tiltAngles: readonly number[] };
  /** Particles per stack. */
  coordRows: readonly unknown[];
  /** Sizes read by the input checks (absent: maps counted as empty). */
  inputSizes?: {
    engineMapVoxels: number[];
    assemblyVoxels: number;
    assemblyDiskBytes: number;
    padding: number;
  };
}

/**
 * The needs of a run of `config`: `stacksToDo` stacks on `workers` workers with `threads` engine
 * threads each and `servers` Chimera servers. Needs no permissions.
 */
export function runNeedsOf(
  config: SizedConfig,
  run: {
    stacksToDo: number;
    workers: number;
    threads: number;
    servers: number;
    embedded: boolean;
  },
): RunNeeds {
  const sizes = config.inputSizes;
  return {
    stack: {
      nx: config.simFacts.detector.nx,
      ny: config.simFacts.detector.ny,
      padding: sizes?.padding ?? 20,
      tilts: config.simFacts.tiltAngles.length,
      mapVoxels: sizes?.engineMapVoxels ?? [],
      threads: run.threads,
      embedded: run.embedded,
    },
    totalStacks: config.numStacks,
    stacksToDo: run.stacksToDo,
    particles: config.coordRows.length,
    workers: run.workers,
    assemblyMemory: 4 * (sizes?.assemblyVoxels ?? 0),
    assemblyDisk: sizes?.assemblyDiskBytes ?? 0,
    servers: run.servers,
  };
}

/**
 * The `--dry-run` plan (stacks, defocus and seed per stack, workers, servers, disk needed) and the
 * `validate` summary.
 *
 * @module
 */
import { findAssembler } from "../assemblers/mod.ts";
import { type GenerateConfig, humanBytes } from "../config/mod.ts";
import { particleLines } from "./plan_classes.ts";
import type { Shard, StackPlan } from "./plan.ts";

/** Disk use of a run, bytes. */
export interface DiskEstimate {
  /** Both tilt series of one stack as written to raw_data. */
  perStack: number;
  /** All stacks to produce. */
  outputs: number;
  /** Temporary files of one worker at its peak (engine outputs, particle maps). */
  perWorkerTemp: number;
  /** outputs + workers × perWorkerTemp. */
  total: number;
}

/** Bytes of one tilt series as written (header, FEI1 extended header, float32 data). */
export function seriesBytes(nx: number, ny: number, nz: number): number {
  return 1024 + 768 * nz + nx * ny * nz * 4;
}

/**
 * The disk a run needs: `mapBytes` is the size of the particle maps one stack's assembly writes.
 * Needs no permissions.
 */
export function estimateDisk(
  config: GenerateConfig,
  stacks: number,
  workers: number,
  mapBytes: number,
): DiskEstimate {
  const { nx, ny } = config.simFacts.detector;
  const nz = config.simFacts.tiltAngles.length;
  const perStack = 2 * seriesBytes(nx, ny, nz);
  const perWorkerTemp = 2 * (1024 + 2 * nz + nx * ny * nz * 4) + mapBytes + 64 * 1024;
  const outputs = perStack * stacks;
  return {
    perStack,
    outputs,
    perWorkerTemp,
    total: outputs + Math.max(0, workers) * perWorkerTemp,
  };
}

/**
 * The size of the particle maps one stack's assembly writes, from the assembler's input files.
 * Needs --allow-read on them.
 */
export async function assemblyBytes(config: GenerateConfig): Promise<number> {
  const definition = findAssembler(config.assembler);
  if (definition === undefined || !definition.usesChimera(config.assemblerOptions)) return 0;
  const particles = config.coordRows.length;
  const files = [
    ...(config.model !== undefined && definition.requiresModel ? [config.model] : []),
    ...Object.values(definition.inputFiles(config.assemblerOptions)),
  ];
  let bytes = 0;
  for (const file of files) {
    try {
      bytes += (await Deno.stat(file)).size;
    } catch {
      // counted as 0
    }
  }
  // Composite maps grow when pieces are added on a bounding grid: allow twice the inputs.
  return bytes * particles * (config.assembler === "basic" ? 1 : 2);
}

/** What the plan text needs. */
export interface PlanSummary {
  /** The config. */
  config: GenerateConfig;
  /** The run seed and whether it came from the config. */
  runSeed: number;
  /** Whether the seed was drawn for this run. */
  seedDrawn: boolean;
  /** Planned stacks (of this shard). */
  stacks: StackPlan[];
  /** Ids already complete (resume). */
  kept: ReadonlySet<number>;
  /** The shard, if any. */
  shard?: Shard;
  /** Workers to start. */
  workers: number;
  /** Chimera servers to start (0: none needed). */
  servers: number;
  /** Engine threads per stack (embedded engine). */
  engineThreads?: number;
  /** Disk estimate. */
  disk: DiskEstimate;
}

/** The plan as lines of text. Needs no permissions. */
export function formatPlan(summary: PlanSummary): string[] {
  const { config, stacks, kept, shard } = summary;
  const facts = config.simFacts;
  const todo = stacks.filter((stack) => !kept.has(stack.id));
  const engine = config.temSimulatorExecutable === undefined
    ? `embedded (ets tem-simulator${
      summary.engineThreads === undefined ? "" : `, ${summary.engineThreads} thread(s) per stack`
    })`
    : config.temSimulatorExecutable;
  const chimera = summary.servers === 0
    ? "none needed"
    : `${summary.servers} (${config.chimeraExecPath ?? "embedded ets chimera-server"})`;
  const lines = [
    `Plan of "${config.name}" (config ${config.configFile})`,
    `  root:            ${config.root}`,
    `  stacks:          ${stacks.length}${
      shard === undefined ? "" : ` of ${config.numStacks} (shard ${shard.index}/${shard.count})`
    }${kept.size > 0 ? `, ${kept.size} already complete, ${todo.length} to do` : ""}`,
    `  tilt series:     ${facts.detector.nx}x${facts.detector.ny} px, ${facts.tiltAngles.length} tilts (${
      facts.tiltAngles[0] ?? 0
    }..${facts.tiltAngles[facts.tiltAngles.length - 1] ?? 0} deg), apix ${config.apix} nm`,
    ...particleLines(config),
    `  seed:            ${summary.runSeed}${
      summary.seedDrawn ? ' (drawn for this run; set "seed" to repeat it)' : ""
    }`,
    `  workers:         ${summary.workers}`,
    `  Chimera servers: ${chimera}`,
    `  engine:          ${engine}`,
    `  disk needed:     ${humanBytes(summary.disk.total)} (${
      humanBytes(summary.disk.perStack)
    } per stack, ${humanBytes(summary.disk.perWorkerTemp)} temporary per worker)`,
    "",
    "  stack  name                      defocus (um)  seed        status",
  ];
  for (const stack of stacks) {
    lines.push(
      `  ${String(stack.id).padStart(5)}  ${stack.name.padEnd(24)}  ${
        String(stack.defocus).padStart(12)
      }  ${String(stack.seed).padEnd(10)}  ${kept.has(stack.id) ? "complete (kept)" : "to do"}`,
    );
  }
  return lines;
}

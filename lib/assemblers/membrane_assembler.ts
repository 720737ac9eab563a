/**
 * The membrane assembler: a composite particle in the spirit of ETSimulations' T4SS assembler.
 * Per particle, through Chimera: a membrane slab (scaled), a core particle (barrel) tilted at
 * random about the membrane normal and moved below it, `num_rods` components placed around the core
 * with their own random tilts, the core+components shifted at random within the membrane plane,
 * everything added onto the membrane grid, shifted and saved. Each particle gets its own map and
 * particle set, imaged at its template position with an orientation from `orientations_source`
 * (or a Dynamo `orientations_tbl`). Accepts ETSimulations' T4SS key names.
 *
 * @module
 */
import { z } from "zod";
import type {
  Assembler,
  AssemblerContext,
  AssemblerDefinition,
  ParticleSet,
  TiltSeriesSimulation,
  Triple,
} from "./assembler.ts";
import { fixed3, gaussianErrorSchema, openCommand, saveCommand } from "./chimera_commands.ts";
import {
  distributionText,
  drawOrientation,
  type OrientationSource,
  parseDynamoTable,
  parseOrientationFile,
  parseOrientationSource,
  perturb,
} from "./orientations.ts";

/** The most particles one tilt series may hold (TEM-Simulator allows 20 particle sections). */
export const MEMBRANE_MAX_PARTICLES = 19;

/** `custom_configs` of the membrane assembler (lengths in Å, angles in degrees). */
export const membraneOptionsSchema = z.strictObject({
  /** The membrane slab map (MRC). */
  membrane_path: z.string().min(1),
  /** The core particle map (MRC), ETSimulations' "barrel". */
  barrel: z.string().min(1),
  /** The component map (MRC) placed around the core, ETSimulations' "rod". */
  rod: z.string().min(1),
  /** How many components around the core. */
  num_rods: z.int().min(0).max(90).default(4),
  /** Distance of the components from the core axis, Å. */
  rod_distance_from_center: z.number().min(0).default(40),
  /** How far below the membrane centre the core sits, Å. */
  barrel_offset: z.number().default(43),
  /** Standard deviation of the random tilts of core and components, degrees. */
  tilt_sigma: z.number().min(0).default(5),
  /** Random in-plane shift of core+components: integer Å in [−max_shift, max_shift). */
  max_shift: z.int().min(0).default(75),
  /** Factor applied to the membrane density (`vop scale … factor`). */
  membrane_scale: z.number().positive().default(1.5),
  /** Constant added to the final map (`vop scale … shift`). */
  density_shift: z.number().default(0),
  /** `none`, `gauss(mu, sigma)` or a file of ZXZ angles. */
  orientations_source: z.string().optional().superRefine((value, ctx) => {
    if (value === undefined) return;
    const parsed = parseOrientationSource(value);
    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
  }),
  /** A Dynamo table to draw orientations from (ETSimulations' T4SS option). */
  orientations_tbl: z.string().min(1).optional(),
  /** Gaussian noise on the recorded orientations. */
  orientations_error: gaussianErrorSchema.optional(),
  /** Gaussian noise (pixels) on the recorded coordinates. */
  coord_error: gaussianErrorSchema.optional(),
}).superRefine((value, ctx) => {
  if (value.orientations_source !== undefined && value.orientations_tbl !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["orientations_tbl"],
      message: 'give either "orientations_source" or "orientations_tbl", not both',
    });
  }
});

/** Parsed `custom_configs` of the membrane assembler. */
export type MembraneOptions = z.output<typeof membraneOptionsSchema>;

/** Model ids of the assembly (as in ETSimulations' T4SS sequence). */
const REFERENCE = 999;
const MEMBRANE = 98;
const MEMBRANE_RAW = 108;
const BARREL = 1;
const COMPONENTS = 99;
const COMBINED = 100;
const FINAL = 102;

/** What one particle's assembly drew at random. */
interface ParticleDraws {
  shift: [number, number];
  barrelTilt: [number, number];
  rodTilts: [number, number][];
}

/** The Chimera commands that assemble one particle into `output`. Needs no permissions. */
export function membraneParticleCommands(
  options: MembraneOptions,
  draws: ParticleDraws,
  output: string,
): string[] {
  const commands = [
    `shape sphere modelId #${REFERENCE}`,
    openCommand(MEMBRANE_RAW, options.membrane_path),
    `vop scale #${MEMBRANE_RAW} factor ${fixed3(options.membrane_scale)} modelId #${MEMBRANE}`,
    `close #${MEMBRANE_RAW}`,
    openCommand(BARREL, options.barrel),
    `turn x ${
      fixed3(draws.barrelTilt[0])
    } models #${BARREL} center 0,0,0 coordinateSystem #${MEMBRANE}`,
    `turn y ${
      fixed3(draws.barrelTilt[1])
    } models #${BARREL} center 0,0,0 coordinateSystem #${MEMBRANE}`,
    `move 0,0,${fixed3(-options.barrel_offset)} models #${BARREL} coordinateSystem #${MEMBRANE}`,
  ];
  for (let i = 0; i < options.num_rods; i++) {
    const id = BARREL + 1 + i;
    const degrees = (360 / options.num_rods) * i;
    const x = Math.cos(degrees * Math.PI / 180) * options.rod_distance_from_center;
    const y = Math.sin(degrees * Math.PI / 180) * options.rod_distance_from_center;
    const tilt = draws.rodTilts[i] ?? [0, 0];
    commands.push(
      openCommand(id, options.rod),
      `turn z ${fixed3(degrees)} models #${id} center 0,0,0 coordinateSystem #${id}`,
      `move ${fixed3(x)},${fixed3(y)},0.000 models #${id} coordinateSystem #${MEMBRANE}`,
      `turn x ${fixed3(tilt[0])} models #${id} center 0,0,0 coordinateSystem #${id}`,
      `turn y ${fixed3(tilt[1])} models #${id} center 0,0,0 coordinateSystem #${id}`,
    );
  }
  const lastPiece = BARREL + options.num_rods;
  commands.push(
    lastPiece === BARREL
      ? `vop add #${BARREL} modelId #${COMPONENTS}`
      : `vop add #${BARREL}-${lastPiece} modelId #${COMPONENTS}`,
    `move ${draws.shift[0].toFixed(2)},${
      draws.shift[1].toFixed(2)
    },0 models #${COMPONENTS} coordinateSystem #${MEMBRANE}`,
    `vop add #${MEMBRANE}-${COMPONENTS} modelId #${COMBINED}`,
    `vop scale #${COMBINED} shift ${fixed3(options.density_shift)} modelId #${FINAL}`,
    saveCommand(FINAL, output),
    "close session",
  );
  return commands;
}

/** The membrane assembler instance of one worker. Needs read/write on its temp dir. */
export class MembraneAssembler implements Assembler {
  readonly #context: AssemblerContext;
  readonly #options: MembraneOptions;
  readonly #source: OrientationSource;
  #pool: Triple[] | undefined;
  #truthDir: string | undefined;

  constructor(context: AssemblerContext, options: MembraneOptions) {
    this.#context = context;
    this.#options = options;
    if (options.orientations_tbl !== undefined) {
      this.#source = { kind: "file", path: options.orientations_tbl };
    } else {
      const source = parseOrientationSource(options.orientations_source ?? "none");
      if (typeof source === "string") throw new Error(`orientations_source ${source}`);
      this.#source = source;
    }
  }

  async #loadPool(): Promise<void> {
    if (this.#source.kind !== "file" || this.#pool !== undefined) return;
    const text = await Deno.readTextFile(this.#source.path);
    this.#pool = this.#options.orientations_tbl !== undefined
      ? parseDynamoTable(text)
      : parseOrientationFile(text);
  }

  async setUpTiltSeries(sim: TiltSeriesSimulation): Promise<void> {
    await this.#loadPool();
    const count = sim.numParticles();
    if (count > MEMBRANE_MAX_PARTICLES) {
      throw new Error(
        `the membrane assembler makes one particle set per particle; at most ${MEMBRANE_MAX_PARTICLES} fit, the coordinate template has ${count}`,
      );
    }
    const coordinates = sim.parseCoordinates(this.#options.coord_error);
    const truthDir = `${this.#context.tempDir}/truth_vols`;
    await Deno.mkdir(truthDir, { recursive: true });
    this.#truthDir = truthDir;

    const options = this.#options;
    const random = sim.random;
    const error = options.orientations_error;
    const sets: ParticleSet[] = [];
    const commands: string[] = [];
    const shifts: [number, number][] = [];
    const angles: [number, number][][] = [];
    const trueOrientations: Triple[] = [];
    for (let i = 0; i < count; i++) {
      const orientation = drawOrientation(this.#source, random, this.#pool);
      const shift: [number, number] = options.max_shift === 0 ? [0, 0] : [
        random.integer(-options.max_shift, options.max_shift),
        random.integer(-options.max_shift, options.max_shift),
      ];
      const barrelTilt: [number, number] = [
        random.gauss(0, options.tilt_sigma),
        random.gauss(0, options.tilt_sigma),
      ];
      const rodTilts: [number, number][] = [];
      for (let r = 0; r < options.num_rods; r++) {
        rodTilts.push([random.gauss(0, options.tilt_sigma), random.gauss(0, options.tilt_sigma)]);
      }
      const output = `${truthDir}/${i}.mrc`;
      commands.push(...membraneParticleCommands(options, { shift, barrelTilt, rodTilts }, output));
      const saved = error ? perturb(orientation, error, random) : orientation;
      if (error) trueOrientations.push(orientation);
      shifts.push(shift);
      angles.push([barrelTilt, ...rodTilts]);
      sets.push({
        name: `MembraneParticle${i + 1}`,
        source: output,
        key: true,
        coordinates: [coordinates.trueCoordinates[i] ?? [0, 0, 0]],
        orientations: [orientation],
        savedCoordinates: [coordinates.coordinates[i] ?? [0, 0, 0]],
        savedOrientations: [saved],
      });
    }
    // All particles of the stack in one batch, as ETSimulations does.
    await this.#context.chimera.runBatch(commands);
    const custom: Record<string, unknown> = {
      shifts_from_membrane_center: shifts,
      angles_from_membrane_perpendicular: angles,
    };
    if (error) {
      custom.orientations_error_distribution = distributionText(error);
      custom.true_orientations = trueOrientations;
    }
    if (coordinates.errorDistribution !== undefined) {
      custom.coord_error_distribution = coordinates.errorDistribution;
      custom.true_coordinates = coordinates.trueCoordinates;
    }
    sim.addParticleSets(sets);
    sim.setCustomData(custom);
  }

  async resetTempDir(): Promise<void> {
    if (this.#truthDir === undefined) return;
    await Deno.remove(this.#truthDir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    this.#truthDir = undefined;
  }

  async close(): Promise<void> {
    await this.#context.chimera.end();
  }
}

/** The registry entry of the membrane assembler (also accepted as ETSimulations' "t4ss"). */
export const membraneAssemblerDefinition: AssemblerDefinition<MembraneOptions> = {
  name: "membrane",
  aliases: ["t4ss"],
  summary:
    "composite particles: membrane slab + tilted core + components, random shifts (T4SS-style)",
  customConfigSchema: membraneOptionsSchema,
  maxParticles: MEMBRANE_MAX_PARTICLES,
  requiresModel: false,
  resolvePaths(options, resolve) {
    const resolved: MembraneOptions = {
      ...options,
      membrane_path: resolve(options.membrane_path),
      barrel: resolve(options.barrel),
      rod: resolve(options.rod),
    };
    if (options.orientations_tbl !== undefined) {
      resolved.orientations_tbl = resolve(options.orientations_tbl);
    }
    if (options.orientations_source !== undefined) {
      const source = parseOrientationSource(options.orientations_source);
      if (typeof source !== "string" && source.kind === "file") {
        resolved.orientations_source = resolve(source.path);
      }
    }
    return resolved;
  },
  inputFiles(options) {
    const files: Record<string, string> = {
      "custom_configs.membrane_path": options.membrane_path,
      "custom_configs.barrel": options.barrel,
    };
    if (options.num_rods > 0) files["custom_configs.rod"] = options.rod;
    if (options.orientations_tbl !== undefined) {
      files["custom_configs.orientations_tbl"] = options.orientations_tbl;
    }
    if (options.orientations_source !== undefined) {
      const source = parseOrientationSource(options.orientations_source);
      if (typeof source !== "string" && source.kind === "file") {
        files["custom_configs.orientations_source"] = source.path;
      }
    }
    return files;
  },
  usesChimera() {
    return true;
  },
  create(context, options) {
    return new MembraneAssembler(context, options);
  },
};

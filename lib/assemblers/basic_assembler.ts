/**
 * ETSimulations' BasicAssembler: every particle is the config's `model`, either used directly
 * (`use_common_model: true`) or re-saved through Chimera per particle (`open`, `volume save`,
 * `close session`), with orientations from `orientations_source` and optional Gaussian errors on
 * the recorded orientations and coordinates.
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
import { gaussianErrorSchema, openCommand, saveCommand } from "./chimera_commands.ts";
import {
  distributionText,
  drawOrientation,
  type OrientationSource,
  parseOrientationFile,
  parseOrientationSource,
  perturb,
} from "./orientations.ts";

/** `custom_configs` of the basic assembler. */
export const basicOptionsSchema = z.strictObject({
  /** Use the model file itself for every particle instead of a Chimera-saved copy. */
  use_common_model: z.boolean().default(false),
  /** `none`, `gauss(mu, sigma)` or a file of ZXZ angles. */
  orientations_source: z.string().default("none").superRefine((value, ctx) => {
    const parsed = parseOrientationSource(value);
    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
  }),
  /** Gaussian noise on the recorded orientations. */
  orientations_error: gaussianErrorSchema.optional(),
  /** Gaussian noise (pixels) on the recorded coordinates. */
  coord_error: gaussianErrorSchema.optional(),
});

/** Parsed `custom_configs` of the basic assembler. */
export type BasicOptions = z.output<typeof basicOptionsSchema>;

/** The particle set name the basic assembler uses (ETSimulations': "BasicParticle"). */
export const BASIC_PARTICLE_NAME = "BasicParticle";

/** The basic assembler instance of one worker. Needs read/write on its temp dir. */
export class BasicAssembler implements Assembler {
  readonly #context: AssemblerContext;
  readonly #options: BasicOptions;
  readonly #source: OrientationSource;
  #pool: Triple[] | undefined;
  #truthDir: string | undefined;

  constructor(context: AssemblerContext, options: BasicOptions) {
    this.#context = context;
    this.#options = options;
    const source = parseOrientationSource(options.orientations_source);
    if (typeof source === "string") throw new Error(`orientations_source ${source}`);
    this.#source = source;
  }

  async setUpTiltSeries(sim: TiltSeriesSimulation): Promise<void> {
    const model = this.#context.model;
    if (model === undefined) throw new Error('the basic assembler needs "model"');
    if (this.#source.kind === "file" && this.#pool === undefined) {
      this.#pool = parseOrientationFile(await Deno.readTextFile(this.#source.path));
    }
    const count = sim.numParticles();
    const coordinates = sim.parseCoordinates(this.#options.coord_error);
    const truthDir = `${this.#context.tempDir}/truth_vols`;
    await Deno.mkdir(truthDir, { recursive: true });
    this.#truthDir = truthDir;

    const custom: Record<string, unknown> = {};
    const trueOrientations: Triple[] = [];
    const set: ParticleSet = {
      name: BASIC_PARTICLE_NAME,
      source: model,
      key: true,
      coordinates: [],
      orientations: [],
      savedCoordinates: [],
      savedOrientations: [],
    };
    const commands: string[] = [];
    const error = this.#options.orientations_error;
    for (let i = 0; i < count; i++) {
      if (!this.#options.use_common_model) {
        const particle = `${truthDir}/${i}.mrc`;
        commands.push(openCommand(0, model), saveCommand(0, particle), "close session");
        // As in ETSimulations, the particle set's source is the last map assembled; the basic
        // assembler's maps are all copies of the model.
        set.source = particle;
      }
      const orientation = drawOrientation(this.#source, sim.random, this.#pool);
      set.orientations.push(orientation);
      set.savedOrientations!.push(error ? perturb(orientation, error, sim.random) : orientation);
      if (error) trueOrientations.push(orientation);
      set.coordinates.push(coordinates.trueCoordinates[i] ?? [0, 0, 0]);
      set.savedCoordinates!.push(coordinates.coordinates[i] ?? [0, 0, 0]);
    }
    if (error) {
      custom.orientations_error_distribution = distributionText(error);
      custom.true_orientations = trueOrientations;
    }
    if (coordinates.errorDistribution !== undefined) {
      custom.coord_error_distribution = coordinates.errorDistribution;
      custom.true_coordinates = coordinates.trueCoordinates;
    }
    if (commands.length > 0) await this.#context.chimera.runBatch(commands);
    sim.addParticleSets([set]);
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
    if (!this.#options.use_common_model) await this.#context.chimera.end();
  }
}

/** The registry entry of the basic assembler. */
export const basicAssemblerDefinition: AssemblerDefinition<BasicOptions> = {
  name: "basic",
  summary: "ETSimulations' BasicAssembler: the config's model at every template position",
  customConfigSchema: basicOptionsSchema,
  requiresModel: true,
  resolvePaths(options, resolve) {
    const source = parseOrientationSource(options.orientations_source);
    if (typeof source !== "string" && source.kind === "file") {
      return { ...options, orientations_source: resolve(source.path) };
    }
    return options;
  },
  inputFiles(options) {
    const source = parseOrientationSource(options.orientations_source);
    const files: Record<string, string> = {};
    if (typeof source !== "string" && source.kind === "file") {
      files["custom_configs.orientations_source"] = source.path;
    }
    return files;
  },
  usesChimera(options) {
    return !options.use_common_model;
  },
  create(context, options) {
    return new BasicAssembler(context, options);
  },
};

/**
 * The crowded assembler: samples that look like cells. `custom_configs.classes` lists particle
 * classes (`{name, source, count}` or `{name, source, concentration}`, the source a map or an
 * atomic model); every tilt series gets that many particles of each class at random,
 * non-overlapping positions in the ice of the field of view (plus `margin_nm`) with orientations
 * uniform over rotations (lib/assemblers crowded_placement.ts). The coordinate template is not
 * needed. No Chimera server is used: each class's source is imaged directly (mmCIF models are
 * re-written as PDB, which the engine reads).
 *
 * @module
 */
import { z } from "zod";
import { readMrc } from "../mrc/mod.ts";
import { formatPdb, readAtomicModel } from "../pdb/mod.ts";
import type {
  Assembler,
  AssemblerContext,
  AssemblerDefinition,
  ParticleSet,
  PlannedClass,
  TiltSeriesSimulation,
  Triple,
} from "./assembler.ts";
import { gaussianErrorSchema } from "./chimera_commands.ts";
import {
  checkCrowding,
  CrowdingError,
  placeCrowded,
  type PlacementClass,
} from "./crowded_placement.ts";
import { distributionText, perturb } from "./orientations.ts";
import { type ParticleShape, shapeFromAtoms, shapeFromMap } from "./particle_shape.ts";
import { iceVolumeInView, type SampleGeometry } from "./sample_geometry.ts";

const SOURCE = /\.(mrc|map|ccp4|pdb|ent|cif|mmcif)$/i;

/** One class of `custom_configs.classes`. */
const classSchema = z.strictObject({
  /** Class name: the particle set's name in the engine input and the ground truth. */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be letters, digits, _ . - only")
    .refine((name) => name !== "Fiducial", '"Fiducial" is the beads\' name'),
  /** Map (.mrc, .map, .ccp4) or atomic model (.pdb, .ent, .cif, .mmcif). */
  source: z.string().min(1).refine(
    (source) => SOURCE.test(source),
    "must be a map (.mrc, .map, .ccp4) or an atomic model (.pdb, .ent, .cif, .mmcif)",
  ),
  /** Particles per tilt series. */
  count: z.int().min(0).max(1_000_000).optional(),
  /** Particles per µm³ of ice (in the placement region). */
  concentration: z.number().min(0).max(1e9).optional(),
  /** Map value above which a voxel belongs to the particle (default: 5 % of the maximum). */
  threshold: z.number().optional(),
}).superRefine((c, ctx) => {
  if ((c.count === undefined) === (c.concentration === undefined)) {
    ctx.addIssue({
      code: "custom",
      message: 'needs exactly one of "count" or "concentration" (particles per µm³ of ice)',
    });
  }
});

/** `custom_configs` of the crowded assembler. */
export const crowdedOptionsSchema = z.strictObject({
  /** The particle classes. */
  classes: z.array(classSchema).min(1).superRefine((classes, ctx) => {
    const seen = new Set<string>();
    classes.forEach((c, i) => {
      if (seen.has(c.name)) {
        ctx.addIssue({ code: "custom", path: [i, "name"], message: `"${c.name}" is named twice` });
      }
      seen.add(c.name);
    });
  }),
  /** Centres may lie this far (nm) beyond the field of view. */
  margin_nm: z.number().min(0).max(1e5).default(0),
  /** Smallest distance between particle surfaces, nm. */
  gap_nm: z.number().min(0).max(1e3).default(0),
  /**
   * Cell of the placement's occupancy grid, nm (default: a fifth of the smallest particle's
   * radius, at least a twelfth of the largest): finer cells pack denser and place slower.
   */
  cell_nm: z.number().positive().max(1000).optional(),
  /** Candidates tried per particle before the stack fails. */
  max_attempts: z.int().min(1).max(10_000_000).default(20000),
  /** Gaussian noise on the recorded orientations (degrees). */
  orientations_error: gaussianErrorSchema.optional(),
  /** Gaussian noise on the recorded coordinates (pixels). */
  coord_error: gaussianErrorSchema.optional(),
});

/** Parsed `custom_configs` of the crowded assembler. */
export type CrowdedOptions = z.output<typeof crowdedOptionsSchema>;

/** A class source's kind by its extension. Needs no permissions. */
export function classSourceKind(path: string): "map" | "pdb" | "cif" {
  if (/\.(pdb|ent)$/i.test(path)) return "pdb";
  if (/\.(cif|mmcif)$/i.test(path)) return "cif";
  return "map";
}

/** Voxel of the masks made from atomic models, nm. */
const ATOM_VOXEL_NM = 0.4;

/**
 * The shape of a class source (map above its threshold, or the model's atoms).
 * Needs --allow-read on `source`.
 */
export async function loadClassShape(source: string, threshold?: number): Promise<ParticleShape> {
  if (classSourceKind(source) === "map") {
    const volume = await readMrc(source);
    const h = volume.header;
    const cells = h.cella.x + h.cella.y + h.cella.z, n = h.nx + h.ny + h.nz;
    const voxelNm = cells > 0 && n > 0 ? cells / n / 10 : 0.1;
    return shapeFromMap(volume.data, [h.nx, h.ny, h.nz], voxelNm, threshold);
  }
  const model = await readAtomicModel(source);
  return shapeFromAtoms(
    model.atoms.map((a) => ({ x: a.x / 10, y: a.y / 10, z: a.z / 10 })),
    ATOM_VOXEL_NM,
  );
}

/** Particles per tilt series of each class. Needs no permissions. */
export function classCounts(options: CrowdedOptions, geometry: SampleGeometry): number[] {
  const volumeUm3 = iceVolumeInView(geometry, options.margin_nm) * 1e-9;
  return options.classes.map((c) => c.count ?? Math.round((c.concentration ?? 0) * volumeUm3));
}

async function placementClasses(
  options: CrowdedOptions,
  geometry: SampleGeometry,
  cache: Map<string, ParticleShape>,
): Promise<PlacementClass[]> {
  const counts = classCounts(options, geometry);
  const classes: PlacementClass[] = [];
  for (const [i, c] of options.classes.entries()) {
    const key = `${c.source}\0${c.threshold ?? ""}`;
    let shape = cache.get(key);
    if (shape === undefined) {
      try {
        shape = await loadClassShape(c.source, c.threshold);
      } catch (error) {
        throw new CrowdingError(
          `class "${c.name}": cannot read "${c.source}": ${
            error instanceof Error ? error.message : error
          }`,
          { cause: error },
        );
      }
      cache.set(key, shape);
    }
    classes.push({ name: c.name, shape, count: counts[i] ?? 0 });
  }
  return classes;
}

/** The crowded assembler of one worker. Needs read on the class sources, write on its temp dir. */
export class CrowdedAssembler implements Assembler {
  readonly #context: AssemblerContext;
  readonly #options: CrowdedOptions;
  readonly #shapes = new Map<string, ParticleShape>();
  /** mmCIF sources re-written as PDB (kept until close). */
  readonly #converted = new Map<string, string>();

  constructor(context: AssemblerContext, options: CrowdedOptions) {
    this.#context = context;
    this.#options = options;
  }

  async #engineSource(name: string, source: string): Promise<string> {
    if (classSourceKind(source) !== "cif") return source;
    const done = this.#converted.get(source);
    if (done !== undefined) return done;
    const dir = `${this.#context.tempDir}/sources`;
    await Deno.mkdir(dir, { recursive: true });
    const path = `${dir}/${name}.pdb`;
    await Deno.writeTextFile(path, formatPdb(await readAtomicModel(source)));
    this.#converted.set(source, path);
    return path;
  }

  async setUpTiltSeries(sim: TiltSeriesSimulation): Promise<void> {
    const options = this.#options;
    const geometry = sim.sampleGeometry();
    const classes = await placementClasses(options, geometry, this.#shapes);
    checkCrowding(classes, geometry, options.margin_nm, options.gap_nm, options.cell_nm);
    const started = performance.now();
    const placement = placeCrowded(classes, geometry, sim.random, {
      marginNm: options.margin_nm,
      gapNm: options.gap_nm,
      maxAttempts: options.max_attempts,
      cellNm: options.cell_nm,
    });
    const seconds = (performance.now() - started) / 1000;
    this.#context.logger.info(
      `${sim.name}: placed ${placement.particles.length} particles of ${classes.length} classes in ${
        seconds.toFixed(2)
      } s (${placement.candidates} candidates, occupancy cell ${placement.cellNm.toFixed(2)} nm)`,
    );
    const coordError = options.coord_error;
    const orientationError = options.orientations_error;
    const sets: ParticleSet[] = [];
    for (const [i, c] of options.classes.entries()) {
      const mine = placement.particles.filter((p) => p.classIndex === i);
      const coordinates = mine.map((p) => p.position);
      const orientations = mine.map((p) => p.orientation);
      const set: ParticleSet = {
        name: c.name,
        source: await this.#engineSource(c.name, c.source),
        key: true,
        coordinates,
        orientations,
      };
      if (coordError !== undefined) {
        set.savedCoordinates = coordinates.map((p) =>
          p.map((v) => v + sim.random.gauss(coordError.mu, coordError.sigma) * sim.apix) as Triple
        );
      }
      if (orientationError !== undefined) {
        set.savedOrientations = orientations.map((o) => perturb(o, orientationError, sim.random));
      }
      sets.push(set);
    }
    sim.addParticleSets(sets.filter((set) => set.coordinates.length > 0));
    const custom: Record<string, unknown> = {
      classes: options.classes.map((c, i) => ({
        name: c.name,
        source: c.source,
        count: classes[i]?.count ?? 0,
        radius_nm: classes[i]?.shape.radiusNm,
        volume_nm3: classes[i]?.shape.volumeNm3,
      })),
      occupancy_cell_nm: placement.cellNm,
      margin_nm: options.margin_nm,
      gap_nm: options.gap_nm,
    };
    if (coordError !== undefined) {
      custom.coord_error_distribution = distributionText(coordError);
      custom.true_coordinates = sets.flatMap((set) => set.coordinates);
    }
    if (orientationError !== undefined) {
      custom.orientations_error_distribution = distributionText(orientationError);
      custom.true_orientations = sets.flatMap((set) => set.orientations);
    }
    sim.setCustomData(custom);
  }

  resetTempDir(): Promise<void> {
    // Nothing per tilt series: the sources are imaged in place (converted models are reused).
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#converted.size === 0) return;
    await Deno.remove(`${this.#context.tempDir}/sources`, { recursive: true }).catch(() => {});
    this.#converted.clear();
  }
}

/** The registry entry of the crowded assembler. */
export const crowdedAssemblerDefinition: AssemblerDefinition<CrowdedOptions> = {
  name: "crowded",
  summary:
    "crowded samples: particles of several classes at random, non-overlapping positions and orientations",
  customConfigSchema: crowdedOptionsSchema,
  requiresModel: false,
  coordOptional: true,
  resolvePaths(options, resolve) {
    return {
      ...options,
      classes: options.classes.map((c) => ({ ...c, source: resolve(c.source) })),
    };
  },
  inputFiles(options) {
    const files: Record<string, string> = {};
    options.classes.forEach((c, i) => files[`custom_configs.classes.${i}.source`] = c.source);
    return files;
  },
  usesChimera() {
    return false;
  },
  create(context, options) {
    return new CrowdedAssembler(context, options);
  },
  async checkSample(options, geometry) {
    checkCrowding(
      await placementClasses(options, geometry, new Map()),
      geometry,
      options.margin_nm,
      options.gap_nm,
      options.cell_nm,
    );
  },
  planClasses(options, geometry): PlannedClass[] {
    const counts = classCounts(options, geometry);
    const margin = options.margin_nm;
    const share = margin > 0 ? iceVolumeInView(geometry, 0) / iceVolumeInView(geometry, margin) : 1;
    return options.classes.map((c, i) => ({
      name: c.name,
      count: counts[i] ?? 0,
      inView: margin > 0 ? Math.round((counts[i] ?? 0) * share) : counts[i] ?? 0,
      approximate: margin > 0,
    }));
  },
};

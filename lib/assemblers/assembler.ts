/**
 * What an assembler is (ETSimulations' Assembler contract): it builds the particle maps of one
 * tilt series through Chimera commands and tells the simulation which particle sets to image.
 *
 * @module
 */
import type { z } from "zod";
import type { Logger } from "@logtape/logtape";
import type { Random } from "./random.ts";
import type { SampleGeometry } from "./sample_geometry.ts";

/** x, y, z (nm) or ZXZ Euler angles (phi, theta, psi in degrees, as in TEM-Simulator files). */
export type Triple = [number, number, number];

/** One particle of the coordinate template, converted to nm. */
export interface TemplateParticle {
  /** Position in nm (template pixels × apix), sample frame, origin at the centre. */
  position: Triple;
  /** The template's ZXZ angles (phi, theta, psi) in degrees. */
  orientation: Triple;
}

/** Gaussian error parameters, as in ETSimulations' `coord_error` / `orientations_error`. */
export interface GaussianError {
  /** Mean. */
  mu: number;
  /** Standard deviation (≥ 0). */
  sigma: number;
}

/** Positions of the template particles for one tilt series (ETSimulations' parse_coordinates). */
export interface ParsedCoordinates {
  /** Positions to record in the metadata (with `coord_error` noise when configured), nm. */
  coordinates: Triple[];
  /** Positions to simulate (the template's, in nm). */
  trueCoordinates: Triple[];
  /** The error distribution applied, e.g. "gauss(0.000000, 1.000000)", when any. */
  errorDistribution?: string;
}

/** A TEM-Simulator particle set: one source map imaged at several positions. */
export interface ParticleSet {
  /** The particle name in the TEM-Simulator input; also the class name in the ground truth. */
  name: string;
  /** The particle's source: an MRC map (`.mrc`, `.map`) or an atomic model (`.pdb`). */
  source: string;
  /** Particles of interest (recorded in `positions` / `orientations`), not decoys. */
  key: boolean;
  /** Positions imaged, nm, sample frame. */
  coordinates: Triple[];
  /** Orientations imaged: ZXZ (phi, theta, psi), degrees. */
  orientations: Triple[];
  /** Positions recorded in the metadata, when they differ from `coordinates` (coord_error). */
  savedCoordinates?: Triple[];
  /** Orientations recorded in the metadata, when they differ (orientations_error). */
  savedOrientations?: Triple[];
}

/** The simulation of one tilt series, as an assembler sees it (ETSimulations' Simulation). */
export interface TiltSeriesSimulation {
  /** Global stack number. */
  readonly stackId: number;
  /** Stack name, `NAME_i`. */
  readonly name: string;
  /** Pixel size in nm. */
  readonly apix: number;
  /** This stack's random stream (seeded from the stack's seed). */
  readonly random: Random;
  /** Number of particles in the coordinate template. */
  numParticles(): number;
  /** The template particles in nm. */
  templateParticles(): TemplateParticle[];
  /**
   * Positions for this tilt series, with Gaussian noise (in pixels, like ETSimulations) added to
   * the recorded copy when `coordError` (or the run's top-level `coord_error`) is given.
   */
  parseCoordinates(coordError?: GaussianError): ParsedCoordinates;
  /** Adds particle sets to image (each becomes a particle + particleset section). */
  addParticleSets(sets: ParticleSet[]): void;
  /** Assembler-specific metadata, recorded as `custom_data`. */
  setCustomData(data: Record<string, unknown>): void;
  /** The field of view and the ice of this tilt series (from the template). */
  sampleGeometry(): SampleGeometry;
}

/** The Chimera pool as an assembler uses it: one batch at a time, acknowledged. */
export interface ChimeraClient {
  /** Runs the commands in order on this assembler's server; resolves with their replies. */
  runBatch(commands: string[]): Promise<string[]>;
  /** Tells the pool this assembler is done with its server ("END"). */
  end(): Promise<void>;
}

/** What an assembler is given when it is created (once per worker). */
export interface AssemblerContext {
  /** The worker's temp dir; the assembler keeps its particle maps under it. */
  tempDir: string;
  /** The config's `model` (absolute path), when set. */
  model?: string;
  /** Pixel size in nm. */
  apix: number;
  /** The Chimera pool. */
  chimera: ChimeraClient;
  /** Where to log. */
  logger: Logger;
  /** The config file's folder (relative paths in `custom_configs` resolve against it). */
  configDir?: string;
}

/** An assembler instance (ETSimulations: set_up_tiltseries, reset_temp_dir, close). */
export interface Assembler {
  /** Builds the particles of one tilt series and adds them to `sim`. */
  setUpTiltSeries(sim: TiltSeriesSimulation): Promise<void>;
  /** Removes what the last tilt series left in the temp dir (its particle maps). */
  resetTempDir(): Promise<void>;
  /** Lets the Chimera pool know this assembler is done. */
  close(): Promise<void>;
}

/** Resolves a path from the config against the config file's folder. */
export type PathResolver = (path: string) => string;

/** A registered assembler: its config schema and its factory. */
export interface AssemblerDefinition<Options = unknown> {
  /** The name used in the config's `assembler` key. */
  name: string;
  /** Other names accepted for it (e.g. ETSimulations' own). */
  aliases?: string[];
  /** One line for `--help` and `validate`. */
  summary: string;
  /** The schema of `custom_configs` (a strict object; unknown keys are errors). */
  customConfigSchema: z.ZodType<Options>;
  /** The most template particles it can take, if limited. */
  maxParticles?: number;
  /** Whether the config's `model` is required. */
  requiresModel: boolean;
  /** Returns the options with every file path resolved. */
  resolvePaths(options: Options, resolve: PathResolver): Options;
  /** The input files named by the options (dotted key → absolute path), checked to exist. */
  inputFiles(options: Options): Record<string, string>;
  /** Whether the assembler sends Chimera commands with these options (else no pool is started). */
  usesChimera(options: Options): boolean;
  /** Creates an instance for one worker. */
  create(context: AssemblerContext, options: Options): Assembler;
  /** Whether the config's `coord` template may be left out (the assembler places particles). */
  coordOptional?: boolean;
  /**
   * Checks, before anything runs, that the options fit the sample (e.g. the particles fit in the
   * ice); reads the input files. Throws an Error whose message is one line.
   */
  checkSample?(options: Options, geometry: SampleGeometry): Promise<void>;
  /**
   * The particle classes each tilt series will hold and how many centres lie in view (for the
   * plan); assemblers without it image the coordinate template.
   */
  planClasses?(options: Options, geometry: SampleGeometry): PlannedClass[];
}

/** One particle class of the plan. */
export interface PlannedClass {
  /** Class name. */
  name: string;
  /** Particles per tilt series. */
  count: number;
  /** Of them, centres in view (expected value when `approximate`). */
  inView: number;
  /** Whether `inView` is an expectation (random positions beyond the field of view). */
  approximate?: boolean;
}

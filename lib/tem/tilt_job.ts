/**
 * What a tilt simulator (main thread or worker) receives: the imaging setup every tilt of a run
 * shares, one tilt's job, and the images it gives back.
 *
 * @module
 */
import type { Beam } from "./beam.ts";
import type { DetectorSetup } from "./detector.ts";
import type { ScatteringKernels } from "./kernels.ts";
import type { LensParameters } from "./optics.ts";
import type { ParticleMap } from "./projection.ts";
import type { PixelGrid, SampleGeometry } from "./sample_path.ts";

/** What every tilt of a run shares. */
export interface ImagingSetup {
  /** The wave-function grid. */
  wave: PixelGrid;
  beam: Beam;
  /** Slice thickness Δz, nm. */
  sliceThickness: number;
  lens: LensParameters;
  kernels: ScatteringKernels;
  sample: SampleGeometry;
  /** Support attenuation per unit length relative to ice (n_C·σ_C/(n_ice·σ_ice)). */
  supportRatio: number;
  /** tilt_mode = single_particle: the background uses the identity geometry. */
  singleParticle: boolean;
  detectors: DetectorSetup[];
  /** Particle maps by type index (relative to the ice). */
  maps: ParticleMap[];
  /**
   * Multislice layout: `global` propagates the whole grid; `tiles` propagates independent groups of
   * particles on small tiles (the wave is a plane wave elsewhere); `auto` (default) uses tiles when
   * they cover less than half of the grid.
   */
  multislice?: "auto" | "global" | "tiles";
}

/** Floats per particle instance in {@linkcode TiltJob.particles}: type, x, y, z, M (9). */
export const INSTANCE_STRIDE = 13;

/** One tilt to simulate. */
export interface TiltJob {
  /** 0-based tilt number. */
  index: number;
  /** Sample → microscope rotation P (row-major 3×3). */
  rotation: number[];
  /** Translation error x0, y0, nm. */
  shiftX: number;
  shiftY: number;
  /** Defocus Δf, nm (+ = underfocus). */
  defocus: number;
  /** Dose, e/nm². */
  dose: number;
  /**
   * Particle instances: type index, microscope position (nm) and orientation M (map axes →
   * microscope, row-major), {@linkcode INSTANCE_STRIDE} numbers each.
   */
  particles: Float64Array;
}

/** What a tilt simulation reports (its images are handed over in a shared slot). */
export interface TiltResult {
  index: number;
  /** Particles that hit the wave function. */
  projected: number;
  /** Warnings (e.g. beam parallel to the sample). */
  warnings: string[];
}

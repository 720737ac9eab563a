/**
 * One tilt of a tilt series as a job for a simulator (main thread or worker) and its images.
 *
 * @module
 */

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
  /** Buffers to reuse for the detector images (one per detector, right size), if any. */
  outputs?: ArrayBuffer[];
}

/** The images of one tilt. */
export interface TiltResult {
  index: number;
  /**
   * One array per detector, x fastest: the image (det_pix_x × det_pix_y, counts), or for a
   * detector with quantization its dose-scaled counts on the padded grid before the noise, to be
   * finished in tilt order by `DetectorStage.finish` (the noise comes from the run's one
   * random stream).
   */
  images: Float32Array[];
  /** Particles that hit the wave function. */
  projected: number;
  /** Warnings (e.g. beam parallel to the sample). */
  warnings: string[];
}

/**
 * The imaging setup of a run (spec §3.6): the padded wave-function and detector grids, and
 * everything else every tilt shares ({@linkcode ImagingSetup}), built from the input file.
 *
 * @module
 */
import { type Beam, CARBON_DENSITY, ICE_DENSITY } from "./beam.ts";
import { crossSection } from "./cross_sections.ts";
import type { DetectorSetup } from "./detector.ts";
import { fastFftSize, isFastFftSize } from "./fft.ts";
import type { SimulationInput } from "./input/mod.ts";
import { scatteringKernels } from "./kernels.ts";
import type { ParticleMap } from "./projection.ts";
import type { PixelGrid } from "./sample_path.ts";
import type { ImagingSetup } from "./tilt_job.ts";

/**
 * How padded grids are sized: `exact` keeps TEM-Simulator's det + 2·padding (bit-for-bit the same
 * periodic boundaries; Bluestein FFTs when that size is not 2·3·5-smooth), `fast` grows it to the
 * next 2^a·3^b·5^c size (more padding, never less), `auto` is exact up to
 * {@linkcode EXACT_GRID_LIMIT} pixels and fast above.
 */
export type GridSizing = "auto" | "exact" | "fast";

/** Largest padded size kept exact by `auto` grid sizing. */
export const EXACT_GRID_LIMIT = 512;

/** The FFT size for a padded logical size. Needs no permissions. */
export function gridSize(logical: number, sizing: GridSizing = "auto"): number {
  const even = logical + (logical % 2);
  if (isFastFftSize(logical)) return logical;
  if (sizing === "exact" || (sizing === "auto" && logical <= EXACT_GRID_LIMIT)) return even;
  return fastFftSize(logical);
}

/** The wave-function and detector grids (spec §3.6), sized by `sizing`. Needs no permissions. */
export function imagingGrids(
  input: SimulationInput,
  sizing: GridSizing = "auto",
): { wave: PixelGrid; detectors: DetectorSetup[] } {
  const magnification = input.optics!.magnification;
  const pixels = input.detectors.map((d) => d.pixel_size * 1000 / magnification);
  const waveP = Math.min(...pixels);
  const layout = (logical: number) => {
    const n = gridSize(logical, sizing);
    const extra = Math.floor((n - logical) / 2);
    return { n, extra, centre: extra + (logical - 1) / 2 };
  };
  let lx = 0, ly = 0;
  const detectors: DetectorSetup[] = input.detectors.map((d, i) => {
    const p = pixels[i]!;
    const logicalX = d.det_pix_x + 2 * d.padding, logicalY = d.det_pix_y + 2 * d.padding;
    lx = Math.max(lx, Math.ceil(logicalX * p / waveP - 1e-9));
    ly = Math.max(ly, Math.ceil(logicalY * p / waveP - 1e-9));
    const x = layout(logicalX), y = layout(logicalY);
    return {
      grid: { nx: x.n, ny: y.n, pixel: p, cx: x.centre, cy: y.centre },
      cropX: x.extra + d.padding,
      cropY: y.extra + d.padding,
      padding: d.padding,
      width: d.det_pix_x,
      height: d.det_pix_y,
      gain: d.gain,
      dqe: d.dqe,
      quantization: d.use_quantization,
      mtf: {
        a: d.mtf_a,
        b: d.mtf_b,
        c: d.mtf_c,
        alpha: d.mtf_alpha,
        beta: d.mtf_beta,
        p: d.mtf_p,
        q: d.mtf_q,
      },
    };
  });
  const wx = layout(lx), wy = layout(ly);
  return { wave: { nx: wx.n, ny: wy.n, pixel: waveP, cx: wx.centre, cy: wy.centre }, detectors };
}

/** What {@linkcode imagingSetup} needs besides the input file. */
export interface ImagingSetupOptions {
  /** Defocus of every tilt, µm (the largest sizes the kernel tables). */
  defocus: number[];
  /** Particle maps by type index. */
  maps: ParticleMap[];
  /** Padded grid sizes (default `auto`). */
  gridSizing?: GridSizing;
  /** Multislice layout (default `auto`). */
  multislice?: "auto" | "global" | "tiles";
}

/**
 * What every tilt of a run shares (spec §3.6): grids, beam, slice thickness, lens, scattering
 * kernels, sample, support, detectors and particle maps. Needs no permissions.
 */
export function imagingSetup(
  input: SimulationInput,
  beam: Beam,
  options: ImagingSetupOptions,
): ImagingSetup {
  const geometry = input.geometry!, electronbeam = input.electronbeam!, optics = input.optics!;
  const sample = input.sample!;
  const { wave, detectors } = imagingGrids(input, options.gridSizing ?? "auto");
  const maxDefocus = Math.max(...options.defocus.map((d) => Math.abs(d * 1000)), 0);
  const carbon = crossSection(6, beam),
    oxygen = crossSection(8, beam),
    hydrogen = crossSection(1, beam);
  return {
    wave,
    beam,
    sliceThickness: wave.pixel * wave.pixel * beam.waveNumber / (4 * Math.PI),
    lens: {
      cs: optics.cs * 1e6,
      cc: optics.cc * 1e6,
      apertureAngle: optics.aperture * 1e3 / (2 * optics.focal_length * 1e6),
      illuminationAngle: optics.cond_ap_angle * 1e-3,
      energySpread: electronbeam.energy_spread,
    },
    kernels: scatteringKernels(
      beam,
      optics.aperture * 1e3 / (2 * optics.focal_length * 1e6),
      wave.pixel,
      maxDefocus,
    ),
    sample: {
      diameter: sample.diameter,
      thicknessCenter: sample.thickness_center,
      thicknessEdge: sample.thickness_edge,
      offsetX: sample.offset_x,
      offsetY: sample.offset_y,
    },
    supportRatio: CARBON_DENSITY * carbon.total /
      (ICE_DENSITY * (oxygen.total + 2 * hydrogen.total)),
    singleParticle: geometry.tilt_mode === "single_particle",
    detectors,
    maps: options.maps,
    multislice: options.multislice ?? "auto",
  };
}

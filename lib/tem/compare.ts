/**
 * Equivalence with TEM-Simulator 1.3 outputs: the four figures per tilt that say whether two tilt
 * series are the same simulation (noise-free stacks numerically, noisy stacks statistically).
 *
 * With c = I/mean(I) − 1 per tilt:
 * - contrast error ‖c − c_ref‖/‖c_ref‖ of the noise-free images (bar 2 %);
 * - noise-free mean error |mean/mean_ref − 1| (bar 0.5 %);
 * - noisy mean error |mean/mean_ref − 1| (bar 0.5 %);
 * - noise error |std(noisy − noise-free)/std_ref(noisy − noise-free) − 1| (bar 3 %).
 *
 * @module
 */
import { basename, join } from "node:path";
import { readMrc } from "../mrc/mod.ts";
import type { DetectorParameters, SimulationInput } from "./input/mod.ts";

/** The bars of each figure (fractions, not percent). */
export const EQUIVALENCE_BARS = {
  contrast: 0.02,
  meanError: 0.005,
  noisyMeanError: 0.005,
  noiseStdError: 0.03,
} as const;

/** The figures of one tilt; a figure is undefined when the stacks it needs are missing. */
export interface TiltFigures {
  /** 0-based tilt (section) index. */
  tilt: number;
  contrast?: number;
  meanError?: number;
  noisyMeanError?: number;
  noiseStdError?: number;
}

/** A figure's name. */
export type FigureName = keyof typeof EQUIVALENCE_BARS;

/** The figures of one detector pair (a noisy and a noise-free detector of the same geometry). */
export interface DetectorComparison {
  /** Image file names compared: noise-free and noisy (either may be absent). */
  noiseFree?: string;
  noisy?: string;
  tilts: TiltFigures[];
}

/** The sections of an image stack, as float64. */
export interface ImageStack {
  nx: number;
  ny: number;
  sections: Float64Array[];
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

/** ‖c − c_ref‖/‖c_ref‖ with c = I/mean(I) − 1. Needs no permissions. */
export function contrastError(image: Float64Array, reference: Float64Array): number {
  const mi = mean(image), mr = mean(reference);
  let diff = 0, norm = 0;
  for (let i = 0; i < image.length; i++) {
    const c = image[i]! / mi - 1, cr = reference[i]! / mr - 1;
    diff += (c - cr) ** 2;
    norm += cr * cr;
  }
  return norm === 0 ? (diff === 0 ? 0 : Infinity) : Math.sqrt(diff / norm);
}

/** std(a − b). Needs no permissions. */
function differenceStd(a: Float64Array, b: Float64Array): number {
  let s = 0, s2 = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d;
    s2 += d * d;
  }
  const m = s / a.length;
  return Math.sqrt(Math.max(0, s2 / a.length - m * m));
}

const relative = (value: number, reference: number) => Math.abs(value / reference - 1);

/**
 * The figures of every tilt. `noiseFree`/`noisy` are ours, `reference*` TEM-Simulator's; stacks
 * must have the same shape. Needs no permissions.
 *
 * @example
 * ```ts
 * const figures = compareTiltSeries({ noiseFree: ours, reference: { noiseFree: theirs } });
 * ```
 */
export function compareTiltSeries(
  stacks: {
    noiseFree?: ImageStack;
    noisy?: ImageStack;
    reference: { noiseFree?: ImageStack; noisy?: ImageStack };
  },
): TiltFigures[] {
  const { noiseFree, noisy, reference } = stacks;
  const count = Math.max(
    noiseFree?.sections.length ?? 0,
    noisy?.sections.length ?? 0,
  );
  const figures: TiltFigures[] = [];
  for (let t = 0; t < count; t++) {
    const clean = noiseFree?.sections[t], refClean = reference.noiseFree?.sections[t];
    const grainy = noisy?.sections[t], refGrainy = reference.noisy?.sections[t];
    const tilt: TiltFigures = { tilt: t };
    if (clean !== undefined && refClean !== undefined) {
      tilt.contrast = contrastError(clean, refClean);
      tilt.meanError = relative(mean(clean), mean(refClean));
    }
    if (grainy !== undefined && refGrainy !== undefined) {
      tilt.noisyMeanError = relative(mean(grainy), mean(refGrainy));
      if (clean !== undefined && refClean !== undefined) {
        tilt.noiseStdError = relative(
          differenceStd(grainy, clean),
          differenceStd(refGrainy, refClean),
        );
      }
    }
    figures.push(tilt);
  }
  return figures;
}

/** The worst value of each figure over `tilts` (undefined where no tilt has it). */
export function worstFigures(tilts: TiltFigures[]): Omit<TiltFigures, "tilt"> {
  const worst: Omit<TiltFigures, "tilt"> = {};
  for (const tilt of tilts) {
    for (const name of Object.keys(EQUIVALENCE_BARS) as FigureName[]) {
      const value = tilt[name];
      if (value === undefined) continue;
      const previous = worst[name];
      // NaN counts as worst.
      if (previous === undefined || !(value <= previous)) worst[name] = value;
    }
  }
  return worst;
}

/** The figures that fail their bar (NaN fails). Needs no permissions. */
export function failedFigures(figures: Omit<TiltFigures, "tilt">): FigureName[] {
  return (Object.keys(EQUIVALENCE_BARS) as FigureName[]).filter((name) => {
    const value = figures[name];
    return value !== undefined && !(value <= EQUIVALENCE_BARS[name]);
  });
}

/** One line of figures, in percent: `contrast 0.123 %, mean 0.0012 %, …`. */
export function formatFigures(figures: Omit<TiltFigures, "tilt">): string {
  const parts: string[] = [];
  const add = (label: string, value: number | undefined, digits: number) => {
    if (value !== undefined) parts.push(`${label} ${(100 * value).toFixed(digits)} %`);
  };
  add("contrast", figures.contrast, 3);
  add("mean", figures.meanError, 4);
  add("noisy mean", figures.noisyMeanError, 4);
  add("noise std", figures.noiseStdError, 2);
  return parts.join(", ");
}

function sameGeometry(a: DetectorParameters, b: DetectorParameters): boolean {
  return a.det_pix_x === b.det_pix_x && a.det_pix_y === b.det_pix_y &&
    a.pixel_size === b.pixel_size && a.padding === b.padding;
}

/**
 * The detectors of `input` in comparison pairs: each noisy detector with the first noise-free
 * detector of the same geometry; detectors left over form pairs of one. Needs no permissions.
 */
export function detectorPairs(
  input: SimulationInput,
): { noiseFree?: DetectorParameters; noisy?: DetectorParameters }[] {
  const pairs: { noiseFree?: DetectorParameters; noisy?: DetectorParameters }[] = [];
  const used = new Set<DetectorParameters>();
  for (const noisy of input.detectors.filter((d) => d.use_quantization)) {
    const noiseFree = input.detectors.find((d) =>
      !d.use_quantization && !used.has(d) && sameGeometry(d, noisy)
    );
    if (noiseFree !== undefined) used.add(noiseFree);
    used.add(noisy);
    pairs.push({ noiseFree, noisy });
  }
  for (const detector of input.detectors) {
    if (!used.has(detector)) pairs.push({ noiseFree: detector });
  }
  return pairs;
}

/** Reads an MRC tilt series as float64 sections. Needs --allow-read on `path`. */
export async function readImageStack(path: string): Promise<ImageStack> {
  const volume = await readMrc(path);
  const { nx, ny, nz } = volume.header;
  const sections = Array.from(
    { length: nz },
    (_, z) => Float64Array.from(volume.data.subarray(z * nx * ny, (z + 1) * nx * ny)),
  );
  return { nx, ny, sections };
}

/**
 * Compares the image outputs of a finished run of `input` (written in `outputFolder`, or where
 * the input says) with the files of the same names in `referenceFolder`. Throws an Error naming
 * the file when a stack is missing or its shape differs. Needs --allow-read on both folders.
 */
export async function compareWithReference(
  input: SimulationInput,
  referenceFolder: string,
  outputFolder?: string,
): Promise<DetectorComparison[]> {
  const ours = (d: DetectorParameters) =>
    outputFolder === undefined ? d.image_file_out : join(outputFolder, basename(d.image_file_out));
  const theirs = (d: DetectorParameters) => join(referenceFolder, basename(d.image_file_out));
  const load = async (d: DetectorParameters | undefined) => {
    if (d === undefined) return { ours: undefined, theirs: undefined };
    const [a, b] = [await readImageStack(ours(d)), await readImageStack(theirs(d))];
    if (a.nx !== b.nx || a.ny !== b.ny || a.sections.length !== b.sections.length) {
      throw new Error(
        `"${theirs(d)}" is ${b.nx} × ${b.ny} × ${b.sections.length}, ` +
          `the simulation's is ${a.nx} × ${a.ny} × ${a.sections.length}`,
      );
    }
    return { ours: a, theirs: b };
  };
  const comparisons: DetectorComparison[] = [];
  for (const pair of detectorPairs(input)) {
    const clean = await load(pair.noiseFree), grainy = await load(pair.noisy);
    comparisons.push({
      noiseFree: pair.noiseFree && basename(pair.noiseFree.image_file_out),
      noisy: pair.noisy && basename(pair.noisy.image_file_out),
      tilts: compareTiltSeries({
        noiseFree: clean.ours,
        noisy: grainy.ours,
        reference: { noiseFree: clean.theirs, noisy: grainy.theirs },
      }),
    });
  }
  return comparisons;
}

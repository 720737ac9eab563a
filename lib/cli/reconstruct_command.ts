/**
 * `ets reconstruct STACK.mrc [--bin N] [--thickness NM] [-o OUT.mrc]`: a tomogram by weighted
 * back-projection, and the label maps beside it when the stack's ground truth lies beside the
 * input. See docs/reconstruct.md.
 *
 * @module
 */
import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { inputError } from "../errors/mod.ts";
import {
  type GeometryMode,
  type RadialFilter,
  reconstructStack,
  thicknessBesideStack,
} from "../reconstruct/mod.ts";

function positiveInteger(what: string, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`"${value}" is not ${what} (1 to ${max}).`);
    }
    return Number(value);
  };
}

/** Parses a positive number. Needs no permissions. */
function positiveNumber(what: string) {
  return (value: string): number => {
    const v = Number(value);
    if (value.trim() === "" || !Number.isFinite(v) || v <= 0) {
      throw new InvalidArgumentError(`"${value}" is not ${what} (a positive number).`);
    }
    return v;
  };
}

/** Parses `--radial CUTOFF,FALLOFF` (cycles/pixel, each in (0, 0.5]). Needs no permissions. */
export function parseRadial(value: string): { cutoff: number; falloff: number } {
  const m = /^\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)\s*$/.exec(value);
  const cutoff = Number(m?.[1]), falloff = Number(m?.[2]);
  if (!m || !(cutoff > 0 && cutoff <= 0.5 && falloff > 0 && falloff <= 0.5)) {
    throw new InvalidArgumentError(
      `"${value}" is not CUTOFF,FALLOFF in cycles/pixel, each in (0, 0.5], e.g. "0.35,0.035".`,
    );
  }
  return { cutoff, falloff };
}

/** Parses `--label-level`: a fraction in (0, 1]. Needs no permissions. */
export function parseLevel(value: string): number {
  const v = Number(value);
  if (value.trim() === "" || !(v > 0 && v <= 1)) {
    throw new InvalidArgumentError(`"${value}" is not a fraction of the map maximum in (0, 1].`);
  }
  return v;
}

/** The options of `reconstruct` as parsed. */
interface ReconstructOptions {
  output?: string;
  bin?: number;
  thickness?: number;
  geometry: GeometryMode;
  radial?: RadialFilter;
  threads?: number;
  labels: boolean;
  labelLevel?: number;
}

/** What `reconstructStack` reports. */
type Reconstruction = Awaited<ReturnType<typeof reconstructStack>>;

/**
 * The tomogram to write: `--output`, else STACK_rec.mrc. Input error when the stack is not an
 * .mrc(s), the output not an .mrc, or the output is the stack itself.
 */
function tomogramPath(stack: string, output: string | undefined): string {
  if (!/\.mrcs?$/i.test(stack)) {
    throw inputError(`Cannot reconstruct "${stack}": the tilt series must be an .mrc file`);
  }
  const path = output ?? stack.replace(/\.mrcs?$/i, "_rec.mrc");
  if (!path.toLowerCase().endsWith(".mrc")) {
    throw inputError(`Cannot write "${path}": the tomogram's file name must end in .mrc`);
  }
  if (path === stack) throw inputError(`Cannot write "${path}": it is the input stack`);
  return path;
}

/** The label maps' lines of the summary: the files and the classes left out, or why none. */
function labelLines(result: Reconstruction, labelsWanted: boolean): string[] {
  if (result.labels) {
    return [
      `Labels:     ${result.labels.semantic}, ${result.labels.instance}`,
      `Classes:    ${result.labels.classes}`,
      ...result.labels.info.filter((c) => c.skipped).map((c) =>
        `            class ${c.classNumber} (${c.name}) not labelled: ${c.skipped}`
      ),
    ];
  }
  return labelsWanted ? ["Labels:     none (no NAME_particles.csv beside the stack)"] : [];
}

/** The summary printed after a reconstruction: tomogram, geometry, labels and time taken. */
function reconstructionSummary(
  output: string,
  options: ReconstructOptions,
  result: Reconstruction,
  seconds: number,
): string {
  const g = result.grid;
  return [
    `Tomogram:   ${output} (${g.nx} x ${g.ny} x ${g.nz}, ${(g.voxelNm * 10).toFixed(3)} A)`,
    `Geometry:   ${options.geometry} from ${result.tiltSource.from}`,
    ...labelLines(result, options.labels),
    `Time:       ${seconds.toFixed(2)} s`,
  ].join("\n");
}

/** The `reconstruct` action: checks the paths, reconstructs the stack, prints the summary. */
async function reconstructAction(stack: string, options: ReconstructOptions): Promise<void> {
  const output = tomogramPath(stack, options.output);
  const started = performance.now();
  const result = await reconstructStack({
    input: stack,
    output,
    bin: options.bin,
    thicknessNm: options.thickness ?? await thicknessBesideStack(stack),
    geometry: options.geometry,
    filter: options.radial,
    threads: options.threads,
    labels: options.labels,
    labelLevel: options.labelLevel,
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(reconstructionSummary(output, options, result, seconds));
}

/**
 * Builds the `reconstruct` subcommand. Needs no permissions to build; running it needs
 * --allow-read on the stack's folder (ground truth, maps, the run's sim_metadata.json),
 * --allow-write on the output's folder, --allow-sys for the memory check.
 */
export function reconstructCommand() {
  return new Command("reconstruct")
    .description(
      "Reconstruct a tilt series by weighted back-projection (R-weighting, IMOD's radial " +
        "filter) with the geometry as simulated or nominal; writes OUT_labels.mrc, " +
        "OUT_instances.mrc and OUT_label_classes.csv too when the stack's ground truth lies " +
        "beside it.",
    )
    .argument("<stack>", "tilt series (MRC), e.g. raw_data/NAME_1/NAME_1.mrc")
    .option("-o, --output <out>", "tomogram to write (default: STACK_rec.mrc)")
    .option("--bin <n>", "bin the tilt images by N (default 1)", positiveInteger("a binning", 64))
    .option(
      "--thickness <nm>",
      "thickness of the volume in nm (default: the stack's tomograms.star, else 200)",
      positiveNumber("a thickness in nm"),
    )
    .addOption(
      new Option("--geometry <mode>", "tilt geometry: as simulated (errors, shifts) or nominal")
        .choices(["simulated", "nominal"] as const).default("simulated" as const),
    )
    .option(
      "--radial <cutoff,falloff>",
      "radial filter in cycles/pixel of the binned images (default 0.35,0.035, as IMOD's tilt)",
      parseRadial,
    )
    .option(
      "--threads <n>",
      "back-projection threads (default: CPUs, at most 2)",
      positiveInteger("a number of threads", 256),
    )
    .option("--no-labels", "do not write label maps")
    .option(
      "--label-level <fraction>",
      "iso-level of the particle maps for labels, as a fraction of each map's maximum (default 0.25)",
      parseLevel,
    )
    .action(reconstructAction);
}

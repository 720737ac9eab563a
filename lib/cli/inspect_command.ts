/**
 * `ets inspect FILE.mrc [--png OUT.png] [--series | --volume]`: prints an MRC file's header and
 * statistics; with `--png` writes a montage (tilt series: every tilt with its angle; volume: the
 * central XY/XZ/YZ slices), percentile-stretched.
 *
 * @module
 */
import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { inputError } from "../errors/mod.ts";
import { inspectMrc } from "../preview/mod.ts";

/** Parses `--tile`: an integer number of pixels, 16 to 4096. Needs no permissions. */
export function parseTileSize(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 16 || Number(value) > 4096) {
    throw new InvalidArgumentError(`"${value}" is not a tile size in pixels (16 to 4096).`);
  }
  return Number(value);
}

/** Parses `--stretch LOW:HIGH` (percentiles, 0 ≤ LOW < HIGH ≤ 100). Needs no permissions. */
export function parseStretch(value: string): [number, number] {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(value);
  const low = Number(m?.[1]), high = Number(m?.[2]);
  if (!m || !(low >= 0 && high <= 100 && low < high)) {
    throw new InvalidArgumentError(
      `"${value}" is not LOW:HIGH percentiles with 0 <= LOW < HIGH <= 100, e.g. "1:99".`,
    );
  }
  return [low, high];
}

/**
 * Builds the `inspect` subcommand. Needs no permissions to build; running it needs --allow-read
 * on the file and --allow-write on the PNG's folder.
 */
export function inspectCommand() {
  return new Command("inspect")
    .description(
      "Print an MRC file's header and statistics; with --png, write a montage " +
        "(tilt series: every tilt with its angle; volume: central XY/XZ/YZ slices).",
    )
    .argument("<file>", "MRC file (tilt series, image stack or volume)")
    .option("--png <out>", "write a montage PNG here")
    .addOption(
      new Option("--series", "show as a tilt series (default: decided from the header)")
        .conflicts("volume"),
    )
    .addOption(new Option("--volume", "show as a volume (central XY/XZ/YZ slices)"))
    .option(
      "--tile <px>",
      "longest side of a montage tile (default 256) or volume panel (default 512)",
      parseTileSize,
    )
    .option("--stretch <low:high>", "contrast stretch percentiles (default 1:99)", parseStretch)
    .action(async (file, options) => {
      if (options.png !== undefined && !options.png.toLowerCase().endsWith(".png")) {
        throw inputError(`Cannot write "${options.png}": the montage file name must end in .png`);
      }
      const { report } = await inspectMrc(file, {
        png: options.png,
        kind: options.series ? "series" : options.volume ? "volume" : undefined,
        tileSize: options.tile,
        lowPct: options.stretch?.[0],
        highPct: options.stretch?.[1],
      });
      await writeStdout(report + (options.png ? `Montage:         ${options.png}\n` : ""));
    });
}

async function writeStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let done = 0;
  while (done < bytes.length) done += await Deno.stdout.write(bytes.subarray(done));
}

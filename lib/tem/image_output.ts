/**
 * Detector image files (spec §4.1): MRC2014 float32 stacks through lib/mrc (voxel size = specimen
 * pixel, nominal tilt angles in the extended header) or raw float32 in the requested byte order,
 * with the `yx` axis order as a transpose. `mrc-int` is written as float32 MRC (int16 would
 * overflow at realistic gains, spec §8) with a warning.
 *
 * @module
 */
import { MrcSeriesWriter } from "../mrc/mod.ts";
import { onCleanup, tempPathFor } from "../platform/mod.ts";
import type { ByteOrder, ImageAxisOrder, MapFileFormat } from "./input/mod.ts";

/** Options of an image series. */
export interface ImageSeriesOptions {
  format: MapFileFormat;
  axisOrder: ImageAxisOrder;
  byteOrder: ByteOrder;
  /** Pixel size, Å. */
  pixelSize: number;
  /** Nominal tilt angles, deg (one per image). */
  tiltAngles: number[];
  /** Labels for the MRC header. */
  labels?: string[];
}

/** An image series being written (atomically: a temp file until close). */
export interface ImageSeriesWriter {
  /** Appends one image (width × height, x fastest). */
  append(image: Float32Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

function transpose(image: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(image.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[x * height + y] = image[y * width + x]!;
  }
  return out;
}

class RawSeriesWriter implements ImageSeriesWriter {
  readonly #unregister: () => void;
  #done = false;
  constructor(
    readonly path: string,
    readonly temp: string,
    readonly file: Deno.FsFile,
    readonly littleEndian: boolean,
  ) {
    this.#unregister = onCleanup(() => this.abort());
  }
  async append(image: Float32Array): Promise<void> {
    const bytes = new Uint8Array(image.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < image.length; i++) view.setFloat32(4 * i, image[i]!, this.littleEndian);
    let written = 0;
    while (written < bytes.length) written += await this.file.write(bytes.subarray(written));
  }
  async close(): Promise<void> {
    this.file.close();
    await Deno.rename(this.temp, this.path);
    this.#done = true;
    this.#unregister();
  }
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#unregister();
    try {
      this.file.close();
    } catch {
      // already closed
    }
    await Deno.remove(this.temp).catch(() => {});
  }
}

/**
 * Opens an image series of width × height detector pixels. Returns the writer and warnings.
 * Needs --allow-write on the folder of `path`.
 */
export async function openImageSeries(
  path: string,
  width: number,
  height: number,
  options: ImageSeriesOptions,
): Promise<{ writer: ImageSeriesWriter; warnings: string[] }> {
  const warnings: string[] = [];
  const transposed = options.axisOrder === "yx";
  const [nx, ny] = transposed ? [height, width] : [width, height];
  const arrange = (image: Float32Array) => transposed ? transpose(image, width, height) : image;
  if (options.format === "raw") {
    const temp = tempPathFor(path);
    const file = await Deno.open(temp, { write: true, create: true, truncate: true });
    const raw = new RawSeriesWriter(path, temp, file, options.byteOrder !== "be");
    return {
      writer: {
        append: (image) => raw.append(arrange(image)),
        close: () => raw.close(),
        abort: () => raw.abort(),
      },
      warnings,
    };
  }
  if (options.format === "mrc-int") {
    warnings.push(`${path}: mrc-int images are written as float32 MRC (int16 would overflow).`);
  }
  if (options.byteOrder === "be") {
    warnings.push(`${path}: MRC images are written little-endian (readers detect the byte order).`);
  }
  const mrc = await MrcSeriesWriter.create(path, nx, ny, {
    voxelSize: options.pixelSize,
    tiltAngles: options.tiltAngles,
    labels: options.labels,
  });
  return {
    writer: {
      append: (image) => mrc.append(arrange(image)),
      close: () => mrc.close(),
      abort: () => mrc.abort(),
    },
    warnings,
  };
}

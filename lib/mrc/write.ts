/**
 * Writing MRC files atomically: whole volumes, or tilt series section by section.
 *
 * @module
 */
import { runtimeError } from "../errors/mod.ts";
import { onCleanup, tempPathFor, writeFileAtomic } from "../platform/mod.ts";
import {
  checkWriteOptions,
  encodeMrc,
  encodeMrcHeader,
  float32LeBytes,
  MrcStats,
  type MrcWriteOptions,
} from "./encode.ts";

function writeError(path: string, error: unknown): unknown {
  if (error instanceof Error && !(error instanceof RangeError)) {
    return runtimeError(`Cannot write "${path}": ${error.message}`, { file: path, cause: error });
  }
  return error;
}

/**
 * Writes a float32 volume or image stack (x fastest) as an MRC2014 file (see `encodeMrc`),
 * atomically: the file appears under `path` only when complete. Throws RangeError for
 * inconsistent arguments, EtsError kind "runtime" when the file system fails.
 * Needs --allow-write on the folder of `path`.
 */
export async function writeMrc(
  path: string,
  nx: number,
  ny: number,
  nz: number,
  data: Float32Array,
  options: MrcWriteOptions,
): Promise<void> {
  const bytes = encodeMrc(nx, ny, nz, data, options);
  try {
    await writeFileAtomic(path, bytes);
  } catch (error) {
    throw writeError(path, error);
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}

/**
 * An appending MRC writer for tilt series: sections (nx·ny float32, x fastest) are written one at
 * a time to a temp file beside `path`, with running statistics; `close` writes the final header
 * (nz, statistics, FEI1 tilt angles) and renames the temp file to `path`. The file is an image
 * stack (ISPG 0) unless `options.imageStack` is false. When `options.tiltAngles` are given, exactly
 * that many sections must be appended. A pending temp file is removed by `abort` and by the
 * process cleanups (lib/platform `runCleanups`). Needs --allow-write on the folder of `path`.
 */
export class MrcSeriesWriter {
  readonly #path: string;
  readonly #temp: string;
  readonly #file: Deno.FsFile;
  readonly #nx: number;
  readonly #ny: number;
  readonly #options: MrcWriteOptions;
  readonly #stats = new MrcStats();
  readonly #unregister: () => void;
  #sections = 0;
  #state: "open" | "closing" | "closed" | "aborted" = "open";
  #queue: Promise<void> = Promise.resolve();
  #failure: unknown = undefined;
  #fileOpen = true;

  private constructor(
    path: string,
    temp: string,
    file: Deno.FsFile,
    nx: number,
    ny: number,
    options: MrcWriteOptions,
  ) {
    this.#path = path;
    this.#temp = temp;
    this.#file = file;
    this.#nx = nx;
    this.#ny = ny;
    this.#options = options;
    this.#unregister = onCleanup(() => this.abort());
  }

  /**
   * Starts a tilt series at `path` (written to a temp file until `close`). Throws RangeError for
   * bad sizes or options. Needs --allow-write on the folder of `path`.
   */
  static async create(
    path: string,
    nx: number,
    ny: number,
    options: MrcWriteOptions,
  ): Promise<MrcSeriesWriter> {
    checkWriteOptions(nx, ny, undefined, options);
    const nz = options.tiltAngles?.length ?? 1;
    const header = encodeMrcHeader(nx, ny, Math.max(nz, 1), new MrcStats(), options, true);
    const temp = tempPathFor(path);
    let file: Deno.FsFile;
    try {
      // created new (O_EXCL): never through a symbolic link planted at the temp name
      file = await Deno.open(temp, { write: true, createNew: true });
    } catch (error) {
      throw writeError(path, error);
    }
    const writer = new MrcSeriesWriter(path, temp, file, nx, ny, { ...options });
    try {
      await writeAll(file, header);
    } catch (error) {
      await writer.abort();
      throw writeError(path, error);
    }
    return writer;
  }

  /** The final path. */
  get path(): string {
    return this.#path;
  }

  /** Sections appended so far. */
  get sections(): number {
    return this.#sections;
  }

  /**
   * Appends one section (nx·ny values, x fastest). Calls may overlap; sections are written in call
   * order. Do not modify `section` until the returned promise settles. Throws RangeError for a
   * wrong length or one section too many. Needs --allow-write (as for `create`).
   */
  append(section: Float32Array): Promise<void> {
    if (this.#state !== "open") {
      return Promise.reject(
        new Error(`Cannot append to "${this.#path}": the writer is ${this.#state}`),
      );
    }
    if (section.length !== this.#nx * this.#ny) {
      return Promise.reject(
        new RangeError(
          `Cannot append to "${this.#path}": a section holds ${this.#nx}x${this.#ny} values, ` +
            `got ${section.length}`,
        ),
      );
    }
    const expected = this.#options.tiltAngles?.length;
    if (expected !== undefined && this.#sections >= expected) {
      return Promise.reject(
        new RangeError(
          `Cannot append to "${this.#path}": all ${expected} sections (one per tilt angle) are written`,
        ),
      );
    }
    this.#sections += 1;
    this.#stats.add(section);
    const bytes = float32LeBytes(section);
    const job = this.#queue.then(async () => {
      if (this.#failure !== undefined) throw this.#failure;
      try {
        await writeAll(this.#file, bytes);
      } catch (error) {
        this.#failure = writeError(this.#path, error);
        throw this.#failure;
      }
    });
    this.#queue = job.catch(() => {});
    return job;
  }

  /**
   * Waits for pending appends, writes the final header and renames the temp file to the final
   * path. On failure (no sections, fewer sections than tilt angles, a write error) the temp file
   * is removed and the error thrown. Needs --allow-write (as for `create`).
   */
  async close(): Promise<void> {
    if (this.#state !== "open") {
      throw new Error(`Cannot close "${this.#path}": the writer is ${this.#state}`);
    }
    this.#state = "closing";
    try {
      await this.#queue;
      if (this.#failure !== undefined) throw this.#failure;
      const expected = this.#options.tiltAngles?.length;
      if (this.#sections === 0) {
        throw new RangeError(`Cannot write "${this.#path}": no sections were appended`);
      }
      if (expected !== undefined && this.#sections !== expected) {
        throw new RangeError(
          `Cannot write "${this.#path}": ${this.#sections} sections for ${expected} tilt angles`,
        );
      }
      const header = encodeMrcHeader(
        this.#nx,
        this.#ny,
        this.#sections,
        this.#stats,
        this.#options,
        true,
      );
      try {
        await this.#file.seek(0, Deno.SeekMode.Start);
        await writeAll(this.#file, header);
        this.#closeFile();
        await Deno.rename(this.#temp, this.#path);
      } catch (error) {
        throw writeError(this.#path, error);
      }
    } catch (error) {
      await this.#discard();
      throw error;
    }
    this.#state = "closed";
    this.#unregister();
  }

  /**
   * Discards the series: waits for pending appends, closes and removes the temp file. Idempotent;
   * does nothing after a successful `close`. Needs --allow-write (as for `create`).
   */
  async abort(): Promise<void> {
    if (this.#state === "closed" || this.#state === "aborted") return;
    await this.#discard();
  }

  #closeFile(): void {
    if (!this.#fileOpen) return;
    this.#fileOpen = false;
    try {
      this.#file.close();
    } catch {
      // already closed
    }
  }

  async #discard(): Promise<void> {
    this.#state = "aborted";
    this.#unregister();
    await this.#queue;
    this.#closeFile();
    await Deno.remove(this.#temp).catch(() => {});
  }
}

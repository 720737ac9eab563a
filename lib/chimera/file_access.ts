/**
 * File reads and writes of the command server, confined to allowed folders: paths are resolved
 * against the server's folder, symbolic links are resolved, and anything outside every allowed
 * folder is refused. An in-memory implementation serves the interpreter's unit tests.
 *
 * @module
 */
import { encodeMrc, MrcSeriesWriter, type MrcWriteOptions } from "../mrc/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";
import { CommandError } from "./command_syntax.ts";

/** A float32 map to save as MRC (x fastest). */
export interface MapFile {
  /** Grid size along x, y, z. */
  size: readonly [number, number, number];
  /** The values. */
  data: Float32Array;
  /** Voxel size, origin and labels. */
  options: MrcWriteOptions;
}

/** How commands read and write files. Paths are as written in the command. */
export interface FileAccess {
  /** Reads a whole file. Throws CommandError when refused or unreadable. */
  readFile(path: string): Promise<Uint8Array>;
  /** Writes a whole file atomically. Throws CommandError when refused or unwritable. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Writes an MRC2014 map atomically. Throws CommandError when refused or unwritable. */
  writeMrc(path: string, map: MapFile): Promise<void>;
}

/** Lexically normalises an absolute POSIX path (`.`/`..`/double slashes). Needs no permissions. */
export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

/** `path` made absolute against `base` and normalised. Needs no permissions. */
export function resolvePath(base: string, path: string): string {
  return normalizePath(path.startsWith("/") ? path : `${base}/${path}`);
}

/** Whether `path` is `folder` or inside it (both normalised absolute). Needs no permissions. */
export function isInside(folder: string, path: string): boolean {
  if (folder === "/") return true;
  return path === folder || path.startsWith(folder + "/");
}

/** The message of an I/O failure, without Deno's "(os error N)" noise. */
function reason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file or folder";
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return "permission denied";
  }
  if (error instanceof Deno.errors.IsADirectory) return "is a folder";
  return error instanceof Error ? error.message : String(error);
}

/**
 * Real files, confined to `allowDirs` (resolved with `realPath` once, at creation). Relative
 * paths resolve against `cwd`. Needs `--allow-read` (and `--allow-write` to save) on the folders.
 */
export class ConfinedFileAccess implements FileAccess {
  readonly #roots: string[];
  readonly #cwd: string;

  private constructor(roots: string[], cwd: string) {
    this.#roots = roots;
    this.#cwd = cwd;
  }

  /**
   * Resolves the allowed folders (they must exist). Throws the Deno error (with a `folder`
   * property naming the folder) for a missing or unreadable one.
   * Needs `--allow-read` on the folders.
   */
  static async create(allowDirs: readonly string[], cwd: string): Promise<ConfinedFileAccess> {
    const roots: string[] = [];
    for (const dir of allowDirs) {
      try {
        roots.push(await Deno.realPath(resolvePath(cwd, dir)));
      } catch (error) {
        if (error instanceof Error) Object.assign(error, { folder: dir });
        throw error;
      }
    }
    return new ConfinedFileAccess(roots, cwd);
  }

  /** The allowed folders (real paths). */
  get roots(): readonly string[] {
    return this.#roots;
  }

  /**
   * The real path of `path`: its deepest existing ancestor resolved with `realPath`, joined with
   * the rest; undefined when it cannot be resolved (fail closed).
   */
  async #realTarget(absolute: string): Promise<string | undefined> {
    const parts = absolute.split("/").filter((p) => p !== "");
    for (let cut = parts.length; cut >= 0; cut--) {
      const head = "/" + parts.slice(0, cut).join("/");
      try {
        const real = await Deno.realPath(head);
        return normalizePath(`${real}/${parts.slice(cut).join("/")}`);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        return undefined;
      }
    }
    return undefined;
  }

  async #check(path: string, verb: string): Promise<string> {
    const allowed = (p: string | undefined) =>
      p !== undefined && this.#roots.some((root) => isInside(root, p));
    const lexical = resolvePath(this.#cwd, path);
    const real = allowed(lexical) ? await this.#realTarget(lexical) : undefined;
    if (real === undefined || !allowed(real)) {
      throw new CommandError(
        `Cannot ${verb} "${path}": outside the allowed folders (${this.#roots.join(", ")})`,
      );
    }
    return real;
  }

  /** Reads `path` if allowed. Needs `--allow-read` on it. */
  async readFile(path: string): Promise<Uint8Array> {
    const real = await this.#check(path, "open");
    try {
      return await Deno.readFile(real);
    } catch (error) {
      throw new CommandError(`Cannot open "${path}": ${reason(error)}`);
    }
  }

  /** Writes `path` atomically if allowed. Needs `--allow-write` on its folder. */
  async writeFile(path: string, data: Uint8Array): Promise<void> {
    const real = await this.#check(path, "save");
    try {
      await writeFileAtomic(real, data);
    } catch (error) {
      throw new CommandError(`Cannot save "${path}": ${reason(error)}`);
    }
  }

  /**
   * Writes a map section by section (no whole-file copy in memory), atomically, if allowed.
   * Needs `--allow-write` on its folder.
   */
  async writeMrc(path: string, map: MapFile): Promise<void> {
    const real = await this.#check(path, "save");
    const [nx, ny, nz] = map.size;
    let writer: MrcSeriesWriter | undefined;
    try {
      writer = await MrcSeriesWriter.create(real, nx, ny, { ...map.options, imageStack: false });
      const plane = nx * ny;
      const pending: Promise<void>[] = [];
      for (let k = 0; k < nz; k++) {
        pending.push(writer.append(map.data.subarray(k * plane, (k + 1) * plane)));
      }
      await Promise.all(pending);
      await writer.close();
    } catch (error) {
      await writer?.abort().catch(() => {});
      throw new CommandError(`Cannot save "${path}": ${reason(error)}`);
    }
  }
}

/** In-memory files keyed by normalised absolute path (for tests). Needs no permissions. */
export class MemoryFileAccess implements FileAccess {
  /** The files. */
  readonly files = new Map<string, Uint8Array>();
  readonly #cwd: string;

  constructor(cwd = "/work", files: Record<string, Uint8Array> = {}) {
    this.#cwd = cwd;
    for (const [path, data] of Object.entries(files)) this.files.set(resolvePath(cwd, path), data);
  }

  /** The bytes of `path`, or undefined. */
  get(path: string): Uint8Array | undefined {
    return this.files.get(resolvePath(this.#cwd, path));
  }

  /** Reads a stored file. */
  readFile(path: string): Promise<Uint8Array> {
    const data = this.get(path);
    if (data === undefined) {
      return Promise.reject(new CommandError(`Cannot open "${path}": no such file or folder`));
    }
    return Promise.resolve(data);
  }

  /** Stores a file. */
  writeFile(path: string, data: Uint8Array): Promise<void> {
    this.files.set(resolvePath(this.#cwd, path), data.slice());
    return Promise.resolve();
  }

  /** Stores an encoded map. */
  writeMrc(path: string, map: MapFile): Promise<void> {
    const [nx, ny, nz] = map.size;
    return this.writeFile(path, encodeMrc(nx, ny, nz, map.data, map.options));
  }
}

/**
 * Builds the packed one-file `ets`: launcher header + gzip'd tar of `deno` (the runtime this
 * build runs on) and `app/` (the source tree with its node_modules, run as is: worker entry
 * files and templates keep their paths relative to the code that loads them).
 *
 * @module
 */
import { EtsError, inputError } from "../errors/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";
import { launcherHeader } from "./launcher.ts";
import { tarChunks, type TarEntry } from "./tar.ts";

/** What goes into a pack. */
export interface PackOptions {
  /** The repository root holding main.ts, deno.json, lib/, workers/, templates/, node_modules/. */
  appRoot: string;
  /** The Deno binary to ship (usually `Deno.execPath()`). */
  denoPath: string;
  /** Where to write the packed file. */
  output: string;
  /** `ets` version (cache folder name). */
  version: string;
  /** Deno flags the launcher runs the app with. */
  flags: readonly string[];
}

/** What was built. */
export interface PackResult {
  /** The packed file. */
  output: string;
  /** Its size in bytes. */
  bytes: number;
  /** SHA-256 of the archive (the cache key). */
  hash: string;
  /** Number of app files shipped (without the runtime). */
  appFiles: number;
}

/** Top-level files and folders of the app that are shipped. */
const APP_FILES = ["main.ts", "deno.json", "deno.lock"];
const APP_DIRS = ["lib", "workers", "templates", "node_modules"];

/** Whether a path under the app root is left out of the pack (tests, test data, caches). */
export function excludedFromPack(relative: string): boolean {
  const parts = relative.split("/");
  const base = parts[parts.length - 1] ?? "";
  if (parts.includes("testdata") || parts.includes("__snapshots__")) return true;
  if (/_test\.(ts|tsx|js|mjs)$/.test(base) || /\.test\.(ts|js)$/.test(base)) return true;
  if (parts[0] === "node_modules" && parts[1] === ".bin") return true;
  if (base === ".DS_Store") return true;
  return false;
}

async function walk(root: string, relative: string, out: TarEntry[]): Promise<void> {
  const names: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(`${root}/${relative}`)) names.push(entry);
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of names) {
    const path = `${relative}/${entry.name}`;
    if (excludedFromPack(path)) continue;
    const full = `${root}/${path}`;
    if (entry.isSymlink) {
      const target = await Deno.readLink(full);
      if (target.startsWith("/")) {
        throw inputError(
          `Cannot pack "${full}": symbolic link to an absolute path "${target}" would break when unpacked`,
          { file: full },
        );
      }
      out.push({ type: "symlink", path: `app/${path}`, target });
    } else if (entry.isDirectory) {
      out.push({ type: "dir", path: `app/${path}` });
      await walk(root, path, out);
    } else if (entry.isFile) {
      const info = await Deno.stat(full);
      out.push({
        type: "file",
        path: `app/${path}`,
        data: await Deno.readFile(full),
        executable: ((info.mode ?? 0) & 0o111) !== 0,
      });
    }
  }
}

/**
 * The archive's entries in a fixed order: `deno`, then `app/` with the app files.
 * Needs --allow-read on `appRoot` and `denoPath`.
 */
export async function packEntries(appRoot: string, denoPath: string): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  entries.push({
    type: "file",
    path: "deno",
    data: await Deno.readFile(denoPath),
    executable: true,
  });
  entries.push({ type: "dir", path: "app" });
  for (const name of APP_FILES) {
    try {
      entries.push({
        type: "file",
        path: `app/${name}`,
        data: await Deno.readFile(`${appRoot}/${name}`),
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound && name !== "main.ts") continue;
      throw inputError(`Cannot pack: "${appRoot}/${name}" is missing`, { cause: error });
    }
  }
  for (const dir of APP_DIRS) {
    try {
      if (!(await Deno.stat(`${appRoot}/${dir}`)).isDirectory) continue;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        if (dir === "node_modules") {
          throw inputError(
            `Cannot pack: "${appRoot}/node_modules" is missing (run "deno install" first)`,
          );
        }
        continue;
      }
      throw error;
    }
    entries.push({ type: "dir", path: `app/${dir}` });
    await walk(appRoot, dir, entries);
  }
  return entries;
}

async function gzip(entries: TarEntry[]): Promise<Uint8Array<ArrayBuffer>> {
  const stream = ReadableStream.from(tarChunks(entries)).pipeThrough(
    new CompressionStream("gzip"),
  );
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of stream) {
    parts.push(part);
    length += part.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Builds the packed file (written atomically, mode 755).
 * Needs --allow-read on `appRoot` and `denoPath`, --allow-write on the output folder.
 */
export async function buildPack(options: PackOptions): Promise<PackResult> {
  const entries = await packEntries(options.appRoot, options.denoPath);
  const archive = await gzip(entries);
  const hash = hex(await crypto.subtle.digest("SHA-256", archive));
  const header = new TextEncoder().encode(
    launcherHeader({ version: options.version, hash, flags: options.flags }),
  );
  const file = new Uint8Array(header.length + archive.length);
  file.set(header, 0);
  file.set(archive, header.length);
  try {
    await writeFileAtomic(options.output, file);
    await Deno.chmod(options.output, 0o755);
  } catch (error) {
    throw new EtsError(`Cannot write "${options.output}": ${String(error)}`, {
      kind: "runtime",
      file: options.output,
      cause: error,
    });
  }
  return {
    output: options.output,
    bytes: file.length,
    hash,
    appFiles: entries.filter((e) => e.type === "file" && e.path.startsWith("app/")).length,
  };
}

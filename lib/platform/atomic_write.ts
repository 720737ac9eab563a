/**
 * Atomic file output: write beside the target, then rename over it. The temp file is created
 * new (`O_EXCL`: a symbolic link planted at its name is never followed) and the rename replaces
 * a link at the target's name instead of writing through it.
 *
 * @module
 */

let counter = 0;

/**
 * A temporary path in the same folder as `path`, unique to this process,
 * so a rename onto `path` is atomic. Needs no permissions.
 */
export function tempPathFor(path: string): string {
  counter += 1;
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "" : path.slice(0, slash + 1);
  const base = slash < 0 ? path : path.slice(slash + 1);
  return `${dir}.${base}.${Deno.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}.tmp`;
}

/**
 * Writes `data` to `path` atomically: the file appears under its final name only when complete.
 * Needs `--allow-write` on the folder of `path`.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
): Promise<void> {
  const temp = tempPathFor(path);
  try {
    if (typeof data === "string") {
      await Deno.writeTextFile(temp, data, { createNew: true });
    } else await Deno.writeFile(temp, data, { createNew: true });
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Synchronous {@linkcode writeFileAtomic}, for exit paths. Needs `--allow-write` on the folder. */
export function writeFileAtomicSync(
  path: string,
  data: Uint8Array | string,
): void {
  const temp = tempPathFor(path);
  try {
    if (typeof data === "string") {
      Deno.writeTextFileSync(temp, data, { createNew: true });
    } else Deno.writeFileSync(temp, data, { createNew: true });
    Deno.renameSync(temp, path);
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch {
      // nothing to remove
    }
    throw error;
  }
}

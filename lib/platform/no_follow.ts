/**
 * Opening output files without following a symbolic link planted at their name: a link at
 * `root/NAME.log` must not make the log append to a file outside the root. Deno has no
 * `O_NOFOLLOW`, so a new file is created with `O_EXCL` (which never follows a link), and an
 * existing one is opened and then checked to be the same regular file as the name itself
 * (`lstat` and `fstat` agree on device and inode), else closed unwritten.
 *
 * @module
 */

/** Thrown when the name is a symbolic link (or changed while being opened). */
export class SymlinkRefused extends Error {
  override name = "SymlinkRefused";
  /** The path that was refused. */
  readonly path: string;
  constructor(path: string, detail: string) {
    super(
      `Cannot write "${path}": ${detail}; ets does not follow links for its outputs`,
    );
    this.path = path;
  }
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Opens `path` for appending (created when missing), refusing a symbolic link or anything but a
 * regular file there (SymlinkRefused). Needs `--allow-read` and `--allow-write` on `path`.
 */
export function openAppendNoFollowSync(path: string): Deno.FsFile {
  try {
    return Deno.openSync(path, { write: true, append: true, createNew: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  const before = Deno.lstatSync(path);
  if (before.isSymlink) throw new SymlinkRefused(path, "it is a symbolic link");
  if (!before.isFile) {
    throw new SymlinkRefused(path, "it is not a regular file");
  }
  const file = Deno.openSync(path, { write: true, append: true });
  try {
    const opened = file.statSync();
    const after = Deno.lstatSync(path);
    if (
      after.isSymlink || !sameFile(opened, after) || !sameFile(opened, before)
    ) {
      throw new SymlinkRefused(path, "it was replaced while being opened");
    }
    return file;
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * Refuses (SymlinkRefused) a `path` that is a symbolic link; nothing when it is missing or a
 * plain file. Needs `--allow-read` on `path`.
 */
export function refuseSymlink(path: string): void {
  try {
    if (Deno.lstatSync(path).isSymlink) {
      throw new SymlinkRefused(path, "it is a symbolic link");
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
}

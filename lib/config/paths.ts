/**
 * POSIX path helpers (no @std): normalise, resolve against a folder, dirname/basename, and
 * finding a bare program name on PATH.
 *
 * @module
 */

/** Collapses `.`, `..` and repeated slashes; keeps a leading `/`. Needs no permissions. */
export function normalizePath(path: string): string {
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
      else if (!absolute) parts.push("..");
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join("/");
  return absolute ? `/${joined}` : joined === "" ? "." : joined;
}

/** `path` made absolute against `base` (an absolute folder). Needs no permissions. */
export function resolvePath(base: string, path: string): string {
  return normalizePath(path.startsWith("/") ? path : `${base}/${path}`);
}

/** The folder part of a path. Needs no permissions. */
export function dirnameOf(path: string): string {
  const normalized = normalizePath(path);
  const slash = normalized.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : normalized.slice(0, slash);
}

/** The last part of a path. Needs no permissions. */
export function basenameOf(path: string): string {
  const normalized = normalizePath(path);
  return normalized.slice(normalized.lastIndexOf("/") + 1);
}

/**
 * Finds a bare program name (no slash) on PATH, like a shell; undefined when not found.
 * Needs `--allow-env=PATH` and `--allow-read` on the PATH folders (denied folders are skipped).
 */
export function findOnPath(name: string): string | undefined {
  let pathVariable: string | undefined;
  try {
    pathVariable = Deno.env.get("PATH");
  } catch {
    return undefined;
  }
  for (const dir of (pathVariable ?? "").split(":")) {
    if (dir === "") continue;
    const candidate = `${dir}/${name}`;
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

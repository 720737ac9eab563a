/**
 * What the machine offers a run — available memory, free disk under a folder, CPUs, the host
 * name — and whether a process of this host is alive. Each answer is `undefined` when the
 * permissions (or the platform) do not allow asking, so callers skip a check rather than guess.
 *
 * @module
 */
import { statfs } from "node:fs/promises";

/**
 * Memory a new run can use, bytes: `MemAvailable` (free plus reclaimable caches), else free
 * memory. Needs --allow-sys=systemMemoryInfo; undefined without it.
 */
export function availableMemory(): number | undefined {
  try {
    const info = Deno.systemMemoryInfo();
    return info.available > 0 ? info.available : info.free;
  } catch {
    return undefined;
  }
}

/**
 * Free bytes (for unprivileged users) of the file system holding `path`, or of its nearest
 * existing ancestor. Needs --allow-read on that folder (and --allow-sys where Deno asks for it);
 * undefined when not permitted.
 */
export async function freeDiskBytes(path: string): Promise<number | undefined> {
  let folder = path;
  for (let depth = 0; depth < 64; depth++) {
    try {
      const stats = await statfs(folder);
      return Number(stats.bavail) * Number(stats.bsize);
    } catch (error) {
      if (!(error instanceof Error && /ENOENT|NotFound|no such file/i.test(String(error)))) {
        return undefined;
      }
    }
    const slash = folder.replace(/\/+$/, "").lastIndexOf("/");
    if (slash <= 0) folder = "/";
    else folder = folder.slice(0, slash);
  }
  return undefined;
}

/**
 * The host name: `Deno.hostname()` (needs --allow-sys=hostname), else /proc/sys/kernel/hostname
 * or /etc/hostname (needs --allow-read on it), else "unknown-host".
 */
export function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    for (const file of ["/proc/sys/kernel/hostname", "/etc/hostname"]) {
      try {
        const name = Deno.readTextFileSync(file).trim();
        if (name !== "") return name;
      } catch {
        // next
      }
    }
    return "unknown-host";
  }
}

/**
 * Whether process `pid` of this host is alive: true/false where /proc tells (Linux), undefined
 * when it cannot be told. A zombie counts as dead. Needs --allow-read on /proc/PID.
 */
export function processAlive(pid: number): boolean | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // "pid (comm) S ...": the state follows the last ")"
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      try {
        Deno.statSync("/proc/self");
        return false;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
}

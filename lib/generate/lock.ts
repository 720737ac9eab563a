/**
 * The run lock: `root/.ets.lock` for a whole run, `root/.ets.shard-I.lock` for shard I, created
 * exclusively and holding the holder's host, pid and start time. A second run on the same root
 * (or the same shard, or a whole run beside running shards) is refused with one line naming the
 * holder; a lock whose pid is dead on this host is stale and taken over with a warning. `ets
 * merge` reads the shards' locks to tell running array tasks from failed ones.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";
import { hostName, processAlive } from "../platform/mod.ts";
import { type Shard, shardTag } from "./plan.ts";

/** Who holds a lock. */
export interface LockHolder {
  /** Host name of the holder. */
  host: string;
  /** Its process id. */
  pid: number;
  /** When it started (ISO 8601). */
  started: string;
  /** The shard it runs, if any. */
  shard?: Shard;
  /** The Slurm task it is (`ARRAYJOB_TASK`, or the job id), when it runs under Slurm. */
  slurm?: string;
}

/** This process's Slurm task, when it runs under Slurm. Reads SLURM_* where --allow-env permits. */
export function slurmTask(): string | undefined {
  const read = (name: string) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined;
    }
  };
  const array = read("SLURM_ARRAY_JOB_ID"), task = read("SLURM_ARRAY_TASK_ID");
  if (array !== undefined && task !== undefined) return `${array}_${task}`;
  return read("SLURM_JOB_ID");
}

/** `root/.ets.lock` or `root/.ets.shard-I.lock`. Pure. */
export function lockPath(root: string, shard?: Shard): string {
  return `${root}/.ets${shardTag(shard)}.lock`;
}

const SHARD_LOCK = /^\.ets\.shard-(\d+)\.lock$/;

/** The holder as one phrase: `host h, pid 12, started 2026-…`. Pure. */
export function describeHolder(holder: LockHolder): string {
  return `host ${holder.host}, pid ${holder.pid}, started ${holder.started}`;
}

/**
 * Reads a lock file: the holder, `null` when the file exists but cannot be read as a holder yet
 * (being written), undefined when there is no lock. Needs --allow-read on `path`.
 */
export async function readLock(path: string): Promise<LockHolder | null | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    return null;
  }
  try {
    const data = JSON.parse(text) as LockHolder;
    if (typeof data.host === "string" && Number.isSafeInteger(data.pid)) return data;
  } catch {
    // below
  }
  return null;
}

/**
 * Whether a holder still runs: false when it is on this host and its pid is dead; true when it
 * is alive or on another host (which cannot be asked). Needs --allow-read on /proc.
 */
export function holderRuns(holder: LockHolder, host = hostName()): boolean {
  if (holder.host !== host) return true;
  return processAlive(holder.pid) !== false;
}

/** Options of {@linkcode acquireRunLock}. */
export interface AcquireOptions {
  /** Called with the warning when a stale lock is taken over. */
  warn?: (message: string) => void;
  /** This process (default: Deno.pid, the host name, now). */
  self?: LockHolder;
}

/** A held lock. */
export interface RunLock {
  /** The lock file. */
  path: string;
  /** This run as written in it. */
  holder: LockHolder;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): Promise<void>;
}

function refuse(root: string, what: string, path: string, holder: LockHolder | null): never {
  const who = holder === null ? "a run whose lock is being written" : describeHolder(holder);
  throw inputError(
    `Cannot start: ${what} "${root}" is in use by another ets run (${who}; lock "${path}"); wait for it to finish, or remove the lock if that run is gone`,
  );
}

/**
 * Takes the lock of `root` (or of one shard of it). The root must exist. Refuses (input error,
 * exit 2) when a live run holds it, or when this is a whole run and a shard of the root runs (or
 * a shard and the whole run runs); takes over a stale lock with a warning.
 * Needs --allow-read and --allow-write on `root`, --allow-read on /proc.
 */
export async function acquireRunLock(
  root: string,
  shard: Shard | undefined,
  options: AcquireOptions = {},
): Promise<RunLock> {
  const host = hostName();
  const slurm = slurmTask();
  const self: LockHolder = options.self ?? {
    host,
    pid: Deno.pid,
    started: new Date().toISOString(),
    ...(shard ? { shard } : {}),
    ...(slurm === undefined ? {} : { slurm }),
  };
  const what = shard === undefined ? "root" : `shard ${shard.index}/${shard.count} of`;
  // A whole run and the shards of the same root exclude each other.
  const others = shard === undefined
    ? await shardLocks(root)
    : [[lockPath(root), await readLock(lockPath(root))] as const];
  for (const [path, holder] of others) {
    if (holder === undefined) continue;
    if (holder !== null && !holderRuns(holder, host)) continue;
    refuse(root, "root", path, holder);
  }
  const path = lockPath(root, shard);
  const text = JSON.stringify(self, null, 2) + "\n";
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await Deno.open(path, { write: true, createNew: true });
      try {
        await file.write(new TextEncoder().encode(text));
      } finally {
        file.close();
      }
      return {
        path,
        holder: self,
        release: async () => {
          const now = await readLock(path);
          if (
            now && now.pid === self.pid && now.host === self.host && now.started === self.started
          ) {
            await Deno.remove(path).catch(() => {});
          }
        },
      };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    const holder = await readLock(path);
    if (holder === undefined) continue; // released meanwhile
    // Slurm never runs two copies of one task: a lock of this very task is a requeued attempt's
    const requeued = holder !== null && self.slurm !== undefined && holder.slurm === self.slurm &&
      holder.pid !== self.pid;
    if (!requeued && (holder === null || holderRuns(holder, host) || attempt > 0)) {
      refuse(root, what, path, holder);
    }
    options.warn?.(
      `Taking over the stale lock "${path}" of a run that is gone (${
        describeHolder(holder as LockHolder)
      }${requeued ? `, an earlier attempt of Slurm task ${self.slurm}` : ""})`,
    );
    await Deno.remove(path).catch(() => {});
  }
  return refuse(root, what, path, null);
}

/**
 * The shard locks in `root` with their holders, by path. Needs --allow-read on `root`.
 */
export async function shardLocks(
  root: string,
): Promise<(readonly [string, LockHolder | null | undefined])[]> {
  const found: (readonly [string, LockHolder | null | undefined])[] = [];
  try {
    for await (const entry of Deno.readDir(root)) {
      if (!SHARD_LOCK.test(entry.name)) continue;
      const path = `${root}/${entry.name}`;
      found.push([path, await readLock(path)] as const);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found;
}

/**
 * The holders of running shards of `root`, by shard index (locks of dead holders on this host
 * left out). Needs --allow-read on `root` and /proc.
 */
export async function runningShards(root: string): Promise<Map<number, LockHolder>> {
  const running = new Map<number, LockHolder>();
  const host = hostName();
  for (const [path, holder] of await shardLocks(root)) {
    const index = Number(SHARD_LOCK.exec(path.slice(path.lastIndexOf("/") + 1))?.[1]);
    if (holder === undefined || !Number.isInteger(index)) continue;
    if (holder === null) {
      running.set(index, { host: "?", pid: 0, started: "?" });
    } else if (holderRuns(holder, host)) running.set(index, holder);
  }
  return running;
}

/**
 * Removes the locks of `root` (the whole run's and every shard's) whose holder is on this host
 * and dead, calling `warn` for each: what a process that may read /proc does before it re-runs
 * itself under scoped grants, which cannot tell a dead holder from a live one. Needs
 * --allow-read and --allow-write on `root`, --allow-read on /proc.
 */
export async function clearStaleLocks(
  root: string,
  warn: (message: string) => void,
): Promise<void> {
  const host = hostName();
  const locks = [
    [lockPath(root), await readLock(lockPath(root))] as const,
    ...await shardLocks(root),
  ];
  for (const [path, holder] of locks) {
    if (holder === undefined || holder === null || holderRuns(holder, host)) continue;
    await Deno.remove(path).catch(() => {});
    warn(`Taking over the stale lock "${path}" of ${describeHolder(holder)} (no longer running)`);
  }
}

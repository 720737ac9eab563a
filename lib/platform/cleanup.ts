/**
 * A process-wide registry of cleanups (stop workers, kill child process groups) that run on
 * every exit path: normal end, error, SIGINT and SIGTERM.
 *
 * @module
 */

type Cleanup = () => void | Promise<void>;

const cleanups = new Set<Cleanup>();

/**
 * Registers `cleanup` to run on exit; returns a function that unregisters it.
 * Needs no permissions.
 */
export function onCleanup(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/**
 * Runs every registered cleanup once (latest first), waiting at most `timeoutMs` in all.
 * Needs whatever the cleanups need (usually `--allow-run` to signal children).
 */
export async function runCleanups(timeoutMs = 2000): Promise<void> {
  const pending = [...cleanups].reverse();
  cleanups.clear();
  const all = Promise.allSettled(pending.map(async (cleanup) => await cleanup()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([all, timeout]);
  clearTimeout(timer);
}

/**
 * Terminal progress of a run: a one-line bar with stacks done, failures, running stacks and ETA
 * on a TTY; plain lines (one per finished stack, and a heartbeat) otherwise.
 *
 * @module
 */
import { formatElapsed } from "../log/mod.ts";

/** How progress is shown. */
export type ProgressMode = "tty" | "plain" | "none";

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /** Stacks in the run (or shard). */
  total: number;
  /** Stacks already complete before this run (resume). */
  alreadyDone: number;
  /** tty (redrawn bar), plain (lines) or none. */
  mode: ProgressMode;
  /** Where text goes (default: stderr). */
  write?: (text: string) => void;
  /** Redraw / heartbeat interval in ms (default 1000 on a TTY, 30000 plain). */
  intervalMs?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
  /** Bar width in characters (default 24). */
  width?: number;
}

/** The ETA text for `remaining` stacks at the pace of `finished` stacks in `elapsedMs`. */
export function etaText(elapsedMs: number, finished: number, remaining: number): string {
  if (remaining <= 0) return "0:00:00";
  if (finished <= 0) return "--:--:--";
  return formatElapsed(elapsedMs / finished * remaining).replace(/\.\d+$/, "");
}

/** Progress of a run. Needs no permissions (writes to stderr by default). */
export class Progress {
  readonly #options: Required<ProgressOptions>;
  readonly #startedAt: number;
  #done = 0;
  #failed = 0;
  #running = new Set<number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #lineShown = false;
  #lastPlain = 0;
  #stopped = false;

  constructor(options: ProgressOptions) {
    const encoder = new TextEncoder();
    this.#options = {
      write: (text) => Deno.stderr.writeSync(encoder.encode(text)),
      now: () => performance.now(),
      width: 24,
      intervalMs: options.mode === "tty" ? 1000 : 30000,
      ...options,
    };
    this.#startedAt = this.#options.now();
    this.#lastPlain = this.#startedAt;
    if (this.#options.mode !== "none" && this.#options.intervalMs > 0) {
      this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
      Deno.unrefTimer(this.#timer);
    }
  }

  /** The status text, e.g. `[#####.....] 3/8 stacks, 1 failed, 2 running, ETA 0:01:23`. */
  status(): string {
    const { total, alreadyDone, width } = this.#options;
    const complete = alreadyDone + this.#done;
    const fraction = total === 0 ? 1 : (complete + this.#failed) / total;
    const filled = Math.round(fraction * width);
    const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
    const remaining = total - complete - this.#failed;
    const elapsed = this.#options.now() - this.#startedAt;
    const parts = [`${bar} ${complete}/${total} stacks`];
    if (this.#failed > 0) parts.push(`${this.#failed} failed`);
    if (this.#running.size > 0) parts.push(`${this.#running.size} running`);
    parts.push(`ETA ${etaText(elapsed, this.#done + this.#failed, remaining)}`);
    return parts.join(", ");
  }

  #draw(): void {
    if (this.#options.mode !== "tty") return;
    this.#options.write(`\r\x1b[2K${this.status()}`);
    this.#lineShown = true;
  }

  #plain(prefix: string): void {
    if (this.#options.mode !== "plain") return;
    this.#lastPlain = this.#options.now();
    this.#options.write(`${prefix}${this.status()}\n`);
  }

  #tick(): void {
    if (this.#options.mode === "tty") this.#draw();
    else if (this.#options.now() - this.#lastPlain >= this.#options.intervalMs) this.#plain("");
  }

  /** A stack was handed to a worker. */
  started(id: number): void {
    this.#running.add(id);
    this.#draw();
  }

  /** A stack is done. */
  done(id: number): void {
    this.#running.delete(id);
    this.#done += 1;
    this.#draw();
    this.#plain(`stack ${id} done: `);
  }

  /** A stack failed for good. */
  failed(id: number): void {
    this.#running.delete(id);
    this.#failed += 1;
    this.#draw();
    this.#plain(`stack ${id} FAILED: `);
  }

  /** A stack failed and will be retried. */
  retrying(id: number): void {
    this.#running.delete(id);
    this.#draw();
  }

  /** Prints a line (e.g. a warning) above the bar. */
  printLine(line: string): void {
    if (this.#options.mode === "tty" && this.#lineShown) {
      this.#options.write(`\r\x1b[2K${line}\n`);
      this.#draw();
    } else {
      this.#options.write(`${line}\n`);
    }
  }

  /** Stops the timer and ends the bar's line. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#options.mode === "tty") {
      this.#draw();
      this.#options.write("\n");
      this.#lineShown = false;
    }
  }
}

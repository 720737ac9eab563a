/**
 * Terminal progress of a run: a one-line bar with stacks done, failures, running stacks with the
 * tilts their engines have finished, and an ETA on a TTY; plain lines (one per finished stack,
 * and a heartbeat) otherwise. The ETA comes from measured times: seconds per tilt (from the
 * engines' progress), the time a stack takes besides its tilts, and whole stacks once some are
 * done, shared over the workers.
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
  /** Stacks imaged at once (the workers); default: the most seen running at once. */
  workers?: number;
  /** Where text goes (default: stderr). */
  write?: (text: string) => void;
  /** Redraw / heartbeat interval in ms (default 1000 on a TTY, 30000 plain). */
  intervalMs?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
  /** Bar width in characters (default 24). */
  width?: number;
}

/** A duration as `H:MM:SS` (no fraction). Needs no permissions. */
function clock(ms: number): string {
  return formatElapsed(Math.max(0, ms)).replace(/\.\d+$/, "");
}

/** The ETA text for `remaining` stacks at the pace of `finished` stacks in `elapsedMs`. */
export function etaText(elapsedMs: number, finished: number, remaining: number): string {
  if (remaining <= 0) return "0:00:00";
  if (finished <= 0) return "--:--:--";
  return clock(elapsedMs / finished * remaining);
}

/**
 * A reader of an engine's stdout that reports tilts done: TEM-Simulator (and `ets
 * tem-simulator`) print "Detector image number N written to file …" once per detector and tilt;
 * tilt N is done when all `detectors` have written it. Calls `report(done, tilts)` on each new
 * tilt. Needs no permissions.
 */
export function tiltProgressReader(
  tilts: number,
  detectors: number,
  report: (tiltsDone: number, tilts: number) => void,
): (line: string) => void {
  const written = new Map<number, number>();
  let done = 0;
  return (line) => {
    const match = /Detector image number (\d+) written/.exec(line);
    if (match === null) return;
    const tilt = Number(match[1]);
    const count = (written.get(tilt) ?? 0) + 1;
    written.set(tilt, count);
    if (count === Math.max(1, detectors)) {
      done += 1;
      report(Math.min(done, tilts), tilts);
    }
  };
}

/**
 * When the last stack ends if `workers` take the queued stacks (each `perStack` ms) as they free
 * up, the running ones needing `left` ms more. Needs no permissions.
 */
export function scheduleEnd(
  left: readonly number[],
  queued: number,
  perStack: number,
  workers: number,
): number {
  const free = [...left].sort((a, b) => a - b);
  while (free.length < workers) free.unshift(0);
  if (queued > 10_000) {
    // many stacks: the average is what matters
    const work = free.reduce((a, b) => a + b, 0) + queued * perStack;
    return Math.max(free[free.length - 1] ?? 0, work / free.length);
  }
  for (let i = 0; i < queued; i++) {
    // the earliest free worker takes the next stack
    let first = 0;
    for (let w = 1; w < free.length; w++) if (free[w]! < free[first]!) first = w;
    free[first] = free[first]! + perStack;
  }
  return Math.max(0, ...free);
}

/** What is known of a running stack. */
interface RunningStack {
  /** When it was handed to a worker. */
  started: number;
  /** When its engine started (tilt 0 reported). */
  engineStarted?: number;
  /** Tilts done and in all. */
  tiltsDone: number;
  tilts: number;
  /** When its last tilt finished. */
  lastTiltAt?: number;
}

/** Progress of a run. Needs no permissions (writes to stderr by default). */
export class Progress {
  readonly #options: Required<Omit<ProgressOptions, "workers">> & { workers?: number };
  readonly #startedAt: number;
  #done = 0;
  #failed = 0;
  #running = new Map<number, RunningStack>();
  #mostRunning = 0;
  /** Measured: wall ms of finished stacks; ms per tilt; ms of a stack besides its tilts. */
  #stackMs: number[] = [];
  #tiltMs = { total: 0, count: 0 };
  #overheadMs: number[] = [];
  #tiltsPerStack = 0;
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

  /** Mean of a list, undefined when empty. */
  static #mean(values: readonly number[]): number | undefined {
    return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
  }

  /** Measured ms per tilt: finished stacks' engines and the tilts running engines have done. */
  #msPerTilt(): number | undefined {
    let total = this.#tiltMs.total, count = this.#tiltMs.count;
    for (const s of this.#running.values()) {
      if (s.engineStarted === undefined || s.lastTiltAt === undefined) continue;
      total += s.lastTiltAt - s.engineStarted;
      count += s.tiltsDone;
    }
    return count > 0 ? total / count : undefined;
  }

  /** Milliseconds left, from the measured times; undefined before anything was measured. */
  #remainingMs(now: number): number | undefined {
    const { total, alreadyDone } = this.#options;
    const tilt = this.#msPerTilt();
    const tilts = this.#tiltsPerStack;
    const overhead = Progress.#mean(this.#overheadMs) ??
      Progress.#mean(
        [...this.#running.values()].filter((s) => s.engineStarted !== undefined).map((s) =>
          s.engineStarted! - s.started
        ),
      );
    const measuredStack = Progress.#mean(this.#stackMs);
    const modelStack = tilt !== undefined && overhead !== undefined
      ? overhead + tilts * tilt
      : undefined;
    const perStack = measuredStack ?? modelStack;
    const left: number[] = [];
    for (const s of this.#running.values()) {
      if (s.engineStarted !== undefined && tilt !== undefined) {
        const inTilt = now - (s.lastTiltAt ?? s.engineStarted);
        left.push(Math.max(0, (s.tilts - s.tiltsDone) * tilt - inTilt));
      } else if (perStack !== undefined) {
        left.push(Math.max(0, perStack - (now - s.started)));
      } else return undefined;
    }
    const queued = total - alreadyDone - this.#done - this.#failed - this.#running.size;
    if (queued > 0 && perStack === undefined) return undefined;
    const workers = Math.max(1, this.#options.workers ?? this.#mostRunning);
    return scheduleEnd(left, Math.max(0, queued), perStack ?? 0, workers);
  }

  /** The status text, e.g. `[#####.....] 3/8 stacks, 2 running (tilts 4/9, 7/9), ETA 0:01:23`. */
  status(): string {
    const { total, alreadyDone, width } = this.#options;
    const now = this.#options.now();
    const complete = alreadyDone + this.#done;
    const fraction = total === 0 ? 1 : (complete + this.#failed) / total;
    const filled = Math.round(fraction * width);
    const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
    const remaining = total - complete - this.#failed;
    const parts = [`${bar} ${complete}/${total} stacks`];
    if (this.#failed > 0) parts.push(`${this.#failed} failed`);
    if (this.#running.size > 0) {
      const imaging = [...this.#running.entries()].filter(([, s]) => s.engineStarted !== undefined)
        .sort(([a], [b]) => a - b).map(([, s]) => `${s.tiltsDone}/${s.tilts}`);
      const tilts = imaging.length === 0
        ? ""
        : imaging.length <= 3
        ? ` (tilts ${imaging.join(", ")})`
        : ` (${imaging.length} imaging)`;
      parts.push(`${this.#running.size} running${tilts}`);
    }
    const left = remaining <= 0 ? 0 : this.#remainingMs(now);
    parts.push(`ETA ${left === undefined ? "--:--:--" : clock(left)}`);
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
    this.#running.set(id, { started: this.#options.now(), tiltsDone: 0, tilts: 0 });
    this.#mostRunning = Math.max(this.#mostRunning, this.#running.size);
    this.#draw();
  }

  /** A stack's engine has finished `tiltsDone` of `tilts` tilts (0 when it starts). */
  tilts(id: number, tiltsDone: number, tilts: number): void {
    const stack = this.#running.get(id);
    if (stack === undefined) return;
    const now = this.#options.now();
    this.#tiltsPerStack = tilts;
    if (tiltsDone === 0 || stack.engineStarted === undefined) {
      stack.engineStarted = now;
      stack.lastTiltAt = undefined;
      stack.tiltsDone = 0;
    }
    if (tiltsDone > stack.tiltsDone) {
      stack.tiltsDone = tiltsDone;
      stack.lastTiltAt = now;
    }
    stack.tilts = tilts;
    this.#draw();
  }

  #finish(id: number, succeeded: boolean): void {
    const stack = this.#running.get(id);
    this.#running.delete(id);
    if (stack === undefined || !succeeded) return;
    const now = this.#options.now();
    this.#stackMs.push(now - stack.started);
    if (stack.engineStarted !== undefined && stack.tiltsDone > 0) {
      const engineMs = (stack.lastTiltAt ?? now) - stack.engineStarted;
      this.#tiltMs.total += engineMs;
      this.#tiltMs.count += stack.tiltsDone;
      this.#overheadMs.push(Math.max(0, now - stack.started - engineMs));
    }
  }

  /** A stack is done. */
  done(id: number): void {
    this.#finish(id, true);
    this.#done += 1;
    this.#draw();
    this.#plain(`stack ${id} done: `);
  }

  /** A stack failed for good. */
  failed(id: number): void {
    this.#finish(id, false);
    this.#failed += 1;
    this.#draw();
    this.#plain(`stack ${id} FAILED: `);
  }

  /** A stack failed and will be retried. */
  retrying(id: number): void {
    this.#finish(id, false);
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

/**
 * Tilt turns in shared memory: two Int32 words (the tilt whose turn it is, a stop flag) that
 * threads wait on, blocking, until their tilt's turn comes; the noise relay and the tilt image
 * slot are built on them.
 *
 * @module
 */

/** Int32 words of a turn record: the tilt whose turn it is, the stop flag. */
export const TURN_WORDS = 2;
const TURN = 0, STOPPED = 1;

/** Longest blocking wait between looks at the stop flag, ms (a stop also wakes the waiters). */
const WAIT_SLICE_MS = 1000;

/**
 * Turns on `words` (the first {@linkcode TURN_WORDS} words of a view of shared memory). Needs no
 * permissions.
 */
export class TiltTurns {
  readonly #words: Int32Array;

  constructor(words: Int32Array) {
    this.#words = words;
  }

  /** Makes tilt `first` the first whose turn it is (before any thread waits). */
  start(first: number): void {
    this.#words[TURN] = first;
  }

  /**
   * Waits, blocking this thread (for workers), until it is tilt `tilt`'s turn. Throws
   * `errors.stopped` if the turns stop, `errors.passed` if `tilt`'s turn has passed.
   */
  wait(tilt: number, errors: { stopped: string; passed: string }): void {
    for (;;) {
      if (Atomics.load(this.#words, STOPPED) !== 0) throw new Error(errors.stopped);
      const turn = Atomics.load(this.#words, TURN);
      if (turn === tilt) return;
      if (turn > tilt) throw new Error(errors.passed);
      Atomics.wait(this.#words, TURN, turn, WAIT_SLICE_MS);
    }
  }

  /** Ends tilt `tilt`'s turn: the next tilt's begins. */
  pass(tilt: number): void {
    Atomics.store(this.#words, TURN, tilt + 1);
    Atomics.notify(this.#words, TURN);
  }

  /** Stops the turns: every waiting thread throws. */
  stop(): void {
    Atomics.store(this.#words, STOPPED, 1);
    Atomics.notify(this.#words, TURN);
  }
}

/**
 * The run's noise stream handed from thread to thread (spec §3.9): detector noise must be drawn
 * tilt after tilt from one stream, but whichever thread simulated a tilt can draw it, in the
 * tilt's turn. The relay is a SharedArrayBuffer holding whose turn it is and the streams' states:
 * a thread waits for its tilt's turn, loads the states, draws, saves them and passes the turn on.
 * The draws are those of one thread drawing every tilt in order, whatever the threads.
 *
 * @module
 */
import type { NoiseStreams } from "./detector.ts";
import { RandomStream, STREAM_STATE_WORDS } from "./random.ts";
import { TiltTurns, TURN_WORDS } from "./tilt_turns.ts";

/** Layout (Int32): the turns (the tilt whose noise is due), then the main and extra states. */
const MAIN = TURN_WORDS, EXTRA = MAIN + STREAM_STATE_WORDS;
const WORDS = EXTRA + STREAM_STATE_WORDS;

/**
 * One thread's end of the relay. Needs no permissions.
 *
 * @example
 * ```ts
 * const relay = NoiseRelay.start(noise, 0); // main thread, before the tilts
 * // a worker: new NoiseRelay(relay.buffer); then per tilt t:
 * relay.draw(t, (streams) => applyDetectorNoise(counts, detector, streams));
 * ```
 */
export class NoiseRelay {
  /** The shared memory (send it to the workers). */
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #turns: TiltTurns;
  /** This thread's streams, loaded from the shared states in each turn. */
  readonly #streams: NoiseStreams = { main: new RandomStream(1), extra: new RandomStream(1) };

  /** This thread's end of the relay in `buffer` (made by {@linkcode NoiseRelay.start}). */
  constructor(buffer: SharedArrayBuffer) {
    if (buffer.byteLength !== WORDS * 4) {
      throw new RangeError(
        `Cannot join the noise relay: ${buffer.byteLength} bytes, not ${WORDS * 4}`,
      );
    }
    this.buffer = buffer;
    this.#words = new Int32Array(buffer);
    this.#turns = new TiltTurns(this.#words);
  }

  /** A relay whose first turn is tilt `first`, holding the streams `noise` as they stand. */
  static start(noise: NoiseStreams, first: number): NoiseRelay {
    const relay = new NoiseRelay(new SharedArrayBuffer(WORDS * 4));
    noise.main.saveState(relay.#words.subarray(MAIN, MAIN + STREAM_STATE_WORDS));
    noise.extra.saveState(relay.#words.subarray(EXTRA, EXTRA + STREAM_STATE_WORDS));
    relay.#turns.start(first);
    return relay;
  }

  /** Copies the streams as the last turn left them into `noise` (after every tilt's noise). */
  finish(noise: NoiseStreams): void {
    noise.main.loadState(this.#words.subarray(MAIN, MAIN + STREAM_STATE_WORDS));
    noise.extra.loadState(this.#words.subarray(EXTRA, EXTRA + STREAM_STATE_WORDS));
  }

  /** Stops the relay: every waiting thread throws (e.g. the run failed). */
  stop(): void {
    this.#turns.stop();
  }

  /**
   * Waits (blocking this thread: for workers) for tilt `tilt`'s turn, then draws with `draw` and
   * passes the turn to the next tilt. Throws if the relay stops.
   */
  draw<T>(tilt: number, draw: (streams: NoiseStreams) => T): T {
    this.#turns.wait(tilt, {
      stopped: "Cannot draw the detector noise: the run was stopped",
      passed: `Cannot draw the noise of tilt ${tilt}: its turn has passed`,
    });
    return this.#take(tilt, draw);
  }

  /** Draws in `tilt`'s turn (it is due) and passes the turn on; a failure stops the relay. */
  #take<T>(tilt: number, draw: (streams: NoiseStreams) => T): T {
    const words = this.#words, { main, extra } = this.#streams;
    main.loadState(words.subarray(MAIN, MAIN + STREAM_STATE_WORDS));
    extra.loadState(words.subarray(EXTRA, EXTRA + STREAM_STATE_WORDS));
    let result: T;
    try {
      result = draw(this.#streams);
    } catch (error) {
      this.stop();
      throw error;
    }
    main.saveState(words.subarray(MAIN, MAIN + STREAM_STATE_WORDS));
    extra.saveState(words.subarray(EXTRA, EXTRA + STREAM_STATE_WORDS));
    this.#turns.pass(tilt);
    return result;
  }
}

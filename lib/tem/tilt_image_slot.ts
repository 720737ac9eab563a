/**
 * The detector images of one tilt in shared memory: the worker that simulated tilt t fills them
 * once the main thread has written tilt t − 1, and the main thread writes them to the tilt series.
 * One tilt's images in memory, whatever the number of workers (a worker done early waits).
 *
 * @module
 */
import { TiltTurns, TURN_WORDS } from "./tilt_turns.ts";

/** Control bytes before the images: the turns (the tilt whose images may be filled next). */
const CONTROL_BYTES = 16;

/**
 * One thread's view of the slot. Needs no permissions.
 *
 * @example
 * ```ts
 * const slot = TiltImageSlot.create([4096, 4096], 0); // main thread: detector image sizes
 * // worker (new TiltImageSlot(slot.buffer, [4096, 4096])): slot.acquire(t)[0].set(image)
 * // main, once the worker reports tilt t: write slot.image(0), then slot.release(t)
 * ```
 */
export class TiltImageSlot {
  /** The shared memory (send it to the workers). */
  readonly buffer: SharedArrayBuffer;
  readonly #turns: TiltTurns;
  readonly #images: Float32Array[];

  /** A view of `buffer` (made by {@linkcode TiltImageSlot.create} with the same `sizes`). */
  constructor(buffer: SharedArrayBuffer, sizes: readonly number[]) {
    const floats = sizes.reduce((sum, n) => sum + n, 0);
    if (buffer.byteLength !== CONTROL_BYTES + 4 * floats) {
      throw new RangeError(
        `Cannot share the tilt images: ${buffer.byteLength} bytes for ${floats}`,
      );
    }
    this.buffer = buffer;
    this.#turns = new TiltTurns(new Int32Array(buffer, 0, TURN_WORDS));
    let offset = CONTROL_BYTES;
    this.#images = sizes.map((n) => {
      const view = new Float32Array(buffer, offset, n);
      offset += 4 * n;
      return view;
    });
  }

  /** A slot for images of `sizes` floats (one per detector); tilt `first` fills it first. */
  static create(sizes: readonly number[], first: number): TiltImageSlot {
    const floats = sizes.reduce((sum, n) => sum + n, 0);
    const slot = new TiltImageSlot(new SharedArrayBuffer(CONTROL_BYTES + 4 * floats), sizes);
    slot.#turns.start(first);
    return slot;
  }

  /**
   * Waits (blocking this thread: for workers) until tilt `tilt` may fill the slot, and returns
   * the images to fill (one per detector). Throws if the slot stops.
   */
  acquire(tilt: number): Float32Array[] {
    this.#turns.wait(tilt, {
      stopped: "Cannot hand over the tilt images: the run was stopped",
      passed: `Cannot hand over the images of tilt ${tilt} twice`,
    });
    return this.#images;
  }

  /** Detector `d`'s image as the last tilt filled it (main thread, before {@linkcode release}). */
  image(d: number): Float32Array {
    const image = this.#images[d];
    if (image === undefined) throw new RangeError(`Cannot read detector ${d}: no such image`);
    return image;
  }

  /** Frees the slot once tilt `tilt`'s images are written: the next tilt may fill it. */
  release(tilt: number): void {
    this.#turns.pass(tilt);
  }

  /** Stops the slot: a waiting worker throws (e.g. the run failed). */
  stop(): void {
    this.#turns.stop();
  }
}

/**
 * Deterministic random numbers: seed derivation (SplitMix64) and a small generator
 * (xoshiro128**) with uniform, integer, Gaussian and choice draws. The same seed gives the same
 * stream on every machine, whichever worker runs a stack.
 *
 * @module
 */

const MASK64 = (1n << 64n) - 1n;

/** One SplitMix64 output for `state` (a 64-bit mix of the input). Needs no permissions. */
export function splitMix64(state: bigint): bigint {
  let z = (state + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/**
 * A seed in [1, 2^31 − 1] derived from `seed` and a list of integers (e.g. the global stack id):
 * independent of anything else, so a stack's seed does not depend on the worker that runs it.
 * The range suits TEM-Simulator's `rand_seed` (a C int). Needs no permissions.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let state = splitMix64(BigInt(Math.trunc(seed)) & MASK64);
  for (const part of parts) state = splitMix64(state ^ (BigInt(Math.trunc(part)) & MASK64));
  return Number(state % 2147483646n) + 1;
}

/** A fresh random run seed in [1, 2^31 − 1]. Needs no permissions. */
export function randomRunSeed(): number {
  const words = new Uint32Array(1);
  crypto.getRandomValues(words);
  return ((words[0] ?? 1) % 2147483646) + 1;
}

/** xoshiro128** seeded through SplitMix64. Needs no permissions. */
export class Random {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  constructor(seed: number) {
    let state = BigInt(Math.trunc(seed)) & MASK64;
    const words: number[] = [];
    for (let i = 0; i < 2; i++) {
      state = splitMix64(state);
      words.push(Number(state & 0xffffffffn), Number(state >> 32n));
    }
    [this.#s0, this.#s1, this.#s2, this.#s3] = words as [number, number, number, number];
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Integer in [low, high) (like Python's `randrange(low, high)`). */
  integer(low: number, high: number): number {
    if (!(high > low)) throw new RangeError(`empty range [${low}, ${high})`);
    return low + Math.floor(this.uniform() * (high - low));
  }

  /** Gaussian with mean `mu` and standard deviation `sigma` (Box–Muller). */
  gauss(mu = 0, sigma = 1): number {
    let u = this.uniform();
    while (u <= 0) u = this.uniform();
    const v = this.uniform();
    return mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One element of `items`, uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("cannot choose from an empty list");
    return items[this.integer(0, items.length)] as T;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

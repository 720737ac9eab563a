/**
 * Seeded random numbers (spec §3.9, not glibc-compatible by design): xoshiro128** streams whose
 * state is derived from the run's seed and a key (purpose, tilt, detector …), so every stream is
 * the same whatever the number of threads. Draws: uniform, normal (ziggurat), exponential,
 * Poisson (multiplication method below 10, Hörmann's PTRS transformed rejection above) and Wald
 * (inverse Gaussian, Michael–Schucany–Haas).
 *
 * @module
 */

const TWO_POW_M32 = 2 ** -32;

/** One round of SplitMix32 (a 32-bit hash used to expand seeds). */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Stream keys: small non-negative integers or short strings. */
export type StreamKey = number | string;

function hashKey(state: number, key: StreamKey): number {
  if (typeof key === "number") {
    const low = key >>> 0;
    const high = Math.floor(key / 2 ** 32) >>> 0;
    return mix32(mix32(state ^ low) ^ high);
  }
  let h = mix32(state ^ 0x51ed27);
  for (let i = 0; i < key.length; i++) h = mix32(h ^ key.charCodeAt(i));
  return h;
}

const LOG_FACTORIAL_TABLE = (() => {
  const table = new Float64Array(64);
  for (let k = 1; k < table.length; k++) table[k] = table[k - 1]! + Math.log(k);
  return table;
})();

// Ziggurat tables for the standard normal (G. Marsaglia and W. W. Tsang, "The ziggurat method for
// generating random variables", J. Stat. Softw. 5(8), 2000), 128 layers.
const ZIGGURAT_R = 3.442619855899;
const ZIG_K = new Uint32Array(128);
const ZIG_W = new Float64Array(128);
const ZIG_F = new Float64Array(128);
(() => {
  const m1 = 2147483648;
  const vn = 9.91256303526217e-3;
  let dn = ZIGGURAT_R, tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  ZIG_K[0] = Math.floor((dn / q) * m1);
  ZIG_K[1] = 0;
  ZIG_W[0] = q / m1;
  ZIG_W[127] = dn / m1;
  ZIG_F[0] = 1;
  ZIG_F[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_K[i + 1] = Math.floor((dn / tn) * m1);
    tn = dn;
    ZIG_F[i] = Math.exp(-0.5 * dn * dn);
    ZIG_W[i] = dn / m1;
  }
})();

/** ln(k!) for a non-negative integer k (table, then Stirling's series). Needs no permissions. */
export function logFactorial(k: number): number {
  if (k < LOG_FACTORIAL_TABLE.length) return LOG_FACTORIAL_TABLE[k]!;
  const x = k + 1;
  const inv = 1 / x;
  const inv2 = inv * inv;
  return (x - 0.5) * Math.log(x) - x + 0.9189385332046728 +
    inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)));
}

/** xoshiro128** step on a 4-word state; returns the next 32-bit unsigned integer. */
function next(state: Int32Array): number {
  const s0 = state[0]!, s1 = state[1]!, s2 = state[2]!, s3 = state[3]!;
  const m = Math.imul(s1, 5);
  const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
  const t = s1 << 9;
  let n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  state[1] = s1 ^ n2;
  state[0] = s0 ^ n3;
  n2 ^= t;
  state[2] = n2;
  state[3] = (n3 << 11) | (n3 >>> 21);
  return result;
}

/** Uniform in the open interval (0, 1), 32-bit resolution. */
function uniform(state: Int32Array): number {
  return (next(state) + 0.5) * TWO_POW_M32;
}

/** The slow branches of the ziggurat (tail and wedges), given the first draw. */
function normalSlow(state: Int32Array, hz: number, iz: number): number {
  for (;;) {
    if (iz === 0) {
      let x: number, y: number;
      do {
        x = -Math.log(uniform(state)) / ZIGGURAT_R;
        y = -Math.log(uniform(state));
      } while (y + y < x * x);
      return hz > 0 ? ZIGGURAT_R + x : -ZIGGURAT_R - x;
    }
    const x = hz * ZIG_W[iz]!;
    if (ZIG_F[iz]! + uniform(state) * (ZIG_F[iz - 1]! - ZIG_F[iz]!) < Math.exp(-0.5 * x * x)) {
      return x;
    }
    hz = next(state) | 0;
    iz = hz & 127;
    const abs = hz < 0 ? -hz : hz;
    if (abs < ZIG_K[iz]!) return hz * ZIG_W[iz]!;
  }
}

/** Standard normal deviate (ziggurat). */
function standardNormal(state: Int32Array): number {
  const hz = next(state) | 0;
  const iz = hz & 127;
  const abs = hz < 0 ? -hz : hz;
  if (abs < ZIG_K[iz]!) return hz * ZIG_W[iz]!;
  // Unary plus: a number, so that callers' optimised code keeps the result unboxed.
  return +normalSlow(state, hz, iz);
}

/** Poisson deviate with mean `lambda` (see {@linkcode RandomStream.poisson}); an integer. */
function poisson(state: Int32Array, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let product = uniform(state);
    let k = 0;
    while (product > limit) {
      product *= uniform(state);
      k++;
    }
    return k;
  }
  // W. Hörmann, "The transformed rejection method for generating Poisson random variables",
  // Insurance: Mathematics and Economics 12 (1993) 39–45 (algorithm PTRS).
  const slam = Math.sqrt(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = uniform(state) - 0.5;
    const v = uniform(state);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    if (
      Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <=
        -lambda + k * Math.log(lambda) - logFactorial(k)
    ) {
      return k;
    }
  }
}

/** Wald deviate (see {@linkcode RandomStream.wald}). */
function wald(state: Int32Array, mean: number, shape: number): number {
  const nu = standardNormal(state);
  const y = nu * nu;
  const my = mean * y;
  const x = mean + mean * my / (2 * shape) -
    (mean / (2 * shape)) * Math.sqrt(4 * mean * shape * y + my * my);
  return uniform(state) * (mean + x) <= mean ? x : mean * mean / x;
}

/**
 * A deterministic random stream (state in a typed array, so that drawing allocates nothing).
 * Needs no permissions.
 */
export class RandomStream {
  readonly #state = new Int32Array(4);

  /** A stream for `seed` and `keys` (e.g. `new RandomStream(4711, "noise", tilt, detector)`). */
  constructor(seed: number, ...keys: StreamKey[]) {
    let h = hashKey(0x2545f491, seed);
    for (const key of keys) h = hashKey(h, key);
    const state = this.#state;
    state[0] = mix32(h ^ 1);
    state[1] = mix32(h ^ 2);
    state[2] = mix32(h ^ 3);
    state[3] = mix32(h ^ 4);
    if ((state[0]! | state[1]! | state[2]! | state[3]!) === 0) state[0] = 1;
  }

  /** The next 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    return next(this.#state);
  }

  /** Uniform in the open interval (0, 1), 32-bit resolution. */
  uniform(): number {
    return uniform(this.#state);
  }

  /** Uniform in (a, b). */
  uniformIn(a: number, b: number): number {
    return a + (b - a) * uniform(this.#state);
  }

  /** Standard normal deviate (ziggurat). */
  standardNormal(): number {
    return standardNormal(this.#state);
  }

  /** Normal deviate with mean `mean` and standard deviation `sd`. */
  normal(mean: number, sd: number): number {
    return mean + sd * standardNormal(this.#state);
  }

  /** Exponential deviate with mean `mean`. */
  exponential(mean: number): number {
    return -mean * Math.log(uniform(this.#state));
  }

  /** Poisson deviate with mean `lambda` ≥ 0 (exact for every λ). */
  poisson(lambda: number): number {
    return poisson(this.#state, lambda);
  }

  /**
   * Wald (inverse Gaussian) deviate with mean `mean` > 0 and shape `shape` > 0 (variance
   * mean³/shape), by Michael, Schucany & Haas (1976).
   */
  wald(mean: number, shape: number): number {
    return wald(this.#state, mean, shape);
  }

  /**
   * Detector noise in place (spec §3.8), value by value in memory order: n = Poisson(value), then
   * n is replaced by a Wald deviate of mean n and variance n·`excess` unless n = 0 or `excess` = 0
   * (excess = 1/DQE − 1). The same draws as {@linkcode poisson} then {@linkcode wald} per value
   * (the Wald transform rearranged for this shape, equal up to rounding), without allocating.
   */
  detectorNoise(values: Float32Array, excess: number): void {
    const state = this.#state;
    const halfExcess = excess / 2, fourOverExcess = 4 / excess;
    // The hottest loop of a run: PTRS and the Wald transform are written out inline (a call
    // passing or returning a double would allocate a heap number per value); rare branches call
    // out, their results marked as numbers (unary plus) so that they stay unboxed.
    for (let i = 0; i < values.length; i++) {
      const lambda = values[i]!;
      let n: number;
      if (!(lambda >= 10)) n = +poisson(state, lambda);
      else {
        const b = 0.931 + 2.53 * Math.sqrt(lambda);
        const a = -0.059 + 0.02483 * b;
        const vr = 0.9277 - 3.6224 / (b - 2);
        for (;;) {
          const u = uniform(state) - 0.5;
          const v = uniform(state);
          const us = 0.5 - Math.abs(u);
          const k = Math.floor((2 * a / us + b) * u + lambda + 0.43);
          if (us >= 0.07 && v <= vr) {
            n = k;
            break;
          }
          if (k < 0 || (us < 0.013 && v > us)) continue;
          const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
          const right = -lambda + k * Math.log(lambda) - logFactorial(k);
          // One logarithm for the left side (it differs from the sum of three by ~1e-15); the
          // exact three-logarithm test of poisson() decides when the two sides are that close.
          const margin = Math.log(v * invAlpha / (a / (us * us) + b)) - right;
          if (
            margin < -1e-9 ||
            (margin <= 1e-9 &&
              Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= right)
          ) {
            n = k;
            break;
          }
        }
      }
      if (n === 0 || excess === 0) {
        values[i] = n;
        continue;
      }
      // Wald(n, n²/excess) by Michael–Schucany–Haas as in wald(), simplified for this shape:
      // x = n + (excess/2)·(y − √(4·n·y/excess + y²)) (no division per value).
      const nu = standardNormal(state);
      const y = nu * nu;
      const x = n + halfExcess * (y - Math.sqrt(fourOverExcess * n * y + y * y));
      values[i] = uniform(state) * (n + x) <= n ? x : n * n / x;
    }
  }
}

/**
 * TEM-Simulator's random numbers (spec §3.9): one stream, glibc's `rand()` — the TYPE_3 additive
 * feedback generator of `random()`: r[i] = r[i−3] + r[i−31] (mod 2³²), output r[i] >> 1,
 * seeded by r[0] = seed (0 → 1), r[i] = 16807·r[i−1] mod (2³¹ − 1) for i < 31, then 310 outputs
 * discarded — and the draw formulas of TEM-Simulator 1.3 on top of it:
 * - uniform U = rand()/(RAND_MAX + 1);
 * - normal by the Box–Muller cosine branch, always 2 rand();
 * - exponential −ln((1 + rand())/(RAND_MAX + 2));
 * - Poisson below 10 by subtracting exponentials, from 10 by J. H. Ahrens and U. Dieter,
 *   "Computer generation of Poisson deviates from modified normal distributions", ACM TOMS 8(2),
 *   1982, 163–179 (algorithm PD);
 * - Wald (inverse Gaussian) by Michael, Schucany & Haas (1976): 1 normal + 1 uniform.
 *
 * With the same seed and the same order of draws, a run draws the very numbers TEM-Simulator
 * draws; the noise is then the same pixel for pixel as long as the values deciding the Poisson
 * draws agree (the number of draws per Poisson deviate depends on its value).
 *
 * @module
 */

/** RAND_MAX of glibc. */
export const RAND_MAX = 2147483647;

const DEGREE = 31;
const SEPARATION = 3;
/** State layout: the 31 words, then the front index (the rear one trails it by SEPARATION). */
const FRONT = DEGREE;
/** Words of a stream's state (see {@linkcode RandomStream.saveState}). */
export const STREAM_STATE_WORDS = DEGREE + 1;

/** `state` if it has the length of a stream's state. */
function checkedState(state: Int32Array): Int32Array {
  if (state.length !== STREAM_STATE_WORDS) {
    throw new RangeError(
      `Cannot use a random stream state of ${state.length} words: it has ${STREAM_STATE_WORDS}`,
    );
  }
  return state;
}

const UNIFORM_SCALE = 1 / (RAND_MAX + 1);
const TWO_PI = 2 * Math.PI;

/**
 * glibc `random_r` TYPE_3 step on the front index `f` (hot loops keep it in a register): the
 * word at f becomes itself plus the word SEPARATION before it (the rear index, which glibc keeps
 * too); the drawn value is that word >>> 1. Returns the next front index.
 */
function step(state: Int32Array, f: number): number {
  state[f] = (state[f]! + state[REAR[f]!]!) | 0;
  return NEXT[f]!;
}

/**
 * Per front index: the rear index (SEPARATION before it, cyclically) and the next front index.
 * Tables keep {@linkcode step} small, so that the noise loop inlines all of its calls.
 */
const REAR = new Int32Array(DEGREE), NEXT = new Int32Array(DEGREE);
for (let f = 0; f < DEGREE; f++) {
  REAR[f] = (f + DEGREE - SEPARATION) % DEGREE;
  NEXT[f] = (f + 1) % DEGREE;
}

/** The next rand() value, 0 … RAND_MAX (the front index kept in the state). */
function rand(state: Int32Array): number {
  const f = state[FRONT]!;
  state[FRONT] = step(state, f);
  return state[f]! >>> 1;
}

/** U(0, 1): rand()/(RAND_MAX + 1), in [0, 1). */
function uniform(state: Int32Array): number {
  return rand(state) * UNIFORM_SCALE;
}

/** Standard normal: √(−2·ln s)·cos t, s = (1 + rand())/(RAND_MAX + 2), t = 2π·U. */
function standardNormal(state: Int32Array): number {
  const lnS = logOfOpen(rand(state));
  return Math.sqrt(-2 * lnS) * cosOfTurns(rand(state));
}

/** ln(1 + j/1024) and 1/(1 + j/1024), j < 1024. */
const LOG_NODE = new Float64Array(1024), INV_NODE = new Float64Array(1024);
for (let j = 0; j < 1024; j++) {
  LOG_NODE[j] = Math.log1p(j / 1024);
  INV_NODE[j] = 1 / (1 + j / 1024);
}
/** ln 2 in two parts (the high part has trailing zero bits, so k·LN2_HI is exact for small k). */
const LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
/** ln((RAND_MAX + 2)/2³¹) = ln(1 + 2⁻³¹). */
const LN_OPEN_EXCESS = Math.log1p(2 ** -31);
/** 2⁻³¹. */
const POW2_NEG_31 = 2 ** -31;
/** Per exponent e of 1 + r (k = e − 31): k·ln 2's high part, its low part less LN_OPEN_EXCESS. */
const LN_SCALE_HI = new Float64Array(32), LN_SCALE_LO = new Float64Array(32);
for (let e = 0; e < 32; e++) {
  LN_SCALE_HI[e] = (e - 31) * LN2_HI;
  LN_SCALE_LO[e] = (e - 31) * LN2_LO - LN_OPEN_EXCESS;
}

/**
 * ln s for s = (1 + r)/(RAND_MAX + 2), r a rand() value, as Math.log(s) gives it: to 4e-16
 * relative, and to 1e-18 absolute next to s = 1 (where rounding s itself costs more); faster than
 * Math.log in the noise loop (two per pixel). 1 + r = 2ᵉ·m is split by integer operations (m's
 * bits shifted up to bit 31), ln m = ln c + ln(m/c) with c the 1/1024 node below m, and
 * ln(1 + t), 0 ≤ t < 1/1024, by its series to t⁵ (short dependency chains: the loop's time is
 * their latency). Small in bytecode, so that the noise loop inlines it.
 */
export function logOfOpen(r: number): number {
  // 1 + r in 32-bit integer arithmetic (2³¹ wraps to −2³¹; the bit operations read it unsigned)
  const x = (r + 1) | 0;
  const e = 31 - Math.clz32(x);
  // m·2³¹ with the leading one at bit 31: node j (the next 10 bits), the 21 bits below it
  const m = x << (31 - e);
  const j = (m >>> 21) & 1023;
  const t = (m & 2097151) * POW2_NEG_31 * INV_NODE[j]!;
  const t2 = t * t;
  const series = t - 0.5 * t2 + t2 * t * (0.3333333333333333 - 0.25 * t + 0.2 * t2);
  return LN_SCALE_HI[e]! + LOG_NODE[j]! + (series + LN_SCALE_LO[e]!);
}

/** 2π/2³¹: the angle of one step of a rand() value as a fraction of a turn. */
const TURN_STEP = TWO_PI * UNIFORM_SCALE;
/** cos and sin of h·2¹⁸ steps, h = 0 … 8191 (the high 13 bits of a rand() value). */
const COS_HIGH = new Float64Array(8192), SIN_HIGH = new Float64Array(8192);
for (let h = 0; h < 8192; h++) {
  COS_HIGH[h] = Math.cos(h * 262144 * TURN_STEP);
  SIN_HIGH[h] = Math.sin(h * 262144 * TURN_STEP);
}

/**
 * cos(2π·r/2³¹) for a rand() value r (0 … RAND_MAX), i.e. Math.cos(2π·U), to 1e-15, faster
 * than Math.cos in the noise loop (two per pixel): r = h·2¹⁸ + l exactly, cos(H + L) =
 * cos H·cos L − sin H·sin L with cos H, sin H from a table and L < 7.7e-4 rad by its series to
 * L⁴ and L⁵ (the next terms are below 1e-21).
 */
export function cosOfTurns(r: number): number {
  const h = r >>> 18;
  const l = (r & 262143) * TURN_STEP;
  const l2 = l * l;
  const cosL = 1 - 0.5 * l2 + 0.041666666666666664 * l2 * l2;
  const sinL = l * (1 - 0.16666666666666666 * l2 + 0.008333333333333333 * l2 * l2);
  return COS_HIGH[h]! * cosL - SIN_HIGH[h]! * sinL;
}

/** Standard exponential: −ln((1 + rand())/(RAND_MAX + 2)). */
function standardExponential(state: Int32Array): number {
  return -logOfOpen(rand(state));
}

/** μᵏ/k! is taken from k! for k < 10. */
const FACTORIALS = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880];
/** Coefficients of the series of ln(1 + v) − v in algorithm PD, procedure F. */
const A0 = -0.5, A1 = 0.3333333, A2 = -0.2500068, A3 = 0.2000118;
const A4 = -0.1661269, A5 = 0.1421878, A6 = -0.1384794, A7 = 0.125006;
const INV_SQRT_2PI = 0.3989422804;

/**
 * The constants of algorithm PD for one μ: those of steps N, I and S (every draw) set at once,
 * those of procedure F and step E (a few percent of draws) only when first needed.
 */
class PdConstants {
  mu = -1;
  s = 0;
  d = 0;
  big = 0;
  /** μ for which the constants below are set. */
  tailMu = -1;
  omega = 0;
  c0 = 0;
  c1 = 0;
  c2 = 0;
  c3 = 0;
  c = 0;

  set(mu: number): void {
    this.mu = mu;
    this.s = Math.sqrt(mu);
    this.d = 6 * mu * mu;
    this.big = Math.floor(mu - 1.1484);
  }

  /** The constants of procedure F and step E for the current μ. */
  setTail(): void {
    const mu = this.mu;
    if (this.tailMu === mu) return;
    this.tailMu = mu;
    this.omega = INV_SQRT_2PI / this.s;
    const b1 = 0.04166666667 / mu;
    const b2 = 0.3 * b1 * b1;
    this.c3 = 0.1428571 * b1 * b2;
    this.c2 = b2 - 15 * this.c3;
    this.c1 = b1 - 6 * b2 + 45 * this.c3;
    this.c0 = 1 - b1 + 3 * b2 - 15 * this.c3;
    this.c = 0.1069 / mu;
  }
}

/** Procedure F of algorithm PD: px, py, fx, fy for k. */
const pdF = new Float64Array(4);
function procedureF(k: number, pd: PdConstants): void {
  pd.setTail();
  const mu = pd.mu;
  const dif = mu - k;
  let px: number, py: number;
  if (k < 10) {
    px = -mu;
    py = Math.pow(mu, k) / FACTORIALS[k]!;
  } else {
    let del = 0.08333333333 / k;
    del -= 4.8 * del * del * del;
    const v = dif / k;
    if (Math.abs(v) <= 0.25) {
      px = k * v * v *
          (((((((A7 * v + A6) * v + A5) * v + A4) * v + A3) * v + A2) * v + A1) * v + A0) -
        del;
    } else px = k * Math.log(1 + v) - dif - del;
    py = INV_SQRT_2PI / Math.sqrt(k);
  }
  const x = (0.5 - dif) / pd.s;
  const xx = x * x;
  pdF[0] = px;
  pdF[1] = py;
  pdF[2] = -0.5 * xx;
  pdF[3] = pd.omega * (((pd.c3 * xx + pd.c2) * xx + pd.c1) * xx + pd.c0);
}

/** Poisson deviate by subtracting standard exponentials from λ (λ < 10): n + 1 draws. */
function poissonSmall(state: Int32Array, pd: PdConstants): number {
  let n = 0;
  let rest = pd.mu - standardExponential(state);
  while (rest >= 0) {
    n++;
    rest -= standardExponential(state);
  }
  return n;
}

/**
 * Algorithm PD of Ahrens & Dieter (1982), μ ≥ 10, with TEM-Simulator's draws: step N one normal;
 * step S one uniform; each step E round an exponential and a uniform (its sign, U < ½ negative)
 * and, once T > −0.6744 and K is known, a further uniform for the step H test (the order and the
 * third draw were established against TEM-Simulator's noisy images).
 */
function poissonPd(state: Int32Array, pd: PdConstants): number {
  // Step N: a normal sample; step I: immediate acceptance; step S: squeeze acceptance (small,
  // so that the noise loop inlines it; the rare steps are a function of their own).
  const g = pd.mu + pd.s * standardNormal(state);
  if (!(g >= 0)) return poissonPdHat(state, pd);
  const k = Math.floor(g);
  if (k >= pd.big) return k;
  const u = uniform(state);
  const dif = pd.mu - k;
  return pd.d * u >= dif * dif * dif ? k : poissonPdQuotient(state, pd, k, u);
}

/** Step Q of algorithm PD (quotient acceptance of K), else on to step E. */
function poissonPdQuotient(state: Int32Array, pd: PdConstants, k: number, u: number): number {
  procedureF(k, pd);
  if (pdF[3]! * (1 - u) <= pdF[1]! * Math.exp(pdF[0]! - pdF[2]!)) return k;
  return poissonPdHat(state, pd);
}

/** Steps E and H of algorithm PD: samples of the double exponential (Laplace) hat. */
function poissonPdHat(state: Int32Array, pd: PdConstants): number {
  for (;;) {
    const e = standardExponential(state);
    const t = 1.8 + (2 * uniform(state) - 1 < 0 ? -e : e);
    if (t <= -0.6744) continue;
    const k = Math.floor(pd.mu + pd.s * t);
    procedureF(k, pd);
    const u = uniform(state);
    if (pd.c * u <= pdF[1]! * Math.exp(pdF[0]! + e) - pdF[3]! * Math.exp(pdF[2]! + e)) return k;
  }
}

function poisson(state: Int32Array, pd: PdConstants, lambda: number): number {
  if (pd.mu !== lambda) pd.set(lambda);
  return lambda >= 10 ? poissonPd(state, pd) : poissonSmall(state, pd);
}

/** Wald deviate (Michael–Schucany–Haas): a normal, then a uniform. */
function wald(state: Int32Array, mean: number, shape: number): number {
  const nu = standardNormal(state);
  const y = nu * nu;
  const my = mean * y;
  const x = mean + mean * my / (2 * shape) -
    (mean / (2 * shape)) * Math.sqrt(4 * mean * shape * y + my * my);
  return uniform(state) * (mean + x) <= mean ? x : mean * mean / x;
}

/**
 * TEM-Simulator's random stream: glibc `rand()` seeded by `srand(seed)` and TEM-Simulator's draw
 * formulas (see the module). One stream per run, drawn in TEM-Simulator's order. The state is a
 * typed array, so drawing allocates nothing. Needs no permissions.
 *
 * @example
 * ```ts
 * const random = new RandomStream(1);
 * random.rand(); // 1804289383, as glibc's rand() after srand(1)
 * ```
 */
export class RandomStream {
  readonly #state = new Int32Array(STREAM_STATE_WORDS);
  readonly #pd = new PdConstants();

  /** `srand(seed)`: seed is taken as a C unsigned int (0 acts as 1). */
  constructor(seed: number) {
    const state = this.#state;
    let word = seed | 0;
    if (word === 0) word = 1;
    state[0] = word;
    for (let i = 1; i < DEGREE; i++) {
      // 16807·word mod (2³¹ − 1) by Schrage's method, on a signed 32-bit word as glibc does.
      const hi = Math.trunc(word / 127773), lo = word % 127773;
      word = 16807 * lo - 2836 * hi;
      if (word < 0) word += 2147483647;
      state[i] = word;
    }
    state[FRONT] = SEPARATION;
    for (let i = 0; i < 10 * DEGREE; i++) rand(state);
  }

  /**
   * Copies the stream's state into `target` ({@linkcode STREAM_STATE_WORDS} words), e.g. to hand
   * the stream to another thread, which continues it with {@linkcode RandomStream.loadState}.
   */
  saveState(target: Int32Array): void {
    checkedState(target).set(this.#state);
  }

  /** Continues from a saved state (`source`, {@linkcode STREAM_STATE_WORDS} words). */
  loadState(source: Int32Array): void {
    this.#state.set(checkedState(source));
  }

  /** The next `rand()` value, 0 … RAND_MAX. */
  rand(): number {
    return rand(this.#state);
  }

  /** U(0, 1) = rand()/(RAND_MAX + 1): in [0, 1). */
  uniform(): number {
    return uniform(this.#state);
  }

  /** U(a, b) = a + (b − a)·rand()/(RAND_MAX + 1). */
  uniformIn(a: number, b: number): number {
    return a + (b - a) * uniform(this.#state);
  }

  /** Standard normal deviate (Box–Muller, cosine branch: 2 rand()). */
  standardNormal(): number {
    return standardNormal(this.#state);
  }

  /** N(mean, sd) = mean + sd·N(0, 1) (2 rand(), also when sd = 0). */
  normal(mean: number, sd: number): number {
    return mean + sd * standardNormal(this.#state);
  }

  /** Exponential deviate with mean `mean` (1 rand()). */
  exponential(mean: number): number {
    return -mean * logOfOpen(rand(this.#state));
  }

  /**
   * Poisson deviate with mean `lambda` ≥ 0 (see the module for the algorithms); a negative or NaN
   * mean gives 0 after one draw, as subtracting exponentials does.
   */
  poisson(lambda: number): number {
    return poisson(this.#state, this.#pd, lambda);
  }

  /**
   * Wald (inverse Gaussian) deviate with mean `mean` > 0 and shape `shape` > 0 (variance
   * mean³/shape), by Michael, Schucany & Haas (1976): 1 normal, 1 uniform.
   */
  wald(mean: number, shape: number): number {
    return wald(this.#state, mean, shape);
  }

  /**
   * Detector noise in place (spec §3.8), value by value in memory order: n = Poisson(value), then
   * unless n = 0, n is replaced by a Wald deviate of mean n and variance n·`excess`
   * (excess = 1/DQE − 1), i.e. {@linkcode poisson} then {@linkcode wald} per value: those two are
   * the reference, written out here for speed (PD's common steps and the generator inline); a
   * test checks that both draw the same.
   */
  detectorNoise(values: Float32Array, excess: number): void {
    const state = this.#state, pd = this.#pd;
    const halfExcess = excess / 2, fourOverExcess = 4 / excess;
    // The front index lives in f through the loop (in the state only around the rare paths);
    // w is the word just drawn.
    let f = state[FRONT]!, w = 0;
    // PD's constants of steps N, I, S for the current μ, in locals (pd gets them for rare steps)
    let mu = NaN, sqrtMu = 0, d = 0, big = 0;
    for (let i = 0; i < values.length; i++) {
      const lambda = values[i]!;
      let n: number;
      if (lambda >= 10) {
        if (lambda !== mu) {
          mu = lambda;
          sqrtMu = Math.sqrt(mu);
          d = 6 * mu * mu;
          big = Math.floor(mu - 1.1484);
        }
        // Algorithm PD, steps N, I and S (as poissonPd; the rare steps in their functions).
        w = f;
        f = step(state, f);
        const lnS = logOfOpen(state[w]! >>> 1);
        w = f;
        f = step(state, f);
        const g = mu + sqrtMu * (Math.sqrt(-2 * lnS) * cosOfTurns(state[w]! >>> 1));
        if (!(g >= 0)) {
          state[FRONT] = f;
          if (pd.mu !== mu) pd.set(mu);
          n = poissonPdHat(state, pd);
          f = state[FRONT]!;
        } else {
          n = Math.floor(g);
          if (n < big) {
            w = f;
            f = step(state, f);
            const u = (state[w]! >>> 1) * UNIFORM_SCALE;
            const dif = mu - n;
            if (!(d * u >= dif * dif * dif)) {
              state[FRONT] = f;
              if (pd.mu !== mu) pd.set(mu);
              n = poissonPdQuotient(state, pd, n, u);
              f = state[FRONT]!;
            }
          }
        }
      } else {
        state[FRONT] = f;
        if (pd.mu !== lambda) pd.set(lambda);
        n = poissonSmall(state, pd);
        f = state[FRONT]!;
      }
      if (n === 0) {
        values[i] = 0;
        continue;
      }
      // Wald(n, n²/excess) by Michael–Schucany–Haas as in wald(), written for this shape:
      // x = n + (excess/2)·(y − √(4·n·y/excess + y²)), with y = ν² of the Box–Muller normal
      // ν = √(−2·ln s)·cos t taken without its square root.
      w = f;
      f = step(state, f);
      const lnS = logOfOpen(state[w]! >>> 1);
      w = f;
      f = step(state, f);
      const cosT = cosOfTurns(state[w]! >>> 1);
      w = f;
      f = step(state, f);
      if (excess === 0) {
        // DQE = 1: the limit of the draw (its 3 rand() still consumed).
        values[i] = n;
        continue;
      }
      const y = -2 * lnS * cosT * cosT;
      const x = n + halfExcess * (y - Math.sqrt(fourOverExcess * n * y + y * y));
      values[i] = (state[w]! >>> 1) * UNIFORM_SCALE * (n + x) <= n ? x : n * n / x;
    }
    state[FRONT] = f;
  }
}

/**
 * Physics unit checks of the imaging engine: potentials, cross sections, kernels, optics,
 * projection, path lengths and random numbers.
 */
import { assert, assertAlmostEquals, assertEquals } from "../testing/mod.ts";
import { beamFor, ICE_DENSITY, POTENTIAL_FACTOR_V_NM2 } from "./beam.ts";
import { crossSection } from "./cross_sections.ts";
import { ComplexFft2d, FftEngine } from "./fft.ts";
import { hydrogenCount } from "./hydrogens.ts";
import { besselJ0, scatteringKernels } from "./kernels.ts";
import { angularFrequency, detectorMtf, fresnelPropagator, lensTransfer } from "./optics.ts";
import { boundaryMean } from "./particles.ts";
import {
  iceAbsorptionPotential,
  iceRealPotential,
  type PdbAtom,
  pdbPotential,
} from "./pdb_potential.ts";
import { randomPlacement } from "./placement.ts";
import { addProjection, projectMap, TouchedRows } from "./projection.ts";
import { RandomStream } from "./random.ts";
import { apply3, particleRotation, tiltGeometryRotation } from "../geometry/mod.ts";
import { pathLengths } from "./sample_path.ts";
import { scatteringFactorOf } from "./scattering_factors.ts";

const beam = beamFor(300);

function atom(element: string, z: number, x = 0, y = 0, zc = 0): PdbAtom {
  return { x, y, z: zc, occupancy: 1, bFactor: 0, element, z_number: z, hydrogens: 0 };
}

Deno.test("300 kV beam: k, λ and the interaction constant", () => {
  assertAlmostEquals(beam.waveNumber, 3191.46, 0.01);
  assertAlmostEquals(beam.wavelength * 1000, 1.96875, 1e-4);
  assertAlmostEquals(beam.interaction, 6.52616e-3, 1e-8);
  assertAlmostEquals(POTENTIAL_FACTOR_V_NM2 * 100, 47.88, 0.01);
});

Deno.test("the potential of one atom integrates to h²/(2πme)·Σaᵢ and its absorption to σ_tot/(2σ)", () => {
  // A carbon atom in a large box at 0.05 nm voxels (B floor 50 Å² keeps it resolved).
  const v = 0.05;
  const p = pdbPotential([atom("C", 6), atom("C", 6, 8, 8, 8)], {
    voxelSize: v,
    nx: 120,
    ny: 120,
    nz: 120,
    addHydrogen: false,
    imaginary: true,
    beam,
    iceClamp: false,
  });
  let re = 0, im = 0;
  for (let i = 0; i < p.re.length; i++) {
    re += p.re[i]!;
    im += p.im![i]!;
  }
  const a = scatteringFactorOf("C")!.a.reduce((s, x) => s + x, 0);
  // Two atoms, in V·nm³ (47.88 V·Å² · Å = 0.04788 V·nm³).
  assertAlmostEquals(
    re * v ** 3 / 2,
    POTENTIAL_FACTOR_V_NM2 * a / 10,
    2e-3 * POTENTIAL_FACTOR_V_NM2 * a / 10,
  );
  assertAlmostEquals(
    beam.interaction * im * v ** 3 / 2,
    crossSection(6, beam).total / 2,
    2e-3 * crossSection(6, beam).total,
  );
});

Deno.test("ice potentials: V_ice = 4.8775 V and V_ice_abs = 0.7591 V at 300 kV", () => {
  assertAlmostEquals(iceRealPotential(), 4.8775, 1e-3);
  assertAlmostEquals(iceAbsorptionPotential(beam), 0.7591, 1e-3);
});

Deno.test("hydrogens: backbone, side chains, water, proline and glycine", () => {
  assertEquals(hydrogenCount("ALA", " N  "), 1);
  assertEquals(hydrogenCount("PRO", " N  "), 0);
  assertEquals(hydrogenCount("GLY", " CA "), 2);
  assertEquals(hydrogenCount("ALA", " CB "), 3);
  assertEquals(hydrogenCount("LYS", " NZ "), 3);
  assertEquals(hydrogenCount("HOH", " O  "), 2);
  assertEquals(hydrogenCount("ALA", " C  "), 0);
});

Deno.test("cross sections at 300 kV: totals, ice mean free path, support ratio, ∫dσ/dΩ", () => {
  assertAlmostEquals(crossSection(1, beam).total, 7.17e-5, 0.01e-5);
  assertAlmostEquals(crossSection(6, beam).total, 1.315e-4, 0.001e-4);
  assertAlmostEquals(crossSection(8, beam).total, 1.524e-4, 0.001e-4);
  const water = crossSection(8, beam).total + 2 * crossSection(1, beam).total;
  assertAlmostEquals(1 / (ICE_DENSITY * water), 100.9, 0.1);
  assertAlmostEquals(100 * crossSection(6, beam).total / (ICE_DENSITY * water), 1.327, 1e-3);
  const c = crossSection(6, beam);
  let integral = 0;
  const dt = 2e-6;
  for (let t = dt / 2; t < 0.5; t += dt) {
    integral += 2 * Math.PI * Math.sin(t) * c.differential(t) * dt;
  }
  assertAlmostEquals(integral / c.total, 1, 1e-3);
});

Deno.test("Bessel J0 and the scattering kernels", () => {
  assertAlmostEquals(besselJ0(0), 1, 1e-7);
  assertAlmostEquals(besselJ0(1), 0.7651976866, 1e-7);
  assertAlmostEquals(besselJ0(5), -0.1775967713, 1e-7);
  assertAlmostEquals(besselJ0(2.404825557695773), 0, 1e-7);
  const thetaMax = 50e3 / (2 * 3e6);
  const k = scatteringKernels(beam, thetaMax, 0.28302, 5000);
  // K_C(0) is the fraction of carbon scattering inside the aperture; K_w decreases to its large-x
  // limit (every scattered electron lost) n·σ_tot.
  const c = crossSection(6, beam);
  let inside = 0;
  const dt = 1e-7;
  for (let t = dt / 2; t < thetaMax; t += dt) inside += 2 * Math.PI * t * c.differential(t) * dt;
  assertAlmostEquals(k.carbon.values[0]!, inside / c.total, 2e-3);
  // Flat 100 nm ice transmits exp(−100·K_w(0)) ≈ 0.851 of the beam (spec §6.3).
  assertAlmostEquals(Math.exp(-100 * k.water0), 0.851, 0.003);
  const water = ICE_DENSITY * (crossSection(8, beam).total + 2 * crossSection(1, beam).total);
  assert(k.water0 < water && k.water.values[k.water.values.length - 1]! <= water * 1.001);
});

Deno.test("Fresnel propagation is unitary", async () => {
  const n = 64, p = 0.28302;
  const prop = fresnelPropagator(
    n,
    n,
    p,
    beam.waveNumber,
    5 * p * p * beam.waveNumber / (4 * Math.PI),
    1,
  );
  for (let i = 0; i < n; i++) {
    assertAlmostEquals(Math.hypot(prop.x[2 * i]!, prop.x[2 * i + 1]!), 1, 1e-12);
  }
  const fft = new ComplexFft2d(await FftEngine.create(), n, n);
  const data = fft.data;
  let before = 0;
  for (let i = 0; i < n * n; i++) {
    data[2 * i] = Math.cos(i * 0.37) + (i % 5 === 0 ? 1 : 0);
    data[2 * i + 1] = Math.sin(i * 0.11);
    before += data[2 * i]! ** 2 + data[2 * i + 1]! ** 2;
  }
  fft.forward();
  const spec = fft.spectrum;
  for (let kx = 0; kx < n; kx++) {
    for (let ky = 0; ky < n; ky++) {
      const q = 2 * (kx * n + ky);
      const ar = prop.x[2 * kx]! * prop.y[2 * ky]! - prop.x[2 * kx + 1]! * prop.y[2 * ky + 1]!;
      const ai = prop.x[2 * kx]! * prop.y[2 * ky + 1]! + prop.x[2 * kx + 1]! * prop.y[2 * ky]!;
      const sr = spec[q]!, si = spec[q + 1]!;
      spec[q] = (sr * ar - si * ai) / (n * n);
      spec[q + 1] = (sr * ai + si * ar) / (n * n);
    }
  }
  fft.inverse();
  let after = 0;
  for (let i = 0; i < 2 * n * n; i++) after += fft.data[i]! ** 2;
  assertAlmostEquals(after / before, 1, 1e-5);
});

Deno.test("CTF: zeros of sin χ where Δf·q²/(2k) − Cs·q⁴/(4k³) = π, aperture cut at Nyquist", () => {
  const n = 512, p = 0.28302, defocus = 2000, cs = 2e6;
  const lens = { cs, cc: 2e6, apertureAngle: 50e3 / 6e6, illuminationAngle: 0, energySpread: 0 };
  const table = lensTransfer(n, n, p, beam, lens, defocus, 1);
  const k = beam.waveNumber;
  // First zero of sin χ along kx (ky = 0): solve χ(q) = π.
  const chi = (q: number) => defocus * q * q / (2 * k) - cs * q ** 4 / (4 * k ** 3);
  let lo = 0, hi = Math.PI / p;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (chi(mid) < Math.PI) lo = mid;
    else hi = mid;
  }
  const hy = n / 2 + 1;
  let sign = Math.sign(table[2 * (1 * hy) + 1]!), crossing = -1;
  for (let i = 2; i <= n / 2 && crossing < 0; i++) {
    const s = Math.sign(table[2 * (i * hy) + 1]!);
    if (s !== sign && s !== 0) crossing = i;
    sign = s;
  }
  const expected = lo * n * p / (2 * Math.PI);
  assert(
    Math.abs(crossing - 0.5 - expected) <= 0.5,
    `zero at index ${crossing}, expected ${expected}`,
  );
  // |T| = 1 inside the aperture without envelopes; 0 beyond the Nyquist circle.
  assertAlmostEquals(Math.hypot(table[2 * 10]!, table[2 * 10 + 1]!), 1, 1e-12);
  assertEquals(table[2 * ((n / 2) * hy + n / 2)], 0);
  assertAlmostEquals(angularFrequency(n / 2, n, p), Math.PI / p, 1e-12);
});

Deno.test("detector MTF: 1 at zero frequency, 0.318 on axis at Nyquist for the ETS template", () => {
  const mtf = { a: 0.7, b: 0.2, c: 0.1, alpha: 10, beta: 40, p: 1, q: 1 };
  assertAlmostEquals(detectorMtf(0, mtf), 1, 1e-12);
  assertAlmostEquals(detectorMtf(0.5, mtf), 0.318, 1e-3);
});

Deno.test("projection conserves σ·∫V and follows the particle rotation", () => {
  const n = 12;
  const re = new Float32Array(n * n * n);
  // An off-centre blob: its projected centre of mass shows the orientation.
  for (let z = 0; z < n; z++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        re[(z * n + y) * n + x] = Math.exp(-((x - 8) ** 2 + (y - 5.5) ** 2 + (z - 5.5) ** 2) / 3);
      }
    }
  }
  const total = re.reduce((s, v) => s + v, 0);
  const map = { nx: n, ny: n, nz: n, voxelSize: 0.3, re, famp: 0 };
  const pixel = 0.28;
  for (const [phi, theta, psi] of [[0, 0, 0], [30, 60, 90], [120, 45, -30], [0, 90, 0]]) {
    const m = particleRotation(phi!, theta!, psi!);
    const grid = new Float32Array(2 * 64 * 64);
    const projection = projectMap(map, m, 31.5, 31.5, pixel, beam.interaction);
    addProjection(
      projection,
      grid,
      64,
      64,
      new TouchedRows(64, 64),
    );
    let sum = 0, mx = 0, my = 0;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const v = grid[2 * (y * 64 + x)]!;
        sum += v;
        mx += v * x;
        my += v * y;
      }
    }
    // Σ Φ·p² = σ·Σ V·v³
    assertAlmostEquals(
      sum * pixel * pixel,
      beam.interaction * total * 0.3 ** 3,
      1e-4 * sum * pixel * pixel,
    );
    const offset = apply3(m, [(8 - 5.5) * 0.3, 0, 0]);
    const anchor = cornerAnchorShift(projection.a);
    assertAlmostEquals((mx / sum - 31.5 - anchor[0]) * pixel, offset[0], 0.02);
    assertAlmostEquals((my / sum - 31.5 - anchor[1]) * pixel, offset[1], 0.02);
  }
});

/**
 * TEM-Simulator's two-pass resampling (spec §3.7): the pairing (o1 = output axis of pass 1, s1 =
 * its source axis) with the smallest scale factors, each line anchored at the lower corner of its
 * first cell. Returns the resulting (x, y) shift, pixels, of the projected mass.
 */
function cornerAnchorShift(a: readonly number[]): [number, number] {
  const det = Math.abs(a[0]! * a[3]! - a[1]! * a[2]!);
  let o1 = 0, s1 = 0, best = Infinity;
  for (let o = 0; o < 2; o++) {
    for (let s = 0; s < 2; s++) {
      const first = Math.abs(a[2 * o + s]!);
      if (Math.max(first, det / first) < best) {
        [best, o1, s1] = [Math.max(first, det / first), o, s];
      }
    }
  }
  const aFirst = a[2 * o1 + s1]!, aCross = a[2 * o1 + 1 - s1]!, bFirst = a[2 * (1 - o1) + s1]!;
  const alongO1 = -0.5 * aCross; // pass 1: line s2 = j shifted by a_cross·(j − ½)
  const alongO2 = -0.5 * bFirst / aFirst + alongO1 * bFirst / aFirst; // pass 2: column at u − ½
  return o1 === 0 ? [alongO1, alongO2] : [alongO2, alongO1];
}

Deno.test("two-pass resampling anchors each line at its first cell's lower corner", () => {
  // A smooth blob centred on accumulator cell (11.5, 11.5) under a rotation by 30° and scale 0.8:
  // its mass lands at the exact affine image plus the corner-anchoring shift.
  const c = Math.cos(Math.PI / 6) * 0.8, s = Math.sin(Math.PI / 6) * 0.8;
  const n = 24;
  const re = new Float32Array(n * n), im = new Float32Array(n * n);
  for (let j1 = 0; j1 < n; j1++) {
    for (let j0 = 0; j0 < n; j0++) {
      re[j1 * n + j0] = Math.exp(-((j0 - 11.5) ** 2 + (j1 - 11.5) ** 2) / 18);
    }
  }
  const a: [number, number, number, number] = [c, -s, s, c];
  const p = { p0: n, p1: n, re, im, a, t: [20.3, 19.6] as [number, number] };
  const grid = new Float32Array(2 * 64 * 64);
  addProjection(p, grid, 64, 64, new TouchedRows(64, 64));
  let sum = 0, mx = 0, my = 0;
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const v = grid[2 * (y * 64 + x)]!;
      sum += v;
      mx += v * x;
      my += v * y;
    }
  }
  const total = re.reduce((t, v) => t + v, 0);
  assertAlmostEquals(sum, total * 0.64, 1e-4 * sum);
  const anchor = cornerAnchorShift(a);
  // Without the anchoring the centroid would sit at the exact image: the shift is not small here.
  assert(Math.abs(anchor[0]) + Math.abs(anchor[1]) > 0.2);
  assertAlmostEquals(mx / sum, (c - s) * 11.5 + 20.3 + anchor[0], 0.01);
  assertAlmostEquals(my / sum, (s + c) * 11.5 + 19.6 + anchor[1], 0.01);
});

Deno.test("path lengths: flat slab t/cos θ, parabolic profile, support outside the hole", () => {
  const grid = { nx: 4, ny: 4, pixel: 1, cx: 1.5, cy: 1.5 };
  const sample = {
    diameter: 1e6,
    thicknessCenter: 100,
    thicknessEdge: 100,
    offsetX: 0,
    offsetY: 0,
  };
  const tilt = (deg: number) =>
    tiltGeometryRotation({ psi: 0, theta: deg, phi: 0 }, { rot: 0, axis: 0, ang: 0 });
  for (const deg of [0, 30, 60]) {
    const l = pathLengths(grid, sample, tilt(deg), 0, 0, 1.327);
    assertAlmostEquals(l.length[5]!, 100 / Math.cos(deg * Math.PI / 180), 1e-6);
  }
  const curved = { ...sample, diameter: 1000, thicknessEdge: 120 };
  assertAlmostEquals(
    pathLengths(grid, curved, tilt(0), 0, 0, 1.327).length[5]!,
    100 + 4 * 20 * 0.5 / 1e6,
    1e-4,
  );
  // Beyond the hole: support of thickness te, counted ×1.327 (ice-equivalent).
  const outside = { ...curved, offsetX: 2000 };
  const l = pathLengths(grid, outside, tilt(0), 0, 0, 1.327);
  assertAlmostEquals(l.length[5]!, 120 * 1.327, 1e-4);
  assertEquals(l.lMax, -Infinity);
});

Deno.test("random stream: glibc rand() after srand(seed), srand(0) as srand(1)", () => {
  // Outputs of glibc's rand() (printed by a C program on this machine's glibc).
  const expected: [number, number[]][] = [
    [1, [1804289383, 846930886, 1681692777, 1714636915, 1957747793]],
    [0, [1804289383, 846930886, 1681692777, 1714636915, 1957747793]],
    [4711, [655258671, 1021680945, 533781613, 7593061, 1463183749]],
    [4294967295, [254925627, 1205188300, 366127624, 1401405153, 76053476]],
    [2147483648, [1336741213, 1210407648, 1447044896, 337392383, 82502902]],
  ];
  for (const [seed, values] of expected) {
    const r = new RandomStream(seed);
    assertEquals(values.map(() => r.rand()), values, `srand(${seed})`);
  }
});

Deno.test("random stream: TEM-Simulator's draw formulas and their rand() counts", () => {
  const RM = 2147483647;
  const a = new RandomStream(9), b = new RandomStream(9);
  assertEquals(a.uniform(), b.rand() / (RM + 1));
  assertEquals(a.uniformIn(-2, 6), -2 + 8 * (b.rand() / (RM + 1)));
  const s = (1 + b.rand()) / (RM + 2), t = 2 * Math.PI * b.rand() / (RM + 1);
  assertEquals(a.normal(3, 0.5), 3 + 0.5 * Math.sqrt(-2 * Math.log(s)) * Math.cos(t));
  // N(a, 0) still draws twice.
  assertEquals(a.normal(1, 0), 1);
  b.rand();
  b.rand();
  assertEquals(a.exponential(2), -2 * Math.log((1 + b.rand()) / (RM + 2)));
  // Poisson below 10: n + 1 exponentials subtracted from λ.
  const n = a.poisson(4.2);
  let rest = 4.2, m = -1;
  do {
    rest -= -Math.log((1 + b.rand()) / (RM + 2));
    m++;
  } while (rest >= 0);
  assertEquals(n, m);
  assertEquals(a.rand(), b.rand());
  // A NaN or negative mean: 0 after one draw (never a hang in PD).
  assertEquals(a.poisson(NaN), 0);
  assertEquals(a.poisson(-3), 0);
  b.rand();
  b.rand();
  assertEquals(a.rand(), b.rand());
});

Deno.test("random stream: normal, Poisson (both algorithms) and Wald moments", () => {
  const r = new RandomStream(1);
  const moments = (draw: () => number, n: number) => {
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = draw();
      s += x;
      s2 += x * x;
    }
    return { mean: s / n, variance: s2 / n - (s / n) ** 2 };
  };
  const normal = moments(() => r.standardNormal(), 200000);
  assertAlmostEquals(normal.mean, 0, 0.01);
  assertAlmostEquals(normal.variance, 1, 0.01);
  for (const lambda of [0.7, 4, 9.9, 10, 25, 801, 12000]) {
    const m = moments(() => r.poisson(lambda), 200000);
    assertAlmostEquals(m.mean / lambda, 1, 0.01);
    assertAlmostEquals(m.variance / lambda, 1, 0.02);
  }
  // Exact probabilities at small k (PD uses its factorial table there): λ = 10.
  let zeros = 0, fives = 0;
  for (let i = 0; i < 400000; i++) {
    const k = r.poisson(10);
    if (k === 5) fives++;
    if (k === 0) zeros++;
  }
  assertAlmostEquals(fives / 400000, Math.exp(-10) * 1e5 / 120, 0.002);
  // P(0) = e^−10: about 18 of 400000.
  assert(zeros >= 4 && zeros <= 40, `${zeros} zeros`);
  // Wald with mean n and variance n(1/DQE − 1): the detector's DQE step.
  const n = 800, dqe = 0.4, excess = 1 / dqe - 1;
  const w = moments(() => r.wald(n, n * n / excess), 200000);
  assertAlmostEquals(w.mean / n, 1, 0.002);
  assertAlmostEquals(w.variance / (n * excess), 1, 0.02);
});

Deno.test("detector noise in bulk draws what Poisson then Wald per pixel draw", () => {
  // λ below and above the PD threshold, zero counts (no Wald draw), DQE 1 (the Wald draws are
  // made, the value is n) and a high excess.
  for (const [lambda, excess] of [[3, 1.5], [801, 1.5], [12, 0], [0, 1.5], [60, 9]] as const) {
    const bulk = new Float32Array(20000), single = new Float32Array(20000);
    for (let i = 0; i < bulk.length; i++) {
      bulk[i] = single[i] = lambda * (1 + 0.5 * Math.sin(i));
    }
    new RandomStream(7).detectorNoise(bulk, excess);
    const r = new RandomStream(7);
    for (let i = 0; i < single.length; i++) {
      const n = r.poisson(single[i]!);
      if (n === 0) single[i] = 0;
      else if (excess === 0) {
        r.standardNormal();
        r.uniform();
        single[i] = n;
      } else single[i] = r.wald(n, n / excess * n);
    }
    // The Wald transform is rearranged in bulk: equal up to float64 rounding.
    for (let i = 0; i < bulk.length; i++) {
      assertAlmostEquals(bulk[i]!, single[i]!, 1e-6 * Math.max(1, Math.abs(single[i]!)));
    }
  }
});

Deno.test("boundary mean counts each face voxel once", () => {
  const data = new Float32Array(3 * 3 * 3).fill(1);
  data[13] = 100; // the centre voxel is not on the boundary
  assertEquals(boundaryMean(data, 3, 3, 3), 1);
});

Deno.test("random placement: the ETS template's 6563 beads, all inside the ice", () => {
  const sample = {
    diameter: 10000,
    thickness_center: 150,
    thickness_edge: 200,
    offset_x: 0,
    offset_y: 0,
  };
  const set = {
    particle_type: "Fiducial",
    particle_coords: "random",
    where: "volume",
    occupancy: 0.00025,
  };
  const placed = randomPlacement(
    set as unknown as Parameters<typeof randomPlacement>[0],
    sample as unknown as Parameters<typeof randomPlacement>[1],
    { nx: 100, ny: 100, nz: 100, voxelSize: 0.1 },
    new RandomStream(1),
  );
  assertEquals(placed.coordinates.length, 6563);
  for (const c of placed.coordinates) {
    const rho2 = c.x * c.x + c.y * c.y;
    assert(rho2 < (5000 - 5) ** 2);
    assert(Math.abs(c.z) <= 2 * 50 * rho2 / 1e8 + 75 - 5 + 1e-9);
  }
});

/**
 * Random particles (spec §3.3 `source = random`): a smooth Gaussian random field with power law
 * spectrum (ξ² + b0)^{−2(1+s)}, optionally made positive, tapered by (1 + cos(π·r⁴)) inside the
 * unit ball and scaled to a mean |V| of contrast·π/6. The real and imaginary potentials are the
 * real and imaginary parts of one inverse transform of complex Gaussian coefficients (two
 * independent fields). The transform is a separable direct DFT: fine for the usual boxes (≲ 128³).
 *
 * @module
 */
import type { ParticleParameters } from "./input/mod.ts";
import type { PotentialMap } from "./pdb_potential.ts";
import type { RandomStream } from "./random.ts";

/** In-place inverse DFT along one axis of a complex 3-D array (x fastest). */
function dftAxis(re: Float64Array, im: Float64Array, dims: number[], axis: number): void {
  const n = dims[axis]!;
  const stride = axis === 0 ? 1 : axis === 1 ? dims[0]! : dims[0]! * dims[1]!;
  const cos = new Float64Array(n), sin = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    cos[k] = Math.cos(2 * Math.PI * k / n);
    sin[k] = Math.sin(2 * Math.PI * k / n);
  }
  const lineRe = new Float64Array(n), lineIm = new Float64Array(n);
  const total = dims[0]! * dims[1]! * dims[2]!;
  for (let start = 0; start < total; start++) {
    // Only line starts: index with coordinate 0 along `axis`.
    if (Math.floor(start / stride) % n !== 0) continue;
    for (let i = 0; i < n; i++) {
      lineRe[i] = re[start + i * stride]!;
      lineIm[i] = im[start + i * stride]!;
    }
    for (let x = 0; x < n; x++) {
      let sr = 0, si = 0, k = 0;
      for (let f = 0; f < n; f++) {
        const c = cos[k]!, s = sin[k]!;
        sr += lineRe[f]! * c - lineIm[f]! * s;
        si += lineRe[f]! * s + lineIm[f]! * c;
        k += x;
        if (k >= n) k -= n;
      }
      re[start + x * stride] = sr;
      im[start + x * stride] = si;
    }
  }
}

/**
 * Generates the absolute potential of a random particle (spec §3.3). Draws 2 normals per
 * coefficient from `random`. Needs no permissions.
 */
export function randomPotential(particle: ParticleParameters, random: RandomStream): PotentialMap {
  const nx = particle.nx!, ny = particle.ny!, nz = particle.nz!;
  const s = particle.smoothness ?? 0;
  const b0 = 1 + 2 / (1 + s);
  const dims = [nx, ny, nz];
  const meanN = (nx + ny + nz) / 3;
  const count = nx * ny * nz;
  const re = new Float64Array(count), im = new Float64Array(count);
  let i = 0;
  for (let z = 0; z < nz; z++) {
    const fz = Math.min(z, nz - z) * meanN / nz;
    for (let y = 0; y < ny; y++) {
      const fy = Math.min(y, ny - y) * meanN / ny;
      for (let x = 0; x < nx; x++, i++) {
        const fx = Math.min(x, nx - x) * meanN / nx;
        const sd = Math.pow(fx * fx + fy * fy + fz * fz + b0, -1 - s);
        re[i] = sd * random.standardNormal();
        im[i] = sd * random.standardNormal();
      }
    }
  }
  if (particle.make_positive) {
    re[0] = Math.pow(b0, -1 - s);
    im[0] = Math.pow(b0, -1 - s);
  }
  for (let axis = 0; axis < 3; axis++) dftAxis(re, im, dims, axis);
  const finish = (field: Float64Array, contrast: number): Float32Array => {
    if (particle.make_positive) {
      let ss = 0;
      for (let j = 0; j < count; j++) ss += field[j]! * field[j]!;
      const c = 0.1 * Math.sqrt(ss / count);
      for (let j = 0; j < count; j++) field[j] = Math.sqrt(field[j]! * field[j]! + c * c) - c;
    }
    let j = 0, sumAbs = 0;
    for (let z = 0; z < nz; z++) {
      const rz = (z - (nz - 1) / 2) / (nz / 2);
      for (let y = 0; y < ny; y++) {
        const ry = (y - (ny - 1) / 2) / (ny / 2);
        for (let x = 0; x < nx; x++, j++) {
          const rx = (x - (nx - 1) / 2) / (nx / 2);
          const r2 = rx * rx + ry * ry + rz * rz;
          field[j] = r2 < 1 ? field[j]! * (1 + Math.cos(Math.PI * r2 * r2)) : 0;
          sumAbs += Math.abs(field[j]!);
        }
      }
    }
    const scale = sumAbs > 0 ? contrast * Math.PI / 6 / (sumAbs / count) : 0;
    return Float32Array.from(field, (v) => v * scale);
  };
  return {
    nx,
    ny,
    nz,
    voxelSize: particle.voxel_size!,
    re: finish(re, particle.contrast_re ?? 0),
    im: particle.use_imag_pot ? finish(im, particle.contrast_im ?? 0) : undefined,
  };
}

/**
 * Volume maps (spec §3.4 "In volume maps", `generate_volumes`): the sample potential on a voxel
 * box — ice in the hole and carbon support outside, each with a one-voxel linear ramp at its
 * surfaces, 1e-10 elsewhere — plus every particle, resampled by trilinear splatting normalised by
 * the accumulated weights. The imaginary map holds the absorption potentials.
 *
 * @module
 */
import { writeFileAtomic } from "../platform/mod.ts";
import { writeMrc } from "../mrc/mod.ts";
import type { ParticleCoordinate, SampleParameters, VolumeParameters } from "./input/mod.ts";
import { type Beam, CARBON_DENSITY, POTENTIAL_FACTOR_V_NM2 } from "./beam.ts";
import { crossSection } from "./cross_sections.ts";
import { iceAbsorptionPotential, iceRealPotential } from "./pdb_potential.ts";
import type { ParticleMap } from "./projection.ts";
import { apply3 } from "../geometry/mod.ts";
import { scatteringFactorOf } from "./scattering_factors.ts";

/** Background value of empty voxels ("some software has problems with 0"). */
const BACKGROUND = 1e-10;

/** A placed particle for the volume. */
export interface VolumeParticle {
  map: ParticleMap;
  coordinate: ParticleCoordinate;
  /** R_p, row-major. */
  rotation: number[];
}

/** Real and imaginary volume of one `volume` component. */
export interface VolumeMaps {
  re: Float32Array;
  im?: Float32Array;
}

const clamp01 = (x: number) => x < 0 ? 0 : x > 1 ? 1 : x;

/**
 * Computes one volume (spec §3.4). `beam` is needed for the imaginary map (`imaginary`).
 * Needs no permissions.
 */
export function computeVolume(
  volume: VolumeParameters,
  sample: SampleParameters,
  particles: readonly VolumeParticle[],
  imaginary: boolean,
  beam?: Beam,
): VolumeMaps {
  const { nx, ny, nz } = volume;
  const v = volume.voxel_size;
  const count = nx * ny * nz;
  const re = new Float32Array(count);
  const im = imaginary ? new Float32Array(count) : undefined;
  const iceRe = iceRealPotential();
  const carbon = scatteringFactorOf("C")!;
  const carbonRe = POTENTIAL_FACTOR_V_NM2 * 100 * CARBON_DENSITY * 1e-3 *
    carbon.a.reduce((s, a) => s + a, 0);
  const iceIm = imaginary ? iceAbsorptionPotential(beam!) : 0;
  const carbonIm = imaginary
    ? POTENTIAL_FACTOR_V_NM2 / (4 * Math.PI) * (beam!.waveNumber / beam!.gamma) * CARBON_DENSITY *
      crossSection(6, beam!).total
    : 0;
  const R = sample.diameter / 2;
  const tc = sample.thickness_center, te = sample.thickness_edge;
  const kappa = R > 0 ? 2 * (te - tc) / (sample.diameter * sample.diameter) : 0;
  let i = 0;
  for (let k = 0; k < nz; k++) {
    const z = volume.offset_z + (k - (nz - 1) / 2) * v;
    for (let j = 0; j < ny; j++) {
      const y = volume.offset_y + (j - (ny - 1) / 2) * v - sample.offset_y;
      for (let h = 0; h < nx; h++, i++) {
        const x = volume.offset_x + (h - (nx - 1) / 2) * v - sample.offset_x;
        const rho = Math.hypot(x, y);
        const inHole = clamp01(0.5 + (R - rho) / v);
        const half = tc / 2 + kappa * rho * rho;
        const iceFraction = inHole * clamp01(0.5 + (half - Math.abs(z)) / v);
        const supportFraction = (1 - inHole) * clamp01(0.5 + (te / 2 - Math.abs(z)) / v);
        re[i] = BACKGROUND + iceFraction * iceRe + supportFraction * carbonRe;
        if (im !== undefined) im[i] = BACKGROUND + iceFraction * iceIm + supportFraction * carbonIm;
      }
    }
  }
  for (const particle of particles) splatParticle(particle, volume, re, im);
  return { re, im };
}

/** Trilinear splat of one particle, normalised by the accumulated weights, added to the volume. */
function splatParticle(
  p: VolumeParticle,
  volume: VolumeParameters,
  re: Float32Array,
  im?: Float32Array,
): void {
  const { nx, ny, nz } = volume;
  const v = volume.voxel_size;
  const map = p.map;
  const mv = map.voxelSize;
  const sumRe = new Map<number, number>(),
    sumIm = new Map<number, number>(),
    weights = new Map<number, number>();
  const fr = map.im === undefined ? Math.sqrt(1 - map.famp * map.famp) : 1;
  const fi = map.im === undefined ? map.famp : 0;
  const centre = [p.coordinate.x, p.coordinate.y, p.coordinate.z];
  let s = 0;
  for (let c = 0; c < map.nz; c++) {
    for (let b = 0; b < map.ny; b++) {
      for (let a = 0; a < map.nx; a++, s++) {
        const u = [
          (a - (map.nx - 1) / 2) * mv,
          (b - (map.ny - 1) / 2) * mv,
          (c - (map.nz - 1) / 2) * mv,
        ];
        const w = apply3(p.rotation, u);
        const gx = (centre[0]! + w[0] - volume.offset_x) / v + (nx - 1) / 2;
        const gy = (centre[1]! + w[1] - volume.offset_y) / v + (ny - 1) / 2;
        const gz = (centre[2]! + w[2] - volume.offset_z) / v + (nz - 1) / 2;
        const x0 = Math.floor(gx), y0 = Math.floor(gy), z0 = Math.floor(gz);
        const tx = gx - x0, ty = gy - y0, tz = gz - z0;
        const valueRe = fr * map.re[s]!;
        const valueIm = map.im !== undefined ? map.im[s]! : fi * map.re[s]!;
        for (let dz = 0; dz < 2; dz++) {
          const zz = z0 + dz;
          if (zz < 0 || zz >= nz) continue;
          const wz = dz === 0 ? 1 - tz : tz;
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            if (yy < 0 || yy >= ny) continue;
            const wy = dy === 0 ? 1 - ty : ty;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              if (xx < 0 || xx >= nx) continue;
              const wgt = wz * wy * (dx === 0 ? 1 - tx : tx);
              if (wgt === 0) continue;
              const q = (zz * ny + yy) * nx + xx;
              weights.set(q, (weights.get(q) ?? 0) + wgt);
              sumRe.set(q, (sumRe.get(q) ?? 0) + wgt * valueRe);
              sumIm.set(q, (sumIm.get(q) ?? 0) + wgt * valueIm);
            }
          }
        }
      }
    }
  }
  for (const [q, w] of weights) {
    re[q]! += sumRe.get(q)! / w;
    if (im !== undefined) im[q]! += sumIm.get(q)! / w;
  }
}

/** Writes a volume map in the component's format. Needs --allow-write on the folder of `path`. */
export async function writeVolumeMap(
  path: string,
  data: Float32Array,
  volume: VolumeParameters,
): Promise<void> {
  if (volume.map_file_format === "raw") {
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    const little = volume.map_file_byte_order !== "be";
    for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, little);
    await writeFileAtomic(path, bytes);
    return;
  }
  await writeMrc(path, volume.nx, volume.ny, volume.nz, data, {
    voxelSize: volume.voxel_size * 10,
  });
}

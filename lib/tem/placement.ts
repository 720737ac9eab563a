/**
 * Particle positions and orientations of a particle set (spec §2): from a coordinate file, at
 * random in the ice (volume, surface, top, bottom) or on a grid.
 *
 * @module
 */
import type { ParticleCoordinate, ParticleSetParameters, SampleParameters } from "./input/mod.ts";
import type { RandomStream } from "./random.ts";

/** Map box size of the set's particle, for the radius estimate. */
export interface MapBox {
  nx: number;
  ny: number;
  nz: number;
  /** nm. */
  voxelSize: number;
}

/** Result of a placement. */
export interface Placement {
  coordinates: ParticleCoordinate[];
  /** Warnings for the log. */
  warnings: string[];
}

/** Uniformly random orientation (spec §2.3): φ, ψ ~ U(0, 360°), θ = acos(U(−1, 1)). */
function randomOrientation(random: RandomStream): { phi: number; theta: number; psi: number } {
  const phi = random.uniformIn(0, 2 * Math.PI);
  const theta = Math.acos(random.uniformIn(-1, 1));
  const psi = random.uniformIn(0, 2 * Math.PI);
  const deg = 180 / Math.PI;
  return { phi: phi * deg, theta: theta * deg, psi: psi * deg };
}

/** round(x) = floor(x + 0.5). */
const roundHalfUp = (x: number) => Math.floor(x + 0.5);

/**
 * Random placement (spec §2.3). Throws if the particles cannot fit (the reference loops forever).
 * Needs no permissions.
 */
export function randomPlacement(
  set: ParticleSetParameters,
  sample: SampleParameters,
  box: MapBox,
  random: RandomStream,
): Placement {
  const warnings: string[] = [];
  const D = sample.diameter, tc = sample.thickness_center, te = sample.thickness_edge;
  const r = (box.nx + box.ny + box.nz) * box.voxelSize / 6;
  const rad = D / 2 - r;
  const a = 2 * (te - tc) / (D * D);
  const b = tc / 2 - r;
  const zs = (rho: number) => a * rho * rho + b;
  const zmax = zs(rad);
  const where = set.where ?? "volume";
  if (2 * r > Math.min(tc, D)) {
    warnings.push("Particle diameter exceeds the ice thickness or hole diameter.");
  }
  let count: number;
  if (set.num_particles !== undefined) count = set.num_particles;
  else if (where === "volume") {
    const volume = Math.PI * D * D * (tc + te) / 8;
    count = set.particle_conc !== undefined
      ? roundHalfUp(set.particle_conc * volume * 1e-9)
      : roundHalfUp((set.occupancy ?? 0) * volume / (4 / 3 * Math.PI * r * r * r));
  } else {
    const area = Math.PI * D * D / 4 * (where === "surface" ? 2 : 1);
    count = set.particle_conc !== undefined
      ? roundHalfUp(set.particle_conc * area * 1e-6)
      : roundHalfUp((set.occupancy ?? 0) * area / (Math.PI * r * r));
  }
  if (count > 0 && (rad <= 0 || (where === "volume" && Math.max(zs(0), zmax) < 0))) {
    throw new RangeError(
      `Cannot place ${count} particles of particle type "${set.particle_type}": they do not fit in the ice`,
    );
  }
  const coordinates: ParticleCoordinate[] = [];
  while (coordinates.length < count) {
    const x = random.uniformIn(-rad, rad);
    const y = random.uniformIn(-rad, rad);
    const rho2 = x * x + y * y;
    if (rho2 >= rad * rad) continue;
    const limit = zs(Math.sqrt(rho2));
    let z: number;
    if (where === "volume") {
      z = random.uniformIn(-zmax, zmax);
      if (Math.abs(z) > limit) continue;
    } else if (where === "surface") z = random.uniformIn(-1, 1) > 0 ? limit : -limit;
    else if (where === "top") z = -limit;
    else z = limit;
    coordinates.push({
      x: x + sample.offset_x,
      y: y + sample.offset_y,
      z,
      ...randomOrientation(random),
    });
  }
  return { coordinates, warnings };
}

/** Grid placement (spec §2.3) with random orientations. Needs no permissions. */
export function gridPlacement(set: ParticleSetParameters, random: RandomStream): Placement {
  const { nx, ny, nz } = set;
  const d = set.particle_dist ?? 0;
  const count = set.num_particles ?? nx * ny * nz;
  const coordinates: ParticleCoordinate[] = [];
  for (let i = 0; i < count; i++) {
    const ix = i % nx, iy = Math.floor(i / nx) % ny, iz = Math.floor(i / (nx * ny));
    coordinates.push({
      x: (ix - (nx - 1) / 2) * d + set.offset_x,
      y: (iy - (ny - 1) / 2) * d + set.offset_y,
      z: (iz - (nz - 1) / 2) * d + set.offset_z,
      ...randomOrientation(random),
    });
  }
  return { coordinates, warnings: [] };
}

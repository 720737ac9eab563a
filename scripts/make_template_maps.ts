/**
 * Writes the maps shipped in templates/ (deterministic, so they can be regenerated and checked):
 * particle.mrc (an asymmetric four-lobed protein-like particle), bead.mrc (a gold-bead stand-in),
 * and the membrane assembler's membrane.mrc (a lipid bilayer slab), barrel.mrc (a hollow core
 * cylinder) and rod.mrc (a component rod). Values are potentials in V above the ice, voxels 5 Å,
 * origins set so each map's centre is at (0, 0, 0) for Chimera.
 *
 * Run: deno run --allow-write=templates scripts/make_template_maps.ts [out-dir]
 *
 * @module
 */
import { writeMrc } from "../lib/mrc/mod.ts";

/** Voxel size of every template map, nm. */
const VOXEL_NM = 0.5;

type Field = (x: number, y: number, z: number) => number;

/** Samples `field` (coordinates in nm from the map centre) on an n-voxel grid. */
function sample(nx: number, ny: number, nz: number, field: Field): Float32Array {
  const data = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    const z = (k - (nz - 1) / 2) * VOXEL_NM;
    for (let j = 0; j < ny; j++) {
      const y = (j - (ny - 1) / 2) * VOXEL_NM;
      for (let i = 0; i < nx; i++) {
        const x = (i - (nx - 1) / 2) * VOXEL_NM;
        const value = field(x, y, z);
        data[i + nx * (j + ny * k)] = value < 0.02 ? 0 : value;
      }
    }
  }
  return data;
}

const gauss = (d2: number, sigma: number) => Math.exp(-d2 / (2 * sigma * sigma));

/** A smooth step from 1 (inside |t| ≤ edge) to 0 over `soft` nm. */
const soft = (t: number, edge: number, width: number) => {
  const over = Math.abs(t) - edge;
  if (over <= 0) return 1;
  if (over >= width) return 0;
  return 0.5 * (1 + Math.cos(Math.PI * over / width));
};

async function write(dir: string, name: string, n: [number, number, number], field: Field) {
  const [nx, ny, nz] = n;
  const voxelAngst = VOXEL_NM * 10;
  await writeMrc(`${dir}/${name}`, nx, ny, nz, sample(nx, ny, nz, field), {
    voxelSize: voxelAngst,
    origin: {
      x: -(nx - 1) / 2 * voxelAngst,
      y: -(ny - 1) / 2 * voxelAngst,
      z: -(nz - 1) / 2 * voxelAngst,
    },
    labels: [`ets template ${name} (scripts/make_template_maps.ts)`],
  });
  console.log(`wrote ${dir}/${name} (${nx}x${ny}x${nz}, ${voxelAngst} A)`);
}

if (import.meta.main) {
  const dir = Deno.args[0] ?? new URL("../templates", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  // An asymmetric particle (so orientations show): four lobes of different sizes.
  const lobes: [number, number, number, number, number][] = [
    [0, 0, 0, 2.4, 2.0],
    [4.2, 0, 0, 1.8, 1.8],
    [0, 4.6, 0.5, 1.5, 1.6],
    [-0.5, 0, 4.2, 1.2, 1.5],
  ];
  await write(dir, "particle.mrc", [40, 40, 40], (x, y, z) => {
    let v = 0;
    for (const [cx, cy, cz, s, a] of lobes) {
      v += a * gauss((x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2, s);
    }
    return v;
  });
  // A gold-bead stand-in: a 20 V sphere of radius 5 nm (like ETSimulations' bead.mrc, coarser).
  await write(dir, "bead.mrc", [24, 24, 24], (x, y, z) => Math.hypot(x, y, z) <= 5 ? 20 : 0);
  // A lipid bilayer slab: dense head groups at ±1.9 nm, lighter tails, soft in-plane edges.
  await write(
    dir,
    "membrane.mrc",
    [64, 64, 24],
    (x, y, z) =>
      (2.0 * (gauss((z - 1.9) ** 2, 0.45) + gauss((z + 1.9) ** 2, 0.45)) +
        0.6 * gauss(z * z, 1.0)) *
      soft(x, 13, 3) * soft(y, 13, 3),
  );
  // A hollow core cylinder (the "barrel") along z.
  await write(
    dir,
    "barrel.mrc",
    [28, 28, 32],
    (x, y, z) => 2.2 * gauss((Math.hypot(x, y) - 4) ** 2, 0.8) * soft(z, 6, 1.2),
  );
  // A component rod along z.
  await write(
    dir,
    "rod.mrc",
    [12, 12, 28],
    (x, y, z) => 2.0 * soft(Math.hypot(x, y), 1.0, 0.6) * soft(z, 5.5, 1.0),
  );
}

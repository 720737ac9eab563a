import { assert, assertEquals } from "../testing/mod.ts";
import { labelInputBesideStack } from "./label_files.ts";

/** A PDB ATOM line with the element in columns 77–78. */
function atomLine(serial: number, x: number, y: number, z: number, element: string): string {
  const f = (v: number) => v.toFixed(3).padStart(8);
  return `ATOM  ${String(serial).padStart(5)}  ${element.padEnd(3)} ALA A   1    ${f(x)}${f(y)}${
    f(z)
  }  1.00 20.00          ${element.padStart(2)}`;
}

Deno.test("labels: a class made of atoms is labelled from its potential, centred on its atoms' box", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // a 3 nm rod of carbons along x, off the origin: the map is centred on the rod's box
    const atoms = Array.from({ length: 16 }, (_, i) => atomLine(i + 1, 10 + 2 * i, 5, -3, "C"));
    await Deno.writeTextFile(`${dir}/rod.pdb`, atoms.join("\n") + "\nEND\n");
    await Deno.writeTextFile(
      `${dir}/stack_0_particles.csv`,
      "particle,class_number,class_name,x_nm,y_nm,z_nm,phi_deg,theta_deg,psi_deg\n" +
        "1,1,rod,0,0,0,0,0,0\n2,1,rod,10,0,0,90,0,0\n",
    );
    const input = await labelInputBesideStack(
      `${dir}/stack_0.mrc`,
      0.25,
      new Map([["rod", `${dir}/rod.pdb`]]),
    );
    assert(input !== undefined);
    assertEquals(input.info[0]!.skipped, undefined);
    assertEquals(input.info[0]!.map, `${dir}/rod.pdb`);
    const map = input.classes[0]!;
    assertEquals(map.voxelNm, 0.25);
    // longest along x (the rod: 30 Å + the 2·5 Å margin → 16 voxels of 2.5 Å), thin across
    assert(map.size.x > 2 * map.size.y && map.size.y === map.size.z, JSON.stringify(map.size));
    // the potential peaks on the rod's axis, at the box's centre line
    const { x: nx, y: ny } = map.size;
    const cy = (ny - 1) / 2, cz = (map.size.z - 1) / 2;
    let best = -Infinity, at = [0, 0];
    for (let k = 0; k < map.size.z; k++) {
      for (let j = 0; j < ny; j++) {
        const v = map.map[(k * ny + j) * nx + Math.floor(nx / 2)]!;
        if (v > best) [best, at] = [v, [j, k]];
      }
    }
    assert(Math.abs(at[0]! - cy) <= 0.5 && Math.abs(at[1]! - cz) <= 0.5, `peak at ${at}`);
    assert(map.level > 0 && map.level < best);
    assertEquals(input.particles.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { assertEquals } from "../../testing/mod.ts";
import { readCoordinateFile, readGeometryErrorFile, readTiltAngleFile } from "../input/mod.ts";
import {
  formatDefocusTable,
  formatDoseTable,
  formatTiltAngleTable,
  writeCoordinateFile,
  writeGeometryErrorFile,
  writeTiltAngleFile,
} from "./text_files.ts";

const REFERENCE = new URL("../../../../shared/reference/tem-simulator/", import.meta.url).pathname;

/** The file without its first (creator) line. */
function body(text: string): string {
  return text.slice(text.indexOf("\n") + 1);
}

const CASES = [
  { name: "single_pdb", start: -45, incr: 45, n: 3, defocus: 2 },
  { name: "ice_edge", start: -60, incr: 30, n: 5, defocus: 3 },
  { name: "map_particles", start: -50, incr: 10, n: 11, defocus: 4 },
];

Deno.test("geom, dose and defocus tables match TEM-Simulator's files byte for byte", async () => {
  for (const c of CASES) {
    const tilts = Array.from({ length: c.n }, (_, i) => ({
      psi: -0,
      theta: c.start + i * c.incr,
      phi: 0,
    }));
    const geom = await Deno.readTextFile(`${REFERENCE}${c.name}/geom.txt`);
    assertEquals(body(formatTiltAngleTable(tilts)), body(geom), c.name);
    const dose = await Deno.readTextFile(`${REFERENCE}${c.name}/dose.txt`);
    assertEquals(body(formatDoseTable(tilts.map(() => 10000))), body(dose), c.name);
    const defocus = await Deno.readTextFile(`${REFERENCE}${c.name}/defocus.txt`);
    assertEquals(body(formatDefocusTable(tilts.map(() => c.defocus))), body(defocus), c.name);
  }
});

Deno.test("written tables read back (4 decimals) and leave no temporary files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_tem_text_" });
  const coordinates = [
    { x: -20.12344, y: 15, z: 0, phi: 10.5, theta: 90, psi: -30.25 },
    { x: 1, y: 2, z: 3, phi: 0, theta: 0, psi: 0 },
  ];
  await writeCoordinateFile(`${dir}/coord.txt`, coordinates);
  const read = await readCoordinateFile(`${dir}/coord.txt`);
  assertEquals(read[0], { x: -20.1234, y: 15, z: 0, phi: 10.5, theta: 90, psi: -30.25 });
  assertEquals(read[1], coordinates[1]);
  await writeTiltAngleFile(`${dir}/geom.txt`, [{ psi: 0, theta: -60, phi: 0 }]);
  assertEquals(await readTiltAngleFile(`${dir}/geom.txt`), [{ psi: 0, theta: -60, phi: 0 }]);
  const errors = [{ rot: 0.25, axis: 120.5, ang: -0.5, x: 0.1, y: -0.2 }];
  await writeGeometryErrorFile(`${dir}/err.txt`, errors);
  assertEquals(await readGeometryErrorFile(`${dir}/err.txt`), errors);
  const names = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  assertEquals(names.sort(), ["coord.txt", "err.txt", "geom.txt"]);
  await Deno.remove(dir, { recursive: true });
});

import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../testing/mod.ts";
import {
  angularWeights,
  filterAlongY,
  stackPrefix,
  thicknessBesideStack,
  tiltAxisFromLabels,
} from "./tilt_source.ts";

Deno.test("tilt source: angular weights, IMOD's tilt-axis label, filter direction, stack prefix", () => {
  const w = angularWeights([0, -10, 10, 20]);
  const deg = Math.PI / 180;
  assertAlmostEquals(w[0]!, 10 * deg, 1e-12);
  assertAlmostEquals(w[1]!, 10 * deg, 1e-12); // end tilt: its one neighbour
  assertAlmostEquals(w[3]!, 10 * deg, 1e-12);
  assertEquals(tiltAxisFromLabels(["x", "Tilt axis rotation angle = -90.00"]), 0);
  assertEquals(tiltAxisFromLabels(["Tilt axis rotation angle = 5.5"]), 95.5);
  assertEquals(tiltAxisFromLabels([]), undefined);
  assert(filterAlongY(0, "s.mrc") && filterAlongY(180, "s.mrc") && !filterAlongY(90, "s.mrc"));
  assertThrows(() => filterAlongY(45, "s.mrc"), Error, "within 10°");
  assertEquals(stackPrefix("/a/NAME_3_nonoise.mrc"), "/a/NAME_3");
  assertEquals(stackPrefix("/a/NAME_3.mrc"), "/a/NAME_3");
});

Deno.test("tilt source: the default thickness comes from the stack's tomograms.star", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_rec_thick_" });
  try {
    await Deno.writeTextFile(
      `${dir}/TS_1_tomograms.star`,
      "# version 50001\n\ndata_global\n\nloop_\n_rlnTomoName #1\n_rlnTomoTiltSeriesPixelSize #2\n" +
        "_rlnTomoSizeZ #3\nTS_1\t5.000000\t240\n\n",
    );
    assertEquals(await thicknessBesideStack(`${dir}/TS_1_nonoise.mrc`), 120);
    assertEquals(await thicknessBesideStack(`${dir}/TS_2.mrc`), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

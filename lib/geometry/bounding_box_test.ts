import { assertEquals } from "../testing/mod.ts";
import { boundingBox } from "./bounding_box.ts";

Deno.test("bounding box: smallest box of the points; empty set gives lo +∞, hi −∞", () => {
  assertEquals(boundingBox([{ x: 1, y: 2, z: 3 }, { x: -1, y: 0, z: 5 }, { x: 0, y: 9, z: 4 }]), {
    lo: [-1, 0, 3],
    hi: [1, 9, 5],
  });
  assertEquals(boundingBox([]), {
    lo: [Infinity, Infinity, Infinity],
    hi: [-Infinity, -Infinity, -Infinity],
  });
});

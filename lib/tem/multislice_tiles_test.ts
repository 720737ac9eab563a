import { assertEquals } from "../testing/mod.ts";
import { periodicRuns, tileSpan } from "./multislice_tiles.ts";

Deno.test("tileSpan: footprints inside the grid span from the first to the last", () => {
  assertEquals(tileSpan([[10, 30], [25, 50]], 256), { origin: 10, length: 41, size: 64 });
});

Deno.test("tileSpan: footprints at both ends of the axis make one span across the edge", () => {
  assertEquals(tileSpan([[-10, 20], [120, 140]], 128), { origin: 118, length: 31, size: 64 });
  // One footprint reaching past the high edge.
  assertEquals(tileSpan([[100, 140]], 128), { origin: 100, length: 41, size: 64 });
});

Deno.test("tileSpan: a tile as large as the grid is the grid's own period", () => {
  assertEquals(tileSpan([[0, 70]], 128), { origin: 0, length: 71, size: 96 });
  assertEquals(tileSpan([[0, 100]], 128), { origin: 0, length: 128, size: 128 });
  assertEquals(tileSpan([[-5, 300]], 128), { origin: 0, length: 128, size: 128 });
});

Deno.test("periodicRuns: a span inside the grid is one run, across the edge two", () => {
  assertEquals(periodicRuns(40, 30, 128), [{ tile: 0, grid: 40, length: 30 }]);
  assertEquals(periodicRuns(118, 31, 128), [
    { tile: 0, grid: 118, length: 10 },
    { tile: 10, grid: 0, length: 21 },
  ]);
  assertEquals(periodicRuns(0, 128, 128), [{ tile: 0, grid: 0, length: 128 }]);
});

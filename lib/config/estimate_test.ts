import { assert, assertEquals, assertThrows } from "../testing/mod.ts";
import { EtsError } from "../errors/mod.ts";
import {
  engineMemoryBytes,
  estimateRun,
  MAX_TILTS,
  metadataBytes,
  paddedGridSide,
  requireRunFits,
  type RunNeeds,
  tiltSeriesBytes,
} from "./estimate.ts";

const needs = (change: Partial<RunNeeds> = {}, stack: Partial<RunNeeds["stack"]> = {}) => ({
  stack: { nx: 256, ny: 256, padding: 20, tilts: 41, mapVoxels: [64 ** 3], threads: 1, ...stack },
  totalStacks: 100,
  stacksToDo: 100,
  particles: 10,
  workers: 2,
  assemblyMemory: 0,
  assemblyDisk: 0,
  servers: 0,
  ...change,
});

Deno.test("estimate: the documented formulas", () => {
  assertEquals(paddedGridSide(256, 20), Math.ceil(296 * 1.08) + 2);
  assertEquals(tiltSeriesBytes(256, 256, 41), 1024 + 768 * 41 + 4 * 256 * 256 * 41);
  const side = paddedGridSide(256, 20);
  assertEquals(
    engineMemoryBytes(needs().stack),
    256 * 1024 * 1024 + 12 * 8 * side * side + 16 * 256 * 256 + 24 * 64 ** 3 + 256 * 41,
  );
  assertEquals(metadataBytes(10, 41, 10), 10 * (1024 + 24 * 41 + 1600));
  const run = estimateRun(needs());
  assertEquals(run.disk, 100 * run.perStackDisk + 2 * run.perWorkerTemp);
  assertEquals(run.memory, 512 * 1024 * 1024 + 2 * run.perWorkerMemory);
});

Deno.test("estimate: what does not fit is refused with the numbers, what fits passes", () => {
  const machine = { memory: 24e9, disk: 1e12 };
  assert(requireRunFits(needs(), machine).memory < 24e9);
  const refuse = (n: RunNeeds, pattern: RegExp) => {
    const error = assertThrows(() => requireRunFits(n, machine), EtsError);
    assertEquals(error.kind, "input");
    assert(pattern.test(error.message), error.message);
  };
  refuse(needs({}, { tilts: MAX_TILTS + 1 }), /at most 10000/);
  refuse(needs({ totalStacks: 10_000_000 }), /of metadata/);
  refuse(needs({}, { mapVoxels: [1e9] }), /one stack needs 24\.\d GB of memory/);
  refuse(needs({ workers: 64 }, { mapVoxels: [1e8] }), /use --workers \d+ or fewer/);
  refuse(needs({ stacksToDo: 1_000_000 }), /of disk/);
  refuse(needs({}, { nx: 10000, ny: 10000, padding: 1000, embedded: true }), /12962x12962/);
  // unknown machine figures are not guessed
  requireRunFits(needs({ workers: 64 }, { mapVoxels: [1e8] }), {});
});

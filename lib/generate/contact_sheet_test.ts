import { assertEquals } from "../testing/mod.ts";
import { contactSheetStacks } from "./contact_sheet.ts";
import type { StackRecord } from "./metadata.ts";

function record(id: number, status: StackRecord["status"], preview?: string): StackRecord {
  return {
    output: `/r/raw_data/T_${id}/T_${id}.mrc`,
    nonoise_output: `/r/raw_data/T_${id}/T_${id}_nonoise.mrc`,
    global_stack_no: id,
    apix: 1,
    defocus: 2 + id,
    sim_configs: "/c/sim.txt",
    particle_coords: "/c/coord.txt",
    orientations: [],
    positions: [],
    custom_data: null,
    name: `T_${id}`,
    seed: 100 + id,
    run_seed: 7,
    tilt_angles: [0],
    status,
    attempts: 1,
    detector: { nx: 8, ny: 8 },
    particle_sets: [],
    ...(preview === undefined ? {} : { preview }),
  };
}

Deno.test("contact sheet: cards by stack number, paths relative to the root", () => {
  const stacks = contactSheetStacks("/r/", [
    record(1, "failed"),
    record(0, "done", "/r/raw_data/T_0/preview.png"),
    record(2, "done", "/elsewhere/p.png"),
  ]);
  assertEquals(stacks, [
    {
      name: "T_0",
      preview: "raw_data/T_0/preview.png",
      defocus: 2,
      seed: 100,
      status: "done",
      output: "raw_data/T_0/T_0.mrc",
    },
    { name: "T_1", preview: undefined, defocus: 3, seed: 101, status: "failed", output: undefined },
    {
      name: "T_2",
      preview: "/elsewhere/p.png",
      defocus: 4,
      seed: 102,
      status: "done",
      output: "raw_data/T_2/T_2.mrc",
    },
  ]);
});

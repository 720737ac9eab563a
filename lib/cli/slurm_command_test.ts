import { assertEquals, assertThrows } from "../testing/mod.ts";
import { parseSlurmMemory } from "./slurm_command.ts";

Deno.test("--mem accepts what sbatch accepts: 2GB, 2G, 4000M, 4000, 512k", () => {
  for (const value of ["2GB", "2G", "2gb", "4000M", "4000MB", "4000", "512k", "1T", "1TB"]) {
    assertEquals(parseSlurmMemory(value), value);
  }
});

Deno.test("--mem refuses what sbatch refuses", () => {
  for (const value of ["", "2 G", "2.5G", "G", "2GiB", "2X", "-1G", "2GBB"]) {
    assertThrows(() => parseSlurmMemory(value), Error, "is not a Slurm memory size");
  }
});

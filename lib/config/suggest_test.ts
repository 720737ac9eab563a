import { assertEquals } from "../testing/mod.ts";
import { closestMatch, didYouMean, editDistance } from "./suggest.ts";
import { locateYamlKeys } from "./yaml_locate.ts";

Deno.test("suggest: edit distance and plausible typos only", () => {
  assertEquals(editDistance("kitten", "sitting"), 3);
  assertEquals(closestMatch("nmu_stacks", ["num_stacks", "name"]), "num_stacks");
  assertEquals(closestMatch("zzz", ["num_stacks", "name"]), undefined);
  assertEquals(didYouMean("apx", ["apix"]), ' (did you mean "apix"?)');
});

Deno.test("yaml locations: keys, nested keys, flow mappings and list items", () => {
  const at = locateYamlKeys('---\n# c\nname: "x"\na:\n  b: 1\n  c: {d: 2}\nl: [1,\n  2]\n');
  assertEquals(at.lineOf(["name"]), 3);
  assertEquals(at.lineOf(["a", "b"]), 5);
  assertEquals(at.lineOf(["a", "c", "d"]), 6);
  assertEquals(at.lineOf(["l", 1]), 8);
  assertEquals(at.lineOf(["a", "missing"]), 4);
  assertEquals(at.lineOf(["missing"]), undefined);
});

import { assertEquals, assertMatch, assertRejects, sharedPath } from "../testing/mod.ts";
import { InputFileError } from "./config_error.ts";
import { describeSimTemplate } from "./sim_facts.ts";
import { SimTemplate } from "./sim_template.ts";

const ETS_TEMPLATE = sharedPath("etsimulations/templates/sim.txt");

Deno.test("sim template: ETSimulations' template is read as TEM-Simulator reads it", async () => {
  const template = new SimTemplate(await Deno.readTextFile(ETS_TEMPLATE));
  assertEquals(template.componentsOf("detector").length, 2);
  assertEquals(template.get("detector", "image_file_out", 1)?.endsWith("_nonoise.mrc"), true);
  assertEquals(template.get("optics", "defocus_nominal"), "5");
  const facts = await describeSimTemplate(template, { fileName: "sim.txt" }, () => {
    throw new Error("no tables");
  });
  assertEquals(facts.detector, { nx: 2000, ny: 2000 });
  assertEquals(facts.tiltAngles.length, 37);
  assertEquals(facts.tiltAngles[0], -54);
  assertEquals(facts.tiltAngles[36], 54);
  assertEquals(Math.round((facts.pixelSizeNm ?? 0) * 1e4), 2830);
});

Deno.test("sim template: set rewrites every assignment or inserts after the heading; append", () => {
  const template = new SimTemplate(
    "# c\n=== simulation ===\nlog_file = a.log\n=== detector ===\nimage_file_out = x.mrc # comment\n" +
      "=== detector ===\nimage_file_out = y.mrc\n",
  );
  template.set("detector", "image_file_out", "/p q/n.mrc", 1);
  template.set("simulation", "rand_seed", "7");
  template.append(["=== particle P ===", "source = map"]);
  assertEquals(
    template.toString(),
    "# c\n=== simulation ===\nrand_seed = 7\nlog_file = a.log\n=== detector ===\n" +
      'image_file_out = x.mrc # comment\n=== detector ===\nimage_file_out = "/p q/n.mrc"\n' +
      "=== particle P ===\nsource = map\n",
  );
  assertEquals(template.get("detector", "image_file_out", 1), "/p q/n.mrc");
  assertEquals(template.componentsOf("particle")[0]?.name, "P");
});

Deno.test("sim template: problems name the template's line", async () => {
  const text = await Deno.readTextFile(ETS_TEMPLATE);
  const check = (edited: string) =>
    describeSimTemplate(
      new SimTemplate(edited),
      { fileName: "sim.txt" },
      () => Promise.resolve([]),
    );
  let error = await assertRejects(
    () => check(text.replace("det_pix_x = 2000", "det_pix_x = 6.4e1")),
    InputFileError,
  );
  assertMatch(
    error.oneLine,
    /^Cannot read "sim.txt": line \d+: "det_pix_x" must be a positive integer, got "6.4e1"$/,
  );
  error = await assertRejects(
    () => check(text.replace("gen_defocus = yes", "gen_defocus = no")),
    InputFileError,
  );
  assertMatch(error.oneLine, /"gen_defocus" must be "yes"/);
  const oneDetector = text.slice(0, text.lastIndexOf("=== detector ==="));
  error = await assertRejects(() => check(oneDetector), InputFileError);
  assertMatch(error.oneLine, /needs two "=== detector ===" sections/);
});

Deno.test("sim template: with gen_tilt_data = no the tilt angles come from the table reader", async () => {
  const text = (await Deno.readTextFile(ETS_TEMPLATE)).replace(
    /gen_tilt_data = yes/,
    "gen_tilt_data = no\ngeom_file_in = geom.txt",
  ).replace(/ntilts = \d+\n/, "");
  const asked: string[] = [];
  const read = (angles: number[]) => (value: string) => {
    asked.push(value);
    return Promise.resolve(angles);
  };
  const facts = await describeSimTemplate(
    new SimTemplate(text),
    { fileName: "sim.txt" },
    read([-30, 0, 30]),
  );
  assertEquals([facts.tiltAngles, asked], [[-30, 0, 30], ["geom.txt"]]);
  const withNtilts = new SimTemplate(text.replace("geom_file_in", "ntilts = 4\ngeom_file_in"));
  const error = await assertRejects(
    () => describeSimTemplate(withNtilts, { fileName: "sim.txt" }, read([-30, 0, 30])),
    InputFileError,
  );
  assertMatch(error.oneLine, /"ntilts" is 4, but "geom.txt" \(geom_file_in\) has 3 row\(s\)/);
  const empty = await assertRejects(
    () => describeSimTemplate(new SimTemplate(text), { fileName: "sim.txt" }, read([])),
    InputFileError,
  );
  assertMatch(empty.oneLine, /"geom.txt" \(geom_file_in\) has no rows/);
});

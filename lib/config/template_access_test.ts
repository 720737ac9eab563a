import { assertEquals, assertThrows } from "../testing/mod.ts";
import { LocatedInputError } from "../errors/mod.ts";
import { SimTemplate } from "./sim_template.ts";
import { checkTemplateAccess, isInside, readableUnder, templateInputs } from "./template_access.ts";

const template = (path: string) =>
  new SimTemplate(`=== geometry ===\ngeom_errors = file\nerror_file_in = ${path}\n`);

Deno.test("template access: folders and links", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const outside = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.writeTextFile(`${outside}/t.txt`, "1 6\n0 0 0 0 0 0\n");
    await Deno.symlink(outside, `${dir}/tables`);
    const access = { configFile: `${dir}/config.yaml`, embedded: false, allowDirs: [] };
    assertEquals(templateInputs(template("t.txt"), `${dir}/sim.txt`), [
      { key: "error_file_in", line: 3, path: `${dir}/t.txt` },
    ]);
    checkTemplateAccess(template("t.txt"), `${dir}/sim.txt`, access);
    for (const named of [`${outside}/t.txt`, "tables/t.txt", "../x/t.txt"]) {
      const error = assertThrows(
        () => checkTemplateAccess(template(named), `${dir}/sim.txt`, access),
        LocatedInputError,
      );
      assertEquals(error.line, 3);
    }
    checkTemplateAccess(template(`${outside}/t.txt`), `${dir}/sim.txt`, {
      ...access,
      allowDirs: [outside],
    });
    assertEquals(readableUnder(`${dir}/tables/t.txt`, [dir, outside]), true);
    assertEquals(isInside("/a/bc", "/a/b"), false);
    assertEquals(isInside("/a/b/c", "/a/b"), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

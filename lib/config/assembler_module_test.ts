import { AssemblerModuleError } from "../assemblers/mod.ts";
import { runCaptured } from "../platform/mod.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../testing/mod.ts";
import {
  ASSEMBLER_FACTS_MARKER,
  checkAssemblerModuleFile,
  parseFactsReply,
  userAssembler,
} from "./assembler_module.ts";

const FACTS = {
  summary: "s",
  usesChimera: false,
  requiresModel: false,
  coordOptional: true,
  inputFiles: { "custom_configs.map": "/data/a.mrc" },
};

Deno.test("assembler module: the child's reply is its last marked line, checked", () => {
  const reply = (value: unknown) => `${ASSEMBLER_FACTS_MARKER}${JSON.stringify(value)}`;
  assertEquals(parseFactsReply(`noise\n${reply({ facts: FACTS })}\n`), { facts: FACTS });
  assertEquals(parseFactsReply(`${reply({ problem: "no" })}\n`), { problem: "no" });
  // the module's own output before it does not count; the last marked line does
  assertEquals(
    parseFactsReply(`${reply({ problem: "early" })}\n${reply({ facts: FACTS })}`),
    { facts: FACTS },
  );
  assertEquals(parseFactsReply("no answer\n"), undefined);
  assertEquals(parseFactsReply(`${ASSEMBLER_FACTS_MARKER}{oops`), undefined);
  assertEquals(parseFactsReply(reply({ facts: { ...FACTS, usesChimera: 1 } })), undefined);
  assertEquals(parseFactsReply(reply({ problem: 3 })), undefined);
});

Deno.test("assembler module: a missing file or a folder is refused before anything runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assertRejects(
      () => checkAssemblerModuleFile(`${dir}/none.ts`),
      AssemblerModuleError,
      "cannot load it: the file does not exist",
    );
    await Deno.mkdir(`${dir}/folder.ts`);
    await assertRejects(
      () => checkAssemblerModuleFile(`${dir}/folder.ts`),
      AssemblerModuleError,
      "cannot load it: it is not a file",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("assembler module: with broad grants its facts come from a child that may read only it", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.writeTextFile(`${dir}/beside.txt`, "beside");
    const module = (topLevel: string) =>
      [
        topLevel,
        "export const usesChimera = false;",
        "export function inputFiles(o) { return { map: o.map }; }",
        "export function checkOptions(o) { return o.map ? undefined : '\"map\" is missing'; }",
        "export default class { setUpTiltSeries() {} resetTempDir() {} close() {} }",
      ].join("\n");
    await Deno.writeTextFile(
      `${dir}/quiet.ts`,
      module(`try { Deno.writeTextFileSync("${dir}/marker", "x"); } catch { /* denied */ }`),
    );
    const definition = await userAssembler(`${dir}/quiet.ts`, { map: "/data/a.mrc" });
    assertEquals(definition.inputFiles({}), { "custom_configs.map": "/data/a.mrc" });
    assertEquals(definition.usesChimera({}), false);
    assert(definition.customConfigSchema.safeParse({}).success);
    // not imported in this (broad) process: it cannot make an assembler here
    assertThrows(() => definition.create({} as never, {}), AssemblerModuleError);
    assert(!(await Deno.stat(`${dir}/marker`).then(() => true, () => false)), "no write");
    const missing = await userAssembler(`${dir}/quiet.ts`, {});
    assert(!missing.customConfigSchema.safeParse({}).success);

    await Deno.writeTextFile(
      `${dir}/nosy.ts`,
      module(`Deno.readTextFileSync("${dir}/beside.txt");`),
    );
    await assertRejects(
      () => userAssembler(`${dir}/nosy.ts`, {}),
      AssemblerModuleError,
      "cannot load it: Requires read access",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("assembler module: a child that does not finish is stopped at its timeout", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.writeTextFile(
      `${dir}/forever.ts`,
      "await new Promise(() => setInterval(() => {}, 1000));\nexport default class {}\n",
    );
    const out = await runCaptured({
      args: ["assembler-facts", `${dir}/forever.ts`],
      grants: { read: [`${dir}/forever.ts`], write: [], run: [], net: [], env: [] },
      timeoutMs: 1,
    });
    assert(out.timedOut);
    assertEquals(out.code, 137);
    assertEquals(parseFactsReply(out.stdout), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

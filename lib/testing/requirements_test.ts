import { assert, assertEquals, assertThrows } from "./assert.ts";
import { optional, type Requirement, requirements, sharedPath, underCi } from "./requirements.ts";

const present: Requirement = {
  name: "tool-a",
  install: "get a",
  probe: () => Promise.resolve(undefined),
};
const absent: Requirement = {
  name: "tool-b",
  install: "apt-get install tool-b",
  probe: () => Promise.resolve("missing b"),
};

/** Runs `fn` with CI set to `value` (undefined: unset), restoring it after. */
async function withCi<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = Deno.env.get("CI");
  if (value === undefined) Deno.env.delete("CI");
  else Deno.env.set("CI", value);
  try {
    return await fn();
  } finally {
    if (saved === undefined) Deno.env.delete("CI");
    else Deno.env.set("CI", saved);
  }
}

Deno.test("requirements: all present → runs everywhere", async () => {
  for (const ci of [undefined, "true"]) {
    const r = await withCi(ci, () => requirements(present));
    assertEquals(r.missing, []);
    assertEquals(r.ignore, false);
    r.assertPresent("t");
  }
});

Deno.test("requirements: missing outside CI → ignored, saying what and how to get it", async () => {
  const r = await withCi(undefined, () => requirements(present, [absent]));
  assertEquals(r.ignore, true);
  assertEquals(r.missing, ["tool-b (missing b; apt-get install tool-b)"]);
});

Deno.test("requirements: missing under CI=true → not ignored, fails at once with one line", async () => {
  for (const ci of ["true", "1", "yes"]) {
    const r = await withCi(ci, () => requirements(absent));
    assertEquals(r.ignore, false, ci);
    const error = assertThrows(() => r.assertPresent("cross-check"));
    assertEquals(
      error.message,
      'Cannot run "cross-check": CI=true requires tool-b (missing b; apt-get install tool-b)',
    );
  }
});

Deno.test("requirements: what CI cannot provide either is ignored under CI too", async () => {
  const r = await withCi("true", () => requirements(optional(absent)));
  assertEquals(r.ignore, true);
});

Deno.test("underCi: unset, empty, 0 and false are not CI", async () => {
  for (
    const [value, expected] of [[undefined, false], ["", false], ["0", false], ["false", false], [
      "true",
      true,
    ]] as const
  ) {
    assertEquals(await withCi(value, () => Promise.resolve(underCi())), expected, String(value));
  }
});

Deno.test("sharedPath: ../shared beside the repository", () => {
  const repo = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
  assertEquals(
    sharedPath("reference/x"),
    `${repo.slice(0, repo.lastIndexOf("/"))}/shared/reference/x`,
  );
  assert(!sharedPath("/a").includes("//a"));
});

import { assert, assertEquals } from "../testing/mod.ts";
import { escapeHtml, indexHtml, relativeHref, writeIndexHtml } from "./index_html.ts";

const stacks = [
  {
    name: "TS_1",
    preview: "raw_data/TS_1/preview.png",
    defocus: 3,
    seed: 101,
    status: "done",
    output: "raw_data/TS_1/TS_1.mrc",
  },
  { name: "TS_<2>", defocus: 5, seed: 102, status: "failed" },
];

Deno.test("index.html: one card per stack with defocus, seed, status, relative links", () => {
  const html = indexHtml("/data/run", stacks);
  assert(html.startsWith("<!DOCTYPE html>"));
  assert(html.includes("<style>") && !html.includes("<link") && !html.includes("<script"));
  assertEquals(html.match(/<figure /g)?.length, 2);
  assert(html.includes('<img src="raw_data/TS_1/preview.png"'));
  assert(html.includes('<a href="raw_data/TS_1/TS_1.mrc">TS_1.mrc</a>'));
  assert(html.includes("<dd>3 µm</dd>") && html.includes("<dd>101</dd>"));
  assert(html.includes('class="status-failed"') && html.includes("no preview"));
  assert(html.includes("TS_&lt;2&gt;") && !html.includes("TS_<2>"));
  assert(html.includes("2 stacks · 1 done · 1 failed"));
  assert(!/(src|href)="(\/|https?:)/.test(html), "no absolute links");
});

Deno.test("relative links and escaping", () => {
  assertEquals(relativeHref("/data/run/raw_data/a b/p.png", "/data/run/"), "raw_data/a%20b/p.png");
  assertEquals(relativeHref("./x/y.png", "/r"), "x/y.png");
  assertEquals(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
});

Deno.test("writeIndexHtml writes root/index.html", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_index_" });
  try {
    await writeIndexHtml(dir, stacks);
    const html = await Deno.readTextFile(`${dir}/index.html`);
    assertEquals(html, indexHtml(dir, stacks));
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assertEquals(names, ["index.html"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

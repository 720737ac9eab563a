import { assert, assertAlmostEquals, assertEquals, sharedPath } from "../testing/mod.ts";
import { glyph, GLYPH_HEIGHT, hasGlyph, textWidth } from "./font.ts";
import { panelGrid, seriesMontage } from "./montage.ts";
import { decodePng, encodePng } from "./png.ts";
import { createImage, drawText, pasteGray } from "./raster.ts";
import { closestToZero, markerToPicture, writeStackPreview } from "./stack_preview.ts";
import { binFactorFor, binImage, percentiles, stretchToGray } from "./stretch.ts";

const REF = sharedPath("reference/tem-simulator/map_particles");

Deno.test("font: every glyph is 7 rows of 5 bits; digits, letters, sign, point, degree", () => {
  for (const c of "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz -+.,:/()=_%#°?") {
    assert(hasGlyph(c), c);
    const rows = glyph(c);
    assertEquals(rows.length, GLYPH_HEIGHT);
    assert(rows.every((r) => r >= 0 && r < 32));
  }
  // distinct digits
  assertEquals(new Set("0123456789".split("").map((c) => glyph(c).join(","))).size, 10);
  assertEquals(glyph("~"), glyph("?"));
  assertEquals(textWidth("-54.0°", 2), (6 * 6 - 1) * 2);
});

Deno.test("drawText puts the glyph's bits where they belong", () => {
  const img = createImage(12, 7, [0, 0, 0]);
  drawText(img, 0, 0, "1-", [255, 255, 255]);
  const lit = (x: number, y: number) => img.data[3 * (y * 12 + x)] === 255;
  // "1": rows 00100 01100 00100 ... 01110
  assert(lit(2, 0) && !lit(0, 0) && lit(1, 1) && lit(1, 6) && lit(3, 6) && !lit(4, 6));
  // "-": middle row of the second glyph (starting at x = 6)
  assert(lit(6, 3) && lit(10, 3) && !lit(6, 2));
});

Deno.test("binning averages blocks, percentile stretch maps to 0..255", () => {
  const img = { width: 4, height: 2, data: Float32Array.from([0, 2, 4, 6, 2, 4, 6, NaN]) };
  const b = binImage(img, 2);
  assertEquals([b.width, b.height], [2, 1]);
  assertEquals(Array.from(b.data), [2, Math.fround(16 / 3)]);
  assertEquals(binFactorFor(2000, 1000, 512), 4);
  assertEquals(binFactorFor(100, 50, 512), 1);
  const ramp = { width: 101, height: 1, data: Float32Array.from({ length: 101 }, (_, i) => i) };
  assertEquals(percentiles(ramp.data, 1, 99), { low: 1, high: 99 });
  const g = stretchToGray(ramp, 1, 99);
  assertEquals([g.data[0], g.data[1], g.data[50], g.data[99], g.data[100]], [0, 0, 128, 255, 255]);
  const flat = stretchToGray({ width: 3, height: 1, data: new Float32Array(3).fill(7) });
  assertEquals(Array.from(flat.data), [128, 128, 128]);
  assertEquals(percentiles(Float32Array.from([NaN, Infinity]), 1, 99), undefined);
});

Deno.test("PNG round trip through fast-png; panels are drawn with y up", () => {
  const img = createImage(3, 2, [10, 20, 30]);
  pasteGray(img, { width: 2, height: 2, data: Uint8Array.from([0, 50, 100, 150]) }, 1, 0);
  const png = decodePng(encodePng(img));
  assertEquals([png.width, png.height, png.channels, png.depth], [3, 2, 3, 8]);
  // row y = 0 of the panel (0, 50) is the bottom row of the picture
  assertEquals(Array.from(png.data), [
    10,
    20,
    30,
    100,
    100,
    100,
    150,
    150,
    150,
    10,
    20,
    30,
    0,
    0,
    0,
    50,
    50,
    50,
  ]);
});

Deno.test("grid layout: ⌈√n⌉ columns, labels under each panel", () => {
  const tile = { width: 30, height: 20, data: Float32Array.from({ length: 600 }, (_, i) => i % 7) };
  const { image, corners } = panelGrid(Array(5).fill({ image: tile, label: "X" }));
  assertEquals([image.width, image.height], [6 + 3 * 36, 6 + 2 * (20 + 13 + 6)]);
  assertEquals(corners[4], { x: 42, y: 45 });
  const m = seriesMontage([tile, tile], [-60, 0.01]);
  assertEquals([m.width, m.height], [6 + 2 * 36, 6 + 39]);
});

Deno.test("markers map through binning and the y flip", () => {
  // factor 1: pixel (10, 0) of a 64-high panel at (6, 6) → picture (16, 69)
  assertEquals(markerToPicture({ x: 10, y: 0 }, 1, { width: 64, height: 64 }, { x: 6, y: 6 }), {
    x: 16,
    y: 69,
  });
  // factor 2: original pixels 2 and 3 form binned pixel 1, centred at 2.5
  const p = markerToPicture({ x: 2.5, y: 2.5 }, 2, { width: 32, height: 32 }, { x: 0, y: 0 });
  assertAlmostEquals(p.x, 1, 1e-12);
  assertAlmostEquals(p.y, 30, 1e-12);
  assertEquals(closestToZero([-60, -2, 3, 2]), 1);
});

function countColor(png: ReturnType<typeof decodePng>, rgb: number[], x0: number, x1: number) {
  let n = 0;
  for (let y = 0; y < png.height; y++) {
    for (let x = x0; x < x1; x++) {
      const i = 3 * (y * png.width + x);
      if (png.data[i] === rgb[0] && png.data[i + 1] === rgb[1] && png.data[i + 2] === rgb[2]) n++;
    }
  }
  return n;
}

Deno.test("stack preview: 0° section, noisy beside noise-free, markers circled", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ets_preview_" });
  try {
    const out = `${dir}/preview.png`;
    // bead (−20, 15, 0) nm at 0°: pixel (56.8, 180.5)
    const marker = { x: -20 / 0.28302 + 127.5, y: 15 / 0.28302 + 127.5 };
    await writeStackPreview({
      noisy: `${REF}/tiltseries.mrc`,
      noiseFree: `${REF}/tiltseries_nonoise.mrc`,
      out,
      markers: [marker, { x: NaN, y: 0 }, { x: 5000, y: 5000 }],
    });
    const png = decodePng(await Deno.readFile(out));
    assertEquals([png.width, png.height], [6 + 2 * 262, 6 + 256 + 22 + 6]);
    const yellow = [255, 200, 0];
    const left = countColor(png, yellow, 0, 265), right = countColor(png, yellow, 265, 530);
    assert(left > 20 && right > 20, `marker pixels ${left} ${right}`);
    // the circle is centred on the marker: picture (6 + 56.8, 6 + 255 − 180.5)
    const cx = 6 + marker.x, cy = 6 + 255 - marker.y;
    let sx = 0, sy = 0, n = 0;
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < 265; x++) {
        const i = 3 * (y * png.width + x);
        if (png.data[i] === 255 && png.data[i + 1] === 200 && png.data[i + 2] === 0) {
          sx += x;
          sy += y;
          n++;
        }
      }
    }
    assertAlmostEquals(sx / n, cx, 0.6);
    assertAlmostEquals(sy / n, cy, 0.6);
    // without markers: no yellow; another section on request
    await writeStackPreview({
      noisy: `${REF}/tiltseries.mrc`,
      noiseFree: `${REF}/tiltseries_nonoise.mrc`,
      out,
      section: 0,
    });
    assertEquals(countColor(decodePng(await Deno.readFile(out)), yellow, 0, 530), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

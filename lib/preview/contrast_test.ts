import { assert } from "../testing/mod.ts";
import { previewImage } from "./stack_preview.ts";
import type { FloatImage } from "./stretch.ts";

/** A 200 × 200 noise-free-like image: ice at 0, weak particles (−1) and one dense bead (−60). */
function scene(): {
  image: FloatImage;
  particles: { x: number; y: number }[];
  bead: { x: number; y: number };
} {
  const width = 200, height = 200;
  const data = new Float32Array(width * height);
  const particles = [{ x: 40, y: 40 }, { x: 150, y: 60 }, { x: 80, y: 150 }];
  const bead = { x: 120, y: 120 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (const p of particles) if (Math.hypot(x - p.x, y - p.y) < 4) v = -1;
      if (Math.hypot(x - bead.x, y - bead.y) < 12) v = -60;
      else if (Math.hypot(x - bead.x, y - bead.y) < 16) v = 20; // a bright fringe
      data[y * width + x] = v;
    }
  }
  return { image: { width, height, data }, particles, bead };
}

/** Grey level of the picture's first panel at image pixel (x, y) (panels start at 6, 6; y up). */
function grey(picture: ReturnType<typeof previewImage>, x: number, y: number): number {
  const px = 6 + x, py = 6 + (199 - y);
  return picture.data[(py * picture.width + px) * 3]!;
}

Deno.test("preview: contrast is scaled to the particles, not to the gold beads", () => {
  const { image, particles, bead } = scene();
  const plain = previewImage(image, image, { section: 0 });
  const scaled = previewImage(image, image, {
    section: 0,
    markers: particles,
    ignore: [bead],
  });
  const centre = particles[0]!;
  const background = { x: 10, y: 100 };
  // percentiles of the whole image: the bead sets black, the particles barely differ from ice
  const plainStep = grey(plain, background.x, background.y) - grey(plain, centre.x, centre.y);
  // scaled to the particles: particle cores dark, ice light, the bead simply saturates
  const scaledStep = grey(scaled, background.x, background.y) - grey(scaled, centre.x, centre.y);
  assert(plainStep < 30, `whole-image stretch step ${plainStep}`);
  assert(scaledStep > 150, `particle stretch step ${scaledStep}`);
  assert(grey(scaled, bead.x, bead.y) === 0);
});

import { assertEquals, assertStringIncludes } from "../testing/mod.ts";
import { etaText, Progress, tiltProgressReader } from "./progress.ts";

Deno.test("progress: bar, failures, running, ETA; plain lines when not a TTY", () => {
  let now = 0;
  const out: string[] = [];
  const progress = new Progress({
    total: 4,
    alreadyDone: 1,
    mode: "plain",
    write: (text) => out.push(text),
    now: () => now,
    intervalMs: 0,
    width: 8,
    workers: 2,
  });
  progress.started(1);
  progress.started(2);
  assertStringIncludes(progress.status(), "2 running, ETA --:--:--");
  now = 10_000;
  progress.done(1);
  // stack 2 has run 10 s of a 10 s stack; the queued stack takes 10 s on the free worker
  assertEquals(out.pop(), "stack 1 done: [####....] 2/4 stacks, 1 running, ETA 0:00:10\n");
  progress.failed(2);
  assertStringIncludes(
    out.pop() ?? "",
    "stack 2 FAILED: [######..] 2/4 stacks, 1 failed, ETA 0:00:10",
  );
  progress.stop();
  assertEquals(etaText(1000, 0, 3), "--:--:--");
  assertEquals(etaText(3_600_000, 1, 2), "2:00:00");
});

Deno.test("progress: a long stack reports tilts done; the ETA follows the measured tilt time", () => {
  let now = 0;
  const progress = new Progress({
    total: 1,
    alreadyDone: 0,
    mode: "none",
    now: () => now,
    intervalMs: 0,
  });
  progress.started(0);
  now = 2_000; // 2 s of assembly, then the engine: 41 tilts of 2 s
  progress.tilts(0, 0, 41);
  assertStringIncludes(progress.status(), "1 running (tilts 0/41), ETA --:--:--");
  for (let tilt = 1; tilt <= 40; tilt++) {
    now = 2_000 + tilt * 2_000;
    progress.tilts(0, tilt, 41);
  }
  // one tilt of 2 s left, half of it elapsed: 1 s, not minutes
  now += 1_000;
  assertStringIncludes(progress.status(), "(tilts 40/41), ETA 0:00:01");
  now += 1_000;
  progress.tilts(0, 41, 41);
  progress.done(0);
  assertStringIncludes(progress.status(), "1/1 stacks, ETA 0:00:00");
});

Deno.test("progress: with stacks done, queued stacks are counted at the measured stack time", () => {
  let now = 0;
  const progress = new Progress({
    total: 4,
    alreadyDone: 0,
    mode: "none",
    now: () => now,
    intervalMs: 0,
    workers: 1,
  });
  progress.started(0);
  now = 1_000;
  progress.tilts(0, 0, 3);
  for (const tilt of [1, 2, 3]) {
    now = 1_000 + tilt * 3_000;
    progress.tilts(0, tilt, 3);
  }
  now = 11_000; // 11 s stacks: 1 s before, 9 s of tilts, 1 s after
  progress.done(0);
  progress.started(1);
  now = 12_000;
  progress.tilts(1, 0, 3);
  now = 15_000;
  progress.tilts(1, 1, 3);
  // stack 1: 2 tilts of 3 s left; 2 queued stacks of 11 s; one worker
  assertStringIncludes(progress.status(), "(tilts 1/3), ETA 0:00:28");
});

Deno.test("progress: tilts are read from the engine's stdout, one per detector pair", () => {
  const reports: number[] = [];
  const read = tiltProgressReader(3, 2, (done, tilts) => {
    assertEquals(tilts, 3);
    reports.push(done);
  });
  for (
    const line of [
      "Computing projection number 1.",
      "Detector image number 1 written to file demo.mrc.",
      "Detector image number 1 written to file demo_nonoise.mrc.",
      "Detector image number 2 written to file demo.mrc.",
      "Simulation complete.",
      "Detector image number 2 written to file demo_nonoise.mrc.",
    ]
  ) read(line);
  assertEquals(reports, [1, 2]);
});

Deno.test("progress: a TTY bar is redrawn in place", () => {
  const out: string[] = [];
  const progress = new Progress({
    total: 2,
    alreadyDone: 0,
    mode: "tty",
    write: (t) => out.push(t),
    intervalMs: 0,
  });
  progress.started(0);
  progress.printLine("a warning");
  assertEquals(out.some((t) => t.startsWith("\r\x1b[2Ka warning\n")), true);
  progress.stop();
  assertEquals(out[out.length - 1], "\n");
});

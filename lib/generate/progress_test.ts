import { assertEquals, assertStringIncludes } from "../testing/mod.ts";
import { etaText, Progress } from "./progress.ts";

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
  });
  progress.started(1);
  progress.started(2);
  now = 10_000;
  progress.done(1);
  assertEquals(out.pop(), "stack 1 done: [####....] 2/4 stacks, 1 running, ETA 0:00:20\n");
  progress.failed(2);
  assertStringIncludes(
    out.pop() ?? "",
    "stack 2 FAILED: [######..] 2/4 stacks, 1 failed, ETA 0:00:05",
  );
  progress.stop();
  assertEquals(etaText(1000, 0, 3), "--:--:--");
  assertEquals(etaText(3_600_000, 1, 2), "2:00:00");
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

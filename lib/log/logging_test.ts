import { assertEquals, assertMatch } from "../testing/mod.ts";
import { forwardRecord, getLogger, setupLogging } from "./logging.ts";
import type { SerializedLogRecord } from "./logging.ts";

type WorkerMessage = { type: "log"; record: SerializedLogRecord } | {
  type: "done";
};

Deno.test("a record travels from a worker through postMessage into the central log file", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/run.log`;
  const close = await setupLogging({
    file,
    console: false,
    startTime: Date.now(),
  });
  try {
    getLogger(["generate"]).info("Starting {stacks} stacks", { stacks: 2 });
    const worker = new Worker(
      new URL("./testdata/log_worker.ts", import.meta.url),
      {
        type: "module",
      },
    );
    await new Promise<void>((resolve, reject) => {
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
      worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
        if (event.data.type === "log") forwardRecord(event.data.record);
        else resolve();
      };
      worker.postMessage({ source: "worker-1" });
    });
    worker.terminate();
  } finally {
    await close();
  }
  const lines = (await Deno.readTextFile(file)).trimEnd().split("\n");
  assertEquals(lines.length, 3);
  assertMatch(
    lines[0]!,
    /^0:00:\d\d\.\d{6} main generate INFO Starting 2 stacks$/,
  );
  assertMatch(
    lines[1]!,
    /^0:00:\d\d\.\d{6} worker-1 assembler INFO Assembled particle 3$/,
  );
  assertMatch(
    lines[2]!,
    /^0:00:\d\d\.\d{6} worker-1 assembler WARNING Retrying stack 7$/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the log file is never written through a symbolic link planted at its name", async () => {
  const dir = await Deno.makeTempDir();
  const outside = await Deno.makeTempDir();
  await Deno.writeTextFile(`${outside}/victim`, "precious\n");
  await Deno.symlink(`${outside}/victim`, `${dir}/run.log`);
  let message = "";
  try {
    await setupLogging({ file: `${dir}/run.log`, console: false });
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  assertMatch(message, /Cannot write ".*run\.log": it is a symbolic link/);
  assertEquals(await Deno.readTextFile(`${outside}/victim`), "precious\n");
  // an existing plain log is appended to
  await Deno.remove(`${dir}/run.log`);
  await Deno.writeTextFile(`${dir}/run.log`, "earlier\n");
  const close = await setupLogging({ file: `${dir}/run.log`, console: false });
  getLogger(["generate"]).info("again");
  await close();
  assertMatch(
    await Deno.readTextFile(`${dir}/run.log`),
    /^earlier\n.* INFO again\n$/,
  );
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(outside, { recursive: true });
});

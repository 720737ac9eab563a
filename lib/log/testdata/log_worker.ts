// A Web Worker used by logging_test.ts: logs two records through the worker-side logger.
import { getLogger, setupWorkerLogging } from "../mod.ts";

const self = globalThis as unknown as Worker;
self.onmessage = async (event: MessageEvent<{ source: string }>) => {
  const close = await setupWorkerLogging(event.data.source, (record) => {
    self.postMessage({ type: "log", record });
  });
  const logger = getLogger(["assembler"]);
  logger.info("Assembled particle {n}", { n: 3 });
  logger.warn("Retrying stack 7");
  await close();
  self.postMessage({ type: "done" });
};

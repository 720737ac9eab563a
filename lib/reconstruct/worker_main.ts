/**
 * The body of a back-projection worker (workers/reconstruct_worker.ts): receives the shared
 * filtered images once, then computes the z slabs it is sent. Needs no permissions.
 *
 * @module
 */
import { type BackprojectionSetup, backprojectSlab } from "./backproject.ts";
import type { ReconstructRequest, ReconstructResponse } from "./worker_protocol.ts";

/** Handles one request; `post` sends the reply (with transfers). Needs no permissions. */
export function createReconstructWorker(
  post: (message: ReconstructResponse, transfer?: Transferable[]) => void,
  close: () => void,
): (message: ReconstructRequest) => void {
  let setup: BackprojectionSetup | undefined;
  return (message) => {
    try {
      switch (message.type) {
        case "init":
          setup = {
            images: new Float32Array(message.images),
            tilts: message.tilts,
            grid: message.grid,
          };
          post({ type: "ready" });
          break;
        case "slab": {
          if (setup === undefined) throw new Error("the worker is not initialised");
          const data = backprojectSlab(setup, message.first, message.count);
          post(
            { type: "slab", id: message.id, first: message.first, count: message.count, data },
            [data.buffer as ArrayBuffer],
          );
          break;
        }
        case "stop":
          close();
          break;
      }
    } catch (error) {
      post({
        type: "error",
        message: error instanceof Error ? error.message : String(error),
        stack: error instanceof Error ? error.stack : undefined,
      });
    }
  };
}

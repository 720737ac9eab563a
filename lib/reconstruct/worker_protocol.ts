/**
 * Messages between a reconstruction and its back-projection workers (one discriminated union
 * each way). The filtered images travel once, in a SharedArrayBuffer; slabs come back as
 * transferred buffers.
 *
 * @module
 */
import type { ProjectionTilt } from "./backproject.ts";
import type { VolumeGrid } from "./grid.ts";

/** Main thread → worker. */
export type ReconstructRequest =
  | {
    type: "init";
    /** Filtered binned images (grid.nx·grid.ny float32 per tilt), shared. */
    images: SharedArrayBuffer;
    tilts: ProjectionTilt[];
    grid: VolumeGrid;
  }
  | { type: "slab"; id: number; first: number; count: number }
  | { type: "stop" };

/** Worker → main thread. */
export type ReconstructResponse =
  | { type: "ready" }
  | { type: "slab"; id: number; first: number; count: number; data: Float32Array }
  | { type: "error"; message: string; stack?: string };

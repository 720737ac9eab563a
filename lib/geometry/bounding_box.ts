/**
 * The axis-aligned bounding box of a set of points (atoms, particle centres).
 *
 * @module
 */

/** A box from `lo` to `hi` per axis. */
export interface BoundingBox {
  lo: [number, number, number];
  hi: [number, number, number];
}

/**
 * The smallest box holding every point; for no points, lo = +∞ and hi = −∞ on every axis.
 * Needs no permissions.
 *
 * @example
 * ```ts
 * boundingBox([{ x: 1, y: 2, z: 3 }, { x: -1, y: 0, z: 5 }]); // lo [-1, 0, 3], hi [1, 2, 5]
 * ```
 */
export function boundingBox(points: Iterable<{ x: number; y: number; z: number }>): BoundingBox {
  const lo: [number, number, number] = [Infinity, Infinity, Infinity];
  const hi: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (const { x, y, z } of points) {
    if (x < lo[0]) lo[0] = x;
    if (x > hi[0]) hi[0] = x;
    if (y < lo[1]) lo[1] = y;
    if (y > hi[1]) hi[1] = y;
    if (z < lo[2]) lo[2] = z;
    if (z > hi[2]) hi[2] = z;
  }
  return { lo, hi };
}

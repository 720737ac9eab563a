/**
 * Volume data as Chimera holds it: a regular grid (size, origin, step; 90° cell angles) of
 * values of one numeric type, x fastest. Values are stored as float32 whatever the type; integer
 * types hold integer values in range.
 *
 * @module
 */
import type { Vector3 } from "./transform.ts";

/** The value types `valueType` options accept (numpy names). */
export const VALUE_TYPES = [
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "float32",
  "float64",
] as const;

/** A value type of volume data. */
export type ValueType = typeof VALUE_TYPES[number];

/** A regular grid of values: grid point `i,j,k` sits at local `origin + (i,j,k)∘step` (Å). */
export interface VolumeGrid {
  /** Grid points along x, y, z. */
  size: [number, number, number];
  /** Local coordinates (Å) of grid point 0,0,0. */
  origin: Vector3;
  /** Spacing (Å) along x, y, z. */
  step: Vector3;
  /** The numeric type the values represent. */
  valueType: ValueType;
  /** The values, x fastest: index `(k·ny + j)·nx + i`. */
  data: Float32Array;
}

/** Largest grid (in values) a command may create: 2^31 bytes of float32. */
export const MAX_GRID_VALUES = 2 ** 29;

/** The number of grid points of `size`. Needs no permissions. */
export function voxelCount(size: readonly [number, number, number]): number {
  return size[0] * size[1] * size[2];
}

/** The range of an integer value type, or undefined for float types. Needs no permissions. */
export function integerRange(type: ValueType): [number, number] | undefined {
  switch (type) {
    case "int8":
      return [-128, 127];
    case "uint8":
      return [0, 255];
    case "int16":
      return [-32768, 32767];
    case "uint16":
      return [0, 65535];
    case "int32":
      return [-2147483648, 2147483647];
    case "uint32":
      return [0, 4294967295];
    default:
      return undefined;
  }
}

/**
 * Converts float values to `type` in place as numpy's `astype` after clipping: clamp to the
 * type's range, then truncate toward zero (NaN becomes 0). Float types are left alone.
 * Needs no permissions.
 */
export function castValues(data: Float32Array, type: ValueType): void {
  const range = integerRange(type);
  if (range === undefined) return;
  const [lo, hi] = range;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    data[i] = v >= hi ? hi : v <= lo ? lo : v === v ? Math.trunc(v) : 0;
  }
}

/**
 * Adds `values` (already of `type`) into `sum` with the type's arithmetic: integer sums wrap
 * around like numpy's in-place add, float32 sums round to float32. Needs no permissions.
 */
export function addValues(sum: Float32Array, values: Float32Array, type: ValueType): void {
  const range = integerRange(type);
  if (range === undefined) {
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + values[i]!;
    return;
  }
  const [lo, hi] = range;
  const span = hi - lo + 1;
  for (let i = 0; i < sum.length; i++) {
    let v = sum[i]! + values[i]!;
    if (v > hi || v < lo) v = ((((v - lo) % span) + span) % span) + lo;
    sum[i] = v;
  }
}

/** Parses a `valueType` option value. Returns undefined when unknown. Needs no permissions. */
export function parseValueType(text: string): ValueType | undefined {
  const lower = text.toLowerCase();
  const alias: Record<string, ValueType> = {
    float: "float32",
    single: "float32",
    double: "float64",
  };
  if (lower in alias) return alias[lower];
  return (VALUE_TYPES as readonly string[]).includes(lower) ? lower as ValueType : undefined;
}

/** Whether two grids have the same size, origin and step (exactly). Needs no permissions. */
export function sameGridGeometry(a: VolumeGrid, b: VolumeGrid): boolean {
  for (let axis = 0; axis < 3; axis++) {
    if (a.size[axis] !== b.size[axis]) return false;
    if (a.origin[axis] !== b.origin[axis] || a.step[axis] !== b.step[axis]) return false;
  }
  return true;
}

/** A copy of `grid` with other data (same geometry). Needs no permissions. */
export function withData(grid: VolumeGrid, data: Float32Array, valueType?: ValueType): VolumeGrid {
  return {
    size: [...grid.size],
    origin: [...grid.origin],
    step: [...grid.step],
    valueType: valueType ?? grid.valueType,
    data,
  };
}

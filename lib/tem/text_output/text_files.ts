/**
 * The text outputs of spec §4.2: tilt angles (geom_file_out), geometry errors (error_file_out),
 * doses (dose_file_out), defocus values (defocus_file_out) and particle coordinates
 * (coord_file_out), in TEM-Simulator's §1.3 layout. Writes are atomic.
 *
 * @module
 */
import { writeFileAtomic } from "../../platform/mod.ts";
import { formatTextTable } from "./format.ts";
import type { GeometryError, ParticleCoordinate, TiltAngles } from "./types.ts";

/** The tilt-angle table (`psi theta phi`, deg), one row per tilt. Needs no permissions. */
export function formatTiltAngleTable(tilts: readonly TiltAngles[]): string {
  return formatTextTable(
    ["psi", "theta", "phi"],
    tilts.map((tilt) => [tilt.psi, tilt.theta, tilt.phi]),
  );
}

/**
 * The geometry-error table (`rot axis ang` deg, `x y` nm), one row per tilt.
 * Needs no permissions.
 */
export function formatGeometryErrorTable(errors: readonly GeometryError[]): string {
  return formatTextTable(
    ["rot", "axis", "ang", "x", "y"],
    errors.map((error) => [error.rot, error.axis, error.ang, error.x, error.y]),
  );
}

/** The dose table (`dose`, e/nm²), one row per tilt. Needs no permissions. */
export function formatDoseTable(doses: readonly number[]): string {
  return formatTextTable(["dose"], doses.map((dose) => [dose]));
}

/** The defocus table (`defocus`, µm, positive = underfocus), one row per tilt. Needs no permissions. */
export function formatDefocusTable(defocus: readonly number[]): string {
  return formatTextTable(["defocus"], defocus.map((value) => [value]));
}

/**
 * The particle coordinate table (`x y z` nm, `phi theta psi` deg), one row per particle.
 * Needs no permissions.
 */
export function formatCoordinateTable(coordinates: readonly ParticleCoordinate[]): string {
  return formatTextTable(
    ["x", "y", "z", "phi", "theta", "psi"],
    coordinates.map((c) => [c.x, c.y, c.z, c.phi, c.theta, c.psi]),
  );
}

/** Writes geom_file_out atomically. Needs --allow-write on the folder of PATH. */
export async function writeTiltAngleFile(
  path: string,
  tilts: readonly TiltAngles[],
): Promise<void> {
  await writeFileAtomic(path, formatTiltAngleTable(tilts));
}

/** Writes error_file_out atomically. Needs --allow-write on the folder of PATH. */
export async function writeGeometryErrorFile(
  path: string,
  errors: readonly GeometryError[],
): Promise<void> {
  await writeFileAtomic(path, formatGeometryErrorTable(errors));
}

/** Writes dose_file_out atomically. Needs --allow-write on the folder of PATH. */
export async function writeDoseFile(path: string, doses: readonly number[]): Promise<void> {
  await writeFileAtomic(path, formatDoseTable(doses));
}

/** Writes defocus_file_out atomically. Needs --allow-write on the folder of PATH. */
export async function writeDefocusFile(path: string, defocus: readonly number[]): Promise<void> {
  await writeFileAtomic(path, formatDefocusTable(defocus));
}

/** Writes coord_file_out atomically. Needs --allow-write on the folder of PATH. */
export async function writeCoordinateFile(
  path: string,
  coordinates: readonly ParticleCoordinate[],
): Promise<void> {
  await writeFileAtomic(path, formatCoordinateTable(coordinates));
}

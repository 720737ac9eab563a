/**
 * `ets inspect`'s logic: a text report of an MRC file (header, statistics, per-tilt table) and
 * its montage PNG.
 *
 * @module
 */
import { type MrcHeader, readMrcHeader, readMrcTiltAngles } from "../mrc/mod.ts";
import { runtimeError } from "../errors/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";
import { type MrcScan, scanMrc, type ValueStats } from "./mrc_scan.ts";
import { seriesMontage, volumeMontage } from "./montage.ts";
import { encodePng } from "./png.ts";
import type { MontageKind } from "./types.ts";

/** Whether a file is shown as a tilt series or a volume, and why. */
export interface KindDecision {
  /** The kind. */
  kind: MontageKind;
  /** Why, in words. */
  reason: string;
}

/**
 * Tilt series or volume: `forced` wins; else tilt angles in the extended header → series; else
 * ISPG 0 (image stack) → series; else a single section → series; else volume.
 * Needs no permissions.
 */
export function detectKind(
  header: MrcHeader,
  tiltAngles: number[] | undefined,
  forced?: MontageKind,
): KindDecision {
  if (forced) return { kind: forced, reason: `--${forced} given` };
  if (tiltAngles && tiltAngles.length > 0) {
    return { kind: "series", reason: "tilt angles in the extended header" };
  }
  if (header.ispg === 0) return { kind: "series", reason: "ISPG 0 (image stack)" };
  if (header.nz === 1) return { kind: "series", reason: "a single section" };
  return { kind: "volume", reason: `ISPG ${header.ispg} (volume)` };
}

const MODE_NAMES: Record<number, string> = {
  0: "int8",
  1: "int16",
  2: "float32",
  6: "uint16",
  12: "float16",
};

function num(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) return v.toExponential(digits);
  return Number(v.toFixed(digits)).toString();
}

function vec(v: { x: number; y: number; z: number }): string {
  return `${num(v.x)} ${num(v.y)} ${num(v.z)}`;
}

function statsLine(s: ValueStats): string {
  return `min ${num(s.min)}  max ${num(s.max)}  mean ${num(s.mean)}  sd ${num(s.sd)}`;
}

/** The text report of a scan (pure). Needs no permissions. */
export function formatInspectReport(path: string, scan: MrcScan, kind: KindDecision): string {
  const h = scan.header;
  const lines: string[] = [];
  lines.push(`File:            ${path}`);
  lines.push(`Size:            ${h.nx} x ${h.ny} x ${h.nz}`);
  lines.push(
    `Mode:            ${h.mode} (${MODE_NAMES[h.mode] ?? "unknown"}), ${
      h.littleEndian ? "little" : "big"
    }-endian`,
  );
  lines.push(`Voxel size (A):  ${vec(h.voxelSize)}`);
  lines.push(`Cell (A):        ${vec(h.cella)}   sampling ${h.mx} ${h.my} ${h.mz}`);
  lines.push(`Origin (A):      ${vec(h.origin)}   start ${h.nxstart} ${h.nystart} ${h.nzstart}`);
  lines.push(`Axes:            MAPC ${h.mapc}  MAPR ${h.mapr}  MAPS ${h.maps}`);
  lines.push(`Space group:     ${h.ispg}`);
  lines.push(
    `Extended header: ${h.extendedHeaderBytes} bytes` +
      (h.exttyp ? `, EXTTYP "${h.exttyp}"` : "") + `, NVERSION ${h.nversion}`,
  );
  lines.push(
    `Header stats:    min ${num(h.dmin)}  max ${num(h.dmax)}  mean ${num(h.dmean)}  rms ${
      num(h.rms)
    }`,
  );
  h.labels.forEach((label, i) =>
    lines.push(`Label ${i + 1}:${" ".repeat(i + 1 >= 10 ? 8 : 9)}${label}`)
  );
  for (const w of h.warnings ?? []) lines.push(`Warning:         ${w}`);
  const angles = scan.tiltAngles;
  if (angles && angles.length > 0) {
    const lo = Math.min(...angles), hi = Math.max(...angles);
    lines.push(`Tilt angles:     ${angles.length}, from ${num(lo, 2)} to ${num(hi, 2)} deg`);
  }
  lines.push(
    `Shown as:        ${kind.kind === "series" ? "tilt series" : "volume"} (${kind.reason})`,
  );
  lines.push(`Statistics:      ${statsLine(scan.stats)}`);
  if (scan.percentiles) {
    const p = scan.percentiles;
    lines.push(
      `Percentiles:     ${num(p.lowPct, 2)}% ${num(p.low)}  ${num(p.highPct, 2)}% ${num(p.high)}`,
    );
  }
  if (scan.stats.nonFinite > 0) lines.push(`Non-finite:      ${scan.stats.nonFinite} values`);
  if (kind.kind === "series" && h.nz > 1) {
    lines.push("");
    lines.push("section   angle        min          max          mean         sd");
    scan.sections.forEach((s, i) => {
      const a = angles?.[i];
      lines.push(
        [
          String(i).padStart(7),
          (a === undefined ? "-" : a.toFixed(2)).padStart(7),
          num(s.min).padStart(12),
          num(s.max).padStart(12),
          num(s.mean).padStart(12),
          num(s.sd).padStart(12),
        ].join(" "),
      );
    });
  }
  return lines.join("\n") + "\n";
}

/** Options of inspectMrc. */
export interface InspectOptions {
  /** Write the montage PNG here. */
  png?: string;
  /** Force the kind. */
  kind?: MontageKind;
  /** Longest side of a montage tile / slice panel, px (default 256 for series, 512 for volumes). */
  tileSize?: number;
  /** Contrast stretch percentiles (default 1 and 99). */
  lowPct?: number;
  /** Upper percentile. */
  highPct?: number;
}

/**
 * Inspects an MRC file: returns the report and, with `png`, writes the montage (tilt series: a
 * grid of every tilt with its angle; volume: central XY/XZ/YZ slices; per-panel percentile
 * stretch). Needs --allow-read on `path` and --allow-write on the PNG's folder.
 */
export async function inspectMrc(
  path: string,
  options: InspectOptions = {},
): Promise<{ report: string; kind: KindDecision; scan: MrcScan }> {
  const header = await readMrcHeader(path);
  const kind = detectKind(header, await readMrcTiltAngles(path), options.kind);
  const wantPng = options.png !== undefined;
  const scan = await scanMrc(path, {
    seriesTileSize: wantPng && kind.kind === "series" ? options.tileSize ?? 256 : undefined,
    volumePanelSize: wantPng && kind.kind === "volume" ? options.tileSize ?? 512 : undefined,
    percentiles: [options.lowPct ?? 1, options.highPct ?? 99],
  });
  if (options.png !== undefined) {
    const stretch = { lowPct: options.lowPct, highPct: options.highPct };
    let image;
    if (kind.kind === "series") image = seriesMontage(scan.tiles ?? [], scan.tiltAngles, stretch);
    else if (scan.slices) image = volumeMontage(scan.slices, stretch);
    else throw runtimeError(`Cannot draw "${path}": no slices were read`, { file: path });
    await writeFileAtomic(options.png, encodePng(image));
  }
  return { report: formatInspectReport(path, scan, kind), kind, scan };
}

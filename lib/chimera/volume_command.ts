/**
 * `volume spec [save FILE] [saveFormat f] [origin x,y,z] [originIndex i,j,k] [voxelSize s]` and
 * display options (accepted, no effect). Saving writes MRC2014 (mode 2) via lib/mrc, atomically;
 * the model position is not written (Chimera 1 behaviour).
 *
 * @module
 */
import type { CommandContext } from "./command_context.ts";
import type { MapFile } from "./file_access.ts";
import {
  CommandError,
  type OptionKind,
  type Options,
  parseBoolean,
  parseOptions,
  parseVector3,
} from "./command_syntax.ts";
import { selectVolumes, type VolumeModel } from "./session.ts";
import type { Vector3 } from "./transform.ts";
import type { VolumeGrid } from "./volume_grid.ts";
import { runOperation, type VopOperation, vopOperation } from "./vop_command.ts";

/** Display-only options: accepted and ignored (they change nothing the server saves). */
const DISPLAY_VALUE_OPTIONS = [
  "level",
  "sdLevel",
  "rmsLevel",
  "encloseVolume",
  "fastEncloseVolume",
  "style",
  "color",
  "brightness",
  "transparency",
  "step",
  "showOutlineBox",
  "surfaceSmoothing",
  "capFaces",
  "limitVoxelCount",
  "voxelLimit",
  "dimTransparency",
  "meshLighting",
  "squareMesh",
  "maximumIntensityProjection",
  "colorMode",
  "projectionMode",
  "initialColors",
  "planes",
];

const OPTIONS: Record<string, OptionKind> = {
  save: "value",
  saveFormat: "value",
  origin: "value",
  originIndex: "value",
  voxelSize: "value",
  region: "value",
  show: "flag",
  hide: "flag",
  unshow: "flag",
  ...Object.fromEntries(DISPLAY_VALUE_OPTIONS.map((name) => [name, "value" as OptionKind])),
};

/** The save format of `path` (or `format`): MRC for .mrc/.mrcs/.st/.rec, CCP4 for .map/.ccp4. */
function saveFormat(path: string, format: string | undefined): "mrc" | "ccp4" {
  const f = (format ?? path.slice(path.lastIndexOf(".") + 1)).toLowerCase();
  if (["mrc", "mrcs", "st", "rec", "ali"].includes(f)) return "mrc";
  if (["map", "ccp4"].includes(f)) return "ccp4";
  throw new CommandError(
    `Cannot save "${path}": unknown or unsupported format "${f}" (use .mrc, .map or .ccp4)`,
  );
}

/**
 * The MRC file of a volume's grid (origin and step; the position is not written).
 * Needs no permissions.
 */
export function volumeFile(model: VolumeModel, label: string): MapFile {
  const g = model.grid;
  return {
    size: g.size,
    data: g.data,
    options: {
      voxelSize: { x: g.step[0], y: g.step[1], z: g.step[2] },
      origin: { x: g.origin[0], y: g.origin[1], z: g.origin[2] },
      labels: [label],
    },
  };
}

/** The vop operation a ChimeraX `volume <operation>` word names (`flip` is `zFlip`). */
function volumeOperation(word: string): VopOperation {
  const op = vopOperation(word) ?? (word.toLowerCase() === "flip" ? "zFlip" as const : undefined);
  if (op === undefined) throw new CommandError(`volume: unknown operation "${word}"`);
  return op;
}

/** Removes ChimeraX's `axis z` from `volume flip`'s options: only the z axis is supported. */
function dropFlipAxis(rest: string[]): void {
  const axisAt = rest.findIndex((t) => t.toLowerCase() === "axis");
  if (axisAt >= 0) {
    if (rest[axisAt + 1]?.toLowerCase() !== "z") {
      throw new CommandError(`volume flip: only axis z is supported`);
    }
    rest.splice(axisAt, 2);
  }
}

/** `volume <operation> #spec… options…`: ChimeraX's spelling of a vop operation. */
function volumeOperationCommand(ctx: CommandContext, tokens: string[]): void {
  const op = volumeOperation(tokens[0]!);
  const rest = tokens.slice(1);
  const specs: string[] = [];
  while (rest[0] !== undefined && rest[0].startsWith("#")) specs.push(rest.shift()!);
  if (specs.length === 0) throw new CommandError(`volume ${op}: no volumes specified`);
  if (op === "zFlip") dropFlipAxis(rest);
  runOperation(ctx, op, specs.join(""), rest);
}

/**
 * Checks the options that change nothing saved: `region` must be `all`, and `showOutlineBox` and
 * `capFaces` booleans.
 */
function checkDisplayOptions(options: Options): void {
  const region = options.get("region");
  if (region !== undefined && region.toLowerCase() !== "all") {
    throw new CommandError(`volume region "${region}" is not supported (only "all")`);
  }
  for (const name of ["showOutlineBox", "capFaces"]) {
    const v = options.get(name);
    if (v !== undefined) parseBoolean(v, name);
  }
}

/** `voxelSize s|x,y,z` (positive): sets a grid's step, scaling its origin with it. */
function applyVoxelSize(g: VolumeGrid, text: string): void {
  const s = parseVector3(text, "voxelSize", true);
  if (s.some((x) => !(x > 0))) {
    throw new CommandError(`voxelSize must be positive, got "${text}"`);
  }
  g.origin = [0, 1, 2].map((a) => g.origin[a]! / g.step[a]! * s[a]!) as Vector3;
  g.step = s;
}

/** `originIndex i,j,k`: sets a grid's origin so that grid index i,j,k sits at 0. */
function applyOriginIndex(g: VolumeGrid, text: string): void {
  const ijk = parseVector3(text, "originIndex", true);
  g.origin = [0, 1, 2].map((a) => -ijk[a]! * g.step[a]! + 0) as Vector3;
}

/** Applies `voxelSize`, `origin` and `originIndex`, in that order, to one volume's grid. */
function applyGeometry(g: VolumeGrid, options: Options): void {
  const voxelText = options.get("voxelSize");
  const originText = options.get("origin");
  const indexText = options.get("originIndex");
  if (voxelText !== undefined) applyVoxelSize(g, voxelText);
  if (originText !== undefined) g.origin = parseVector3(originText, "origin", true);
  if (indexText !== undefined) applyOriginIndex(g, indexText);
}

/** `save FILE [saveFormat f]`: writes the one selected volume as MRC (nothing without `save`). */
async function saveVolume(
  ctx: CommandContext,
  volumes: VolumeModel[],
  options: Options,
): Promise<void> {
  const path = options.get("save");
  if (path === undefined) return;
  const format = saveFormat(path, options.get("saveFormat"));
  if (volumes.length !== 1) {
    throw new CommandError(`Cannot save ${volumes.length} volumes to one file "${path}"`);
  }
  const model = volumes[0]!;
  if (format === "ccp4" || format === "mrc") {
    await ctx.files.writeMrc(path, volumeFile(model, ctx.saveLabel()));
  }
}

/**
 * `volume spec options…` (and `volume add|scale|… spec` as ChimeraX spells vop).
 * Needs write access through ctx.files to save.
 */
export async function volumeCommand(ctx: CommandContext, tokens: string[]): Promise<void> {
  if (tokens.length === 0) throw new CommandError("volume: a volume specification is required");
  if (!tokens[0]!.startsWith("#")) {
    volumeOperationCommand(ctx, tokens);
    return;
  }
  const spec = tokens[0]!;
  const options = parseOptions("volume", tokens.slice(1), OPTIONS);
  const volumes = selectVolumes(ctx.session, spec);
  checkDisplayOptions(options);
  for (const v of volumes) applyGeometry(v.grid, options);
  await saveVolume(ctx, volumes, options);
}

/**
 * `open` (maps and atomic models) and `close`.
 *
 * @module
 */
import { decodeMrc, gridOrigin, type MrcVolume } from "../mrc/mod.ts";
import { atomicNumber, parseAtomicModel } from "../pdb/mod.ts";
import type { CommandContext } from "./command_context.ts";
import { CommandError, parseOptions } from "./command_syntax.ts";
import {
  type Model,
  modelLabel,
  type MoleculeModel,
  parseModelId,
  selectModels,
  type VolumeModel,
} from "./session.ts";
import type { Vector3 } from "./transform.ts";
import type { ValueType, VolumeGrid } from "./volume_grid.ts";

/** File formats `open` reads. */
type OpenFormat = "mrc" | "ccp4" | "pdb" | "mmcif";

const PREFIXES: Record<string, OpenFormat> = {
  mrc: "mrc",
  ccp4: "ccp4",
  pdb: "pdb",
  cif: "mmcif",
  mmcif: "mmcif",
};

const SUFFIXES: Record<string, OpenFormat> = {
  mrc: "mrc",
  mrcs: "mrc",
  rec: "mrc",
  st: "mrc",
  ali: "mrc",
  map: "ccp4",
  ccp4: "ccp4",
  pdb: "pdb",
  ent: "pdb",
  cif: "mmcif",
  mmcif: "mmcif",
};

/**
 * The format and the path of an `open` argument: a `format:` prefix, else the suffix (unknown
 * suffixes are PDB, as in Chimera 1). Compressed files are refused. Needs no permissions.
 */
export function openFormat(argument: string): { format: OpenFormat; path: string } {
  const m = argument.match(/^([A-Za-z0-9]+):(.+)$/);
  if (m !== null && m[1]!.toLowerCase() in PREFIXES) {
    return { format: PREFIXES[m[1]!.toLowerCase()]!, path: m[2]! };
  }
  const lower = argument.toLowerCase();
  if (/\.(gz|bz2|xz|zip)$/.test(lower)) {
    throw new CommandError(
      `Compressed file "${argument}" is not handled automatically; uncompress it first`,
    );
  }
  const suffix = lower.includes(".") ? lower.slice(lower.lastIndexOf(".") + 1) : "";
  return { format: SUFFIXES[suffix] ?? "pdb", path: argument };
}

/** The value type a map of MRC `mode` holds (mode 0 signed unless values exceed 127). */
function valueTypeOf(volume: MrcVolume): ValueType {
  switch (volume.header.mode) {
    case 0: {
      let max = -Infinity, min = Infinity;
      for (const v of volume.data) {
        if (v > max) max = v;
        if (v < min) min = v;
      }
      return max > 127 && min >= 0 ? "uint8" : "int8";
    }
    case 1:
      return "int16";
    case 6:
      return "uint16";
    default:
      return "float32";
  }
}

/** The base name of a path. */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * A volume grid from MRC bytes by Chimera's rules: step = CELLA/MXYZ (1 Å when undefined),
 * origin = header ORIGIN when set and sane (`mrc`), else NXSTART..NZSTART × step (`ccp4`
 * ignores ORIGIN). Throws CommandError for undecodable data. Needs no permissions.
 */
export function gridFromMrc(bytes: Uint8Array, name: string, format: "mrc" | "ccp4"): VolumeGrid {
  let volume: MrcVolume;
  try {
    volume = decodeMrc(bytes, name);
  } catch (error) {
    throw new CommandError(error instanceof Error ? error.message : String(error));
  }
  const h = volume.header;
  const positive = (v: number) => Number.isFinite(v) && v > 0 ? v : 1;
  const step: Vector3 = [
    positive(h.voxelSize.x),
    positive(h.voxelSize.y),
    positive(h.voxelSize.z),
  ];
  let origin: Vector3;
  if (format === "mrc") {
    const g = gridOrigin(h);
    origin = [g.x, g.y, g.z];
  } else {
    // CCP4 layout (.map/.ccp4): ORIGIN is not an origin; NXSTART..NZSTART × step.
    const limit = 10 * Math.max(h.mx, h.my, h.mz, h.nx, h.ny, h.nz);
    const starts = [h.nxstart, h.nystart, h.nzstart];
    origin = starts.some((s) => Math.abs(s) > limit)
      ? [0, 0, 0]
      : [h.nxstart * step[0], h.nystart * step[1], h.nzstart * step[2]];
  }
  const valueType = valueTypeOf(volume);
  return { size: [h.nx, h.ny, h.nz], origin, step, valueType, data: volume.data };
}

/** `open [noprefs] [nowildcard] [#N] [format:]file…`. Needs read access through ctx.files. */
export async function openCommand(ctx: CommandContext, tokens: string[]): Promise<void> {
  let requested: { id: number; subid?: number } | undefined;
  const files: string[] = [];
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (lower === "noprefs" || lower === "nowildcard") continue;
    if (token.startsWith("#") && files.length === 0 && requested === undefined) {
      requested = parseModelId(token, "open model number");
    } else files.push(token);
  }
  if (files.length === 0) throw new CommandError("open: no file name given");
  for (const argument of files) {
    const { format, path } = openFormat(argument);
    const bytes = await ctx.files.readFile(path);
    const { id, subid } = ctx.session.allocate(requested);
    const position = ctx.session.inheritedPosition(id);
    const name = baseName(path);
    let model: Model;
    if (format === "mrc" || format === "ccp4") {
      const grid = gridFromMrc(bytes, path, format);
      model = { kind: "volume", id, subid, name, position, grid } satisfies VolumeModel;
      ctx.info(
        `Opened ${name} as ${modelLabel(model)}, grid size ${grid.size.join(",")}, pixel ${
          grid.step.map((s) => Number(s.toPrecision(6))).join(",")
        }, value type ${grid.valueType}`,
      );
    } else {
      model = moleculeFromText(new TextDecoder().decode(bytes), path, id, subid, position, ctx);
      ctx.info(
        `Opened ${name} as ${modelLabel(model)}, ${model.atomicNumbers.length} atoms`,
      );
    }
    ctx.session.add(model);
  }
}

/** An atomic model from PDB or mmCIF text. */
function moleculeFromText(
  text: string,
  path: string,
  id: number,
  subid: number,
  position: Float64Array,
  ctx: CommandContext,
): MoleculeModel {
  let atoms;
  try {
    atoms = parseAtomicModel(text, path).atoms;
  } catch (error) {
    throw new CommandError(error instanceof Error ? error.message : String(error));
  }
  if (atoms.length === 0) throw new CommandError(`No atoms found in "${path}"`);
  const coords = new Float64Array(3 * atoms.length);
  const atomicNumbers = new Uint8Array(atoms.length);
  let unknown = 0;
  atoms.forEach((atom, i) => {
    coords[3 * i] = atom.x;
    coords[3 * i + 1] = atom.y;
    coords[3 * i + 2] = atom.z;
    const z = atomicNumber(atom.element);
    if (z === 0) unknown++;
    atomicNumbers[i] = z;
  });
  if (unknown > 0) {
    ctx.warn(`${unknown} atoms of "${path}" have an unknown element and get weight 0`);
  }
  return { kind: "molecule", id, subid, name: baseName(path), position, coords, atomicNumbers };
}

/** `close [#spec | all | session]`. Needs no permissions. */
export function closeCommand(ctx: CommandContext, tokens: string[]): void {
  if (tokens.length === 0) {
    ctx.session.remove(ctx.session.models);
    return;
  }
  if (tokens.length === 1 && tokens[0]!.toLowerCase() === "session") {
    ctx.session.clear();
    return;
  }
  if (tokens.length === 1 && tokens[0]!.toLowerCase() === "all") {
    ctx.session.remove(ctx.session.models);
    return;
  }
  const models: Model[] = [];
  for (const token of tokens) {
    if (!token.startsWith("#")) {
      parseOptions("close", [token], {});
    }
    models.push(...selectModels(ctx.session, token));
  }
  if (models.length === 0) ctx.info(`No models to close for "${tokens.join(" ")}"`);
  ctx.session.remove(models);
}

/**
 * `molmap atom-spec resolution [gridSpacing s] [edgePadding p] [onGrid #g] [cutoffRange r]
 * [sigmaFactor f] [displayThreshold m] [modelId N] [replace true|false]`.
 *
 * @module
 */
import type { CommandContext } from "./command_context.ts";
import {
  CommandError,
  type Options,
  parseBoolean,
  parseNumber,
  parseOptions,
} from "./command_syntax.ts";
import { molmapBoundingGrid, type MolmapGrid, sumOfGaussians } from "./molmap.ts";
import {
  modelLabel,
  type MoleculeModel,
  parseModelId,
  selectModels,
  selectOneVolume,
  type VolumeModel,
} from "./session.ts";
import { applyToPoint, invert, multiply, type Transform } from "./transform.ts";
import { MAX_GRID_VALUES, type VolumeGrid, voxelCount } from "./volume_grid.ts";

/** The keywords `molmap` accepts (Chimera's; some only to reject or ignore them). */
const MOLMAP_KEYWORDS = {
  gridSpacing: "value",
  edgePadding: "value",
  onGrid: "value",
  cutoffRange: "value",
  sigmaFactor: "value",
  displayThreshold: "value",
  modelId: "value",
  replace: "value",
  symmetry: "value",
  center: "value",
  axis: "value",
  coordinateSystem: "value",
  showDialog: "value",
} as const;

/** `molmap`'s arguments with Chimera's defaults applied. */
interface MolmapRequest {
  /** The atom specification (`#N…`). */
  spec: string;
  /** Map resolution (Å). */
  resolution: number;
  /** Grid spacing (Å). */
  step: number;
  /** Padding around the atoms' bounding box (Å). */
  pad: number;
  /** Gaussian cutoff in standard deviations. */
  cutoffRange: number;
  /** Gaussian width per unit resolution. */
  sigmaFactor: number;
  /** Whether an earlier molmap of the same atoms is replaced. */
  replace: boolean;
  /** The `onGrid` volume spec as written, if any. */
  onGridText?: string;
  /** The `modelId` option as written, if any. */
  modelIdText?: string;
}

/** Parses `molmap`'s atom spec, resolution and options, checking them in Chimera's order. */
function parseMolmapRequest(tokens: string[]): MolmapRequest {
  const spec = tokens[0];
  if (spec === undefined || !spec.startsWith("#")) {
    throw new CommandError("molmap: an atom specification (#N) is required");
  }
  if (tokens[1] === undefined) throw new CommandError("molmap: a resolution is required");
  const resolution = parseNumber(tokens[1], "resolution");
  if (!(resolution > 0)) throw new CommandError(`resolution must be positive, got "${tokens[1]}"`);
  const options = parseOptions("molmap", tokens.slice(2), MOLMAP_KEYWORDS);
  if (options.has("symmetry")) throw new CommandError("molmap symmetry is not supported");
  const step = optionalNumber(options, "gridSpacing", resolution / 3);
  const pad = optionalNumber(options, "edgePadding", 3 * resolution);
  const cutoffRange = optionalNumber(options, "cutoffRange", 5);
  const sigmaFactor = optionalNumber(options, "sigmaFactor", 1 / (Math.PI * Math.SQRT2));
  optionalNumber(options, "displayThreshold", 0.95);
  if (!(step > 0)) throw new CommandError(`gridSpacing must be positive`);
  const replaceText = options.get("replace");
  const replace = replaceText === undefined ? true : parseBoolean(replaceText, "replace");
  return {
    spec,
    resolution,
    step,
    pad,
    cutoffRange,
    sigmaFactor,
    replace,
    onGridText: options.get("onGrid"),
    modelIdText: options.get("modelId"),
  };
}

/** The numeric option `name`, or `fallback` when it is not given. */
function optionalNumber(options: Options, name: string, fallback: number): number {
  const text = options.get(name);
  return text === undefined ? fallback : parseNumber(text, name);
}

/** The molecules `spec` names; at least one atom is required. */
function selectMolecules(ctx: CommandContext, spec: string): MoleculeModel[] {
  const molecules = selectModels(ctx.session, spec).filter((m): m is MoleculeModel =>
    m.kind === "molecule"
  );
  if (atomCountOf(molecules) === 0) throw new CommandError("No atoms specified");
  return molecules;
}

/** The number of atoms in `molecules`. */
function atomCountOf(molecules: readonly MoleculeModel[]): number {
  return molecules.reduce((n, m) => n + m.atomicNumbers.length, 0);
}

/** The `onGrid` volume, if one is named (a bare number counts as a model id). */
function selectOnGrid(
  ctx: CommandContext,
  onGridText: string | undefined,
): VolumeModel | undefined {
  return onGridText === undefined ? undefined : selectOneVolume(
    ctx.session,
    onGridText.startsWith("#") ? onGridText : `#${onGridText}`,
    "onGrid",
  );
}

/** Every atom's coordinates in the local frame `frame`, and its atomic number as its weight. */
function atomsInFrame(
  molecules: readonly MoleculeModel[],
  frame: Transform,
): { xyz: Float64Array; weights: Uint8Array } {
  const atomCount = atomCountOf(molecules);
  const xyz = new Float64Array(3 * atomCount);
  const weights = new Uint8Array(atomCount);
  let n = 0;
  const toFrame = invert(frame);
  for (const m of molecules) {
    const t = multiply(toFrame, m.position);
    for (let i = 0; i < m.atomicNumbers.length; i++, n++) {
      const p = applyToPoint(t, [m.coords[3 * i]!, m.coords[3 * i + 1]!, m.coords[3 * i + 2]!]);
      xyz.set(p, 3 * n);
      weights[n] = m.atomicNumbers[i]!;
    }
  }
  return { xyz, weights };
}

/** The map's grid: the `onGrid` volume's, else the padded bounding grid of the atoms. */
function chooseGrid(
  xyz: Float64Array,
  step: number,
  pad: number,
  onGrid: VolumeModel | undefined,
): MolmapGrid {
  return onGrid === undefined ? molmapBoundingGrid(xyz, step, pad) : {
    size: [...onGrid.grid.size] as [number, number, number],
    origin: [...onGrid.grid.origin] as [number, number, number],
    step: [...onGrid.grid.step] as [number, number, number],
  };
}

/** The sum-of-Gaussians values on `geometry` (refused when the grid is too large). */
function computeMap(
  geometry: MolmapGrid,
  xyz: Float64Array,
  weights: Uint8Array,
  request: MolmapRequest,
): Float32Array {
  const count = voxelCount(geometry.size);
  if (count > MAX_GRID_VALUES) {
    throw new CommandError(`molmap grid ${geometry.size.join(",")} is too large`);
  }
  const data = new Float32Array(count);
  sumOfGaussians(
    data,
    geometry,
    xyz,
    weights,
    request.sigmaFactor * request.resolution,
    request.cutoffRange,
  );
  return data;
}

/** Where the new map goes: a submodel of a lone molecule, else `modelId` or a free id. */
function placeMap(
  ctx: CommandContext,
  molecules: readonly MoleculeModel[],
  modelIdText: string | undefined,
  onGrid: VolumeModel | undefined,
): { id: number; subid: number } {
  const m0 = molecules[0]!;
  if (molecules.length === 1 && modelIdText === undefined && onGrid === undefined) {
    return { id: m0.id, subid: ctx.session.nextSubid(m0.id) };
  }
  return ctx.session.allocate(modelIdText === undefined ? undefined : parseModelId(modelIdText));
}

/** The map's name as Chimera gives it (`molmap NAME res R`, the name only for one molecule). */
function mapName(molecules: readonly MoleculeModel[], resolution: number): string {
  return molecules.length === 1
    ? `molmap ${molecules[0]!.name} res ${Number(resolution.toPrecision(3))}`
    : `molmap res ${Number(resolution.toPrecision(3))}`;
}

/** Runs `molmap`. Needs no permissions. */
export function molmapCommand(ctx: CommandContext, tokens: string[]): void {
  const request = parseMolmapRequest(tokens);
  const molecules = selectMolecules(ctx, request.spec);
  const onGrid = selectOnGrid(ctx, request.onGridText);
  const frame = onGrid?.position ?? molecules[0]!.position;
  const { xyz, weights } = atomsInFrame(molecules, frame);
  const geometry = chooseGrid(xyz, request.step, request.pad, onGrid);
  const data = computeMap(geometry, xyz, weights, request);
  const source = molecules.map(modelLabel).join(",");
  if (request.replace) {
    ctx.session.remove(
      ctx.session.models.filter((m) => m.kind === "volume" && m.molmapSource === source),
    );
  }
  const placement = placeMap(ctx, molecules, request.modelIdText, onGrid);
  const name = mapName(molecules, request.resolution);
  const grid: VolumeGrid = { ...geometry, valueType: "float32", data };
  const model: VolumeModel = {
    kind: "volume",
    ...placement,
    name,
    position: frame.slice(),
    grid,
    molmapSource: source,
  };
  ctx.session.add(model);
  ctx.info(`Created ${modelLabel(model)} "${name}", grid size ${grid.size.join(",")}`);
}

/**
 * `vop add | scale | resample | zFlip | gaussian` (Chimera 1 VolumeFilter operations).
 *
 * @module
 */
import type { CommandContext } from "./command_context.ts";
import {
  CommandError,
  matchKeyword,
  type OptionKind,
  type Options,
  parseBoolean,
  parseNumber,
  parseNumberList,
  parseOptions,
  parseVector3,
} from "./command_syntax.ts";
import { gaussianSmooth } from "./gaussian_filter.ts";
import { addInterpolated, boundingRegion, type PlacedGeometry } from "./resample.ts";
import {
  modelLabel,
  parseModelId,
  selectOneVolume,
  selectVolumes,
  type VolumeModel,
} from "./session.ts";
import { sameTransform, type Transform, type Vector3 } from "./transform.ts";
import {
  addValues,
  castValues,
  MAX_GRID_VALUES,
  parseValueType,
  sameGridGeometry,
  type ValueType,
  type VolumeGrid,
  voxelCount,
} from "./volume_grid.ts";

/** Options every operation accepts on its inputs (only the full region at step 1). */
const INPUT_OPTIONS: Record<string, OptionKind> = {
  subregion: "value",
  step: "value",
  modelId: "value",
};

const COMBINE_OPTIONS: Record<string, OptionKind> = {
  ...INPUT_OPTIONS,
  onGrid: "value",
  boundingGrid: "value",
  gridStep: "value",
  gridSubregion: "value",
  valueType: "value",
  spacing: "value",
  hideMaps: "value",
};

const OPERATIONS = ["add", "scale", "resample", "zFlip", "gaussian"] as const;

/** A vop operation name. */
export type VopOperation = typeof OPERATIONS[number];

/** Refuses input subregions and steps other than the full grid at step 1. */
function checkInputRegion(options: Options): void {
  const subregion = options.get("subregion");
  if (subregion !== undefined && subregion.toLowerCase() !== "all") {
    throw new CommandError(`subregion "${subregion}" is not supported (only "all")`);
  }
  const step = options.get("step");
  if (step !== undefined && !/^1(,1,1)?$/.test(step)) {
    throw new CommandError(`step "${step}" is not supported (only 1)`);
  }
}

/** The value type option, or undefined. */
function valueTypeOption(options: Options): ValueType | undefined {
  const text = options.get("valueType");
  if (text === undefined) return undefined;
  const type = parseValueType(text);
  if (type === undefined) throw new CommandError(`Unknown value type "${text}"`);
  return type;
}

/** Allocates a float32 array for a new grid, refusing absurd sizes. */
function newData(size: [number, number, number]): Float32Array {
  const count = voxelCount(size);
  if (!(count > 0) || count > MAX_GRID_VALUES) {
    throw new CommandError(`Grid size ${size.join(",")} is too large (or empty)`);
  }
  return new Float32Array(count);
}

/** Adds a new volume model for `grid` at `position` and reports it. */
function addVolume(
  ctx: CommandContext,
  grid: VolumeGrid,
  position: Transform,
  name: string,
  modelIdText: string | undefined,
): VolumeModel {
  const requested = modelIdText === undefined ? undefined : parseModelId(modelIdText);
  const { id, subid } = ctx.session.allocate(requested);
  const model: VolumeModel = { kind: "volume", id, subid, name, position: position.slice(), grid };
  ctx.session.add(model);
  ctx.info(`Created ${modelLabel(model)} "${name}", grid size ${grid.size.join(",")}`);
  return model;
}

/** Settings of the shared combine operation. */
interface CombineSettings {
  scales: number[];
  onGrid?: VolumeModel;
  boundingGrid: boolean;
  gridStep: Vector3;
  gridSubregion?: [Vector3, Vector3];
  valueType?: ValueType;
  spacing?: Vector3;
}

/**
 * Chimera's combine operation (vop add / resample): the result grid on `onGrid` or the first
 * volume's grid (the bounding region when boundingGrid), then each input copied (same grid and
 * position) or trilinearly interpolated, scaled, cast and summed. Needs no permissions.
 */
export function combineVolumes(
  volumes: readonly VolumeModel[],
  settings: CombineSettings,
): { grid: VolumeGrid; position: Transform } {
  const gv = settings.onGrid ?? volumes[0]!;
  const g = gv.grid;
  let min: Vector3 = [0, 0, 0];
  let max: Vector3 = [g.size[0] - 1, g.size[1] - 1, g.size[2] - 1];
  if (settings.boundingGrid) {
    const allSame = volumes.every((v) =>
      sameGridGeometry(v.grid, g) && sameTransform(v.position, gv.position)
    );
    if (!allSame) {
      ({ min, max } = boundingRegion(
        { grid: g, position: gv.position },
        volumes.map((v) => ({ grid: v.grid, position: v.position })),
      ));
    }
  } else if (settings.gridSubregion !== undefined) {
    [min, max] = settings.gridSubregion;
  }
  const gridStep = settings.gridStep;
  const step: Vector3 = settings.spacing ??
    [g.step[0] * gridStep[0], g.step[1] * gridStep[1], g.step[2] * gridStep[2]];
  const size = [0, 1, 2].map((a) => Math.floor((max[a]! - min[a]!) / gridStep[a]!) + 1) as [
    number,
    number,
    number,
  ];
  const origin: Vector3 = [
    g.origin[0] + min[0] * g.step[0],
    g.origin[1] + min[1] * g.step[1],
    g.origin[2] + min[2] * g.step[2],
  ];
  const valueType = settings.valueType ?? volumes[0]!.grid.valueType;
  const data = newData(size);
  const target: PlacedGeometry = { size, origin, step, position: gv.position };
  const resultGrid: VolumeGrid = { size, origin, step, valueType, data };
  const isFloat = valueType === "float32" || valueType === "float64";
  volumes.forEach((v, i) => {
    const scale = settings.scales[i]!;
    const same = sameGridGeometry(v.grid, resultGrid) && sameTransform(v.position, gv.position);
    if (same) {
      const values = new Float32Array(v.grid.data.length);
      for (let p = 0; p < values.length; p++) values[p] = v.grid.data[p]! * scale;
      castValues(values, valueType);
      addValues(data, values, valueType);
    } else if (isFloat) {
      addInterpolated(data, target, { grid: v.grid, position: v.position }, scale);
    } else {
      const values = new Float32Array(data.length);
      addInterpolated(values, target, { grid: v.grid, position: v.position }, scale);
      castValues(values, valueType);
      addValues(data, values, valueType);
    }
  });
  return { grid: resultGrid, position: gv.position };
}

/** Parses combine options shared by add and resample. */
function combineSettings(
  ctx: CommandContext,
  options: Options,
  count: number,
  defaultBounding: (onGrid: boolean) => boolean,
): CombineSettings {
  checkInputRegion(options);
  const onGridText = options.get("onGrid");
  const onGrid = onGridText === undefined ? undefined : selectOneVolume(
    ctx.session,
    onGridText.startsWith("#") ? onGridText : `#${onGridText}`,
    "onGrid",
  );
  const boundingText = options.get("boundingGrid");
  const boundingGrid = boundingText === undefined
    ? defaultBounding(onGrid !== undefined)
    : parseBoolean(boundingText, "boundingGrid");
  const scalesText = options.get("scaleFactors");
  const scales = scalesText === undefined
    ? new Array<number>(count).fill(1)
    : parseNumberList(scalesText, "scaleFactors");
  if (scales.length !== count) {
    throw new CommandError("Number of scale factors does not match number of volumes");
  }
  const gridStepText = options.get("gridStep");
  const gridStep: Vector3 = gridStepText === undefined
    ? [1, 1, 1]
    : parseVector3(gridStepText, "gridStep", true);
  if (gridStep.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new CommandError(`gridStep must be positive integers, got "${gridStepText}"`);
  }
  let gridSubregion: [Vector3, Vector3] | undefined;
  const subText = options.get("gridSubregion");
  if (subText !== undefined && subText.toLowerCase() !== "all") {
    const v = parseNumberList(subText, "gridSubregion");
    if (v.length !== 6 || v.some((x) => !Number.isInteger(x))) {
      throw new CommandError(`gridSubregion must be i1,j1,k1,i2,j2,k2, got "${subText}"`);
    }
    gridSubregion = [[v[0]!, v[1]!, v[2]!], [v[3]!, v[4]!, v[5]!]];
    if (gridSubregion[0].some((x, a) => x > gridSubregion![1][a]!)) {
      throw new CommandError(`gridSubregion "${subText}" is empty`);
    }
  }
  const spacingText = options.get("spacing");
  const spacing = spacingText === undefined
    ? undefined
    : parseVector3(spacingText, "spacing", true);
  if (spacing !== undefined && spacing.some((s) => !(s > 0))) {
    throw new CommandError(`spacing must be positive, got "${spacingText}"`);
  }
  return {
    scales,
    onGrid,
    boundingGrid,
    gridStep,
    gridSubregion,
    valueType: valueTypeOption(options),
    spacing,
  };
}

/** `vop add spec [scaleFactors] [onGrid] [boundingGrid] [gridStep] [gridSubregion] …`. */
function addOperation(ctx: CommandContext, spec: string, rest: string[]): void {
  const options = parseOptions("vop add", rest, {
    ...COMBINE_OPTIONS,
    scaleFactors: "value",
    inPlace: "value",
  });
  const inPlace = options.get("inPlace");
  if (inPlace !== undefined && parseBoolean(inPlace, "inPlace")) {
    throw new CommandError("vop add inPlace true is not supported");
  }
  const volumes = selectVolumes(ctx.session, spec);
  const settings = combineSettings(ctx, options, volumes.length, (onGrid) => !onGrid);
  const { grid, position } = combineVolumes(volumes, settings);
  const name = volumes.length === 1 ? `${volumes[0]!.name} resampled` : "volume sum";
  addVolume(ctx, grid, position, name, options.get("modelId"));
}

/** `vop resample spec onGrid #g [boundingGrid] [gridStep] [gridSubregion] [modelId]`. */
function resampleOperation(ctx: CommandContext, spec: string, rest: string[]): void {
  const options = parseOptions("vop resample", rest, COMBINE_OPTIONS);
  if (options.get("onGrid") === undefined && options.get("spacing") === undefined) {
    throw new CommandError("Resample operation must specify onGrid option");
  }
  const volumes = selectVolumes(ctx.session, spec);
  for (const v of volumes) {
    const settings = combineSettings(ctx, options, 1, () => false);
    if (settings.onGrid === undefined) settings.onGrid = v;
    const { grid, position } = combineVolumes([v], settings);
    addVolume(ctx, grid, position, `${v.name} resampled`, options.get("modelId"));
  }
}

/** The scaled values of a volume: `(in + shift)·factor` in float32, then cast. Needs no permissions. */
export function scaleValues(
  grid: VolumeGrid,
  shift: number,
  factor: number,
  valueType: ValueType,
): Float32Array {
  const out = new Float32Array(grid.data.length);
  const s = Math.fround(shift), f = Math.fround(factor);
  if (s === 0 && f === 1) out.set(grid.data);
  else {
    const src = grid.data;
    for (let i = 0; i < out.length; i++) out[i] = Math.fround(src[i]! + s) * f;
  }
  castValues(out, valueType);
  return out;
}

/** `vop scale spec [shift c] [factor f] [sd s | rms r] [valueType t] [modelId N]`. */
function scaleOperation(ctx: CommandContext, spec: string, rest: string[]): void {
  const options = parseOptions("vop scale", rest, {
    ...INPUT_OPTIONS,
    shift: "value",
    factor: "value",
    sd: "value",
    rms: "value",
    valueType: "value",
  });
  checkInputRegion(options);
  const shiftText = options.get("shift"), factorText = options.get("factor");
  const sdText = options.get("sd"), rmsText = options.get("rms");
  if (sdText !== undefined && rmsText !== undefined) {
    throw new CommandError("vop scale: cannot specify both sd and rms");
  }
  const volumes = selectVolumes(ctx.session, spec);
  for (const v of volumes) {
    let shift = shiftText === undefined ? 0 : parseNumber(shiftText, "shift");
    let factor = factorText === undefined ? 1 : parseNumber(factorText, "factor");
    const data = v.grid.data;
    if (sdText !== undefined || rmsText !== undefined) {
      let sum = 0, sum2 = 0;
      for (let i = 0; i < data.length; i++) {
        sum += data[i]!;
        sum2 += data[i]! * data[i]!;
      }
      const mean = sum / data.length;
      if (sdText !== undefined) {
        const sd = Math.sqrt(Math.max(0, sum2 / data.length - mean * mean));
        if (sd === 0) throw new CommandError(`Standard deviation of ${modelLabel(v)} is 0`);
        shift -= mean;
        factor *= parseNumber(sdText, "sd") / sd;
      } else {
        const rms = Math.sqrt(sum2 / data.length);
        if (rms === 0) throw new CommandError(`RMS of ${modelLabel(v)} is 0`);
        factor *= parseNumber(rmsText!, "rms") / rms;
      }
    }
    const valueType = valueTypeOption(options) ?? v.grid.valueType;
    const values = scaleValues(v.grid, shift, factor, valueType);
    const grid: VolumeGrid = {
      size: [...v.grid.size],
      origin: [...v.grid.origin],
      step: [...v.grid.step],
      valueType,
      data: values,
    };
    addVolume(ctx, grid, v.position, `${v.name} scaled`, options.get("modelId"));
  }
}

/** `vop zFlip spec [modelId N]`: planes reversed along z, same origin and step. */
function zFlipOperation(ctx: CommandContext, spec: string, rest: string[]): void {
  const options = parseOptions("vop zFlip", rest, INPUT_OPTIONS);
  checkInputRegion(options);
  for (const v of selectVolumes(ctx.session, spec)) {
    const [nx, ny, nz] = v.grid.size;
    const plane = nx * ny;
    const out = new Float32Array(v.grid.data.length);
    for (let k = 0; k < nz; k++) {
      out.set(v.grid.data.subarray((nz - 1 - k) * plane, (nz - k) * plane), k * plane);
    }
    const grid: VolumeGrid = { ...v.grid, size: [nx, ny, nz], data: out };
    addVolume(ctx, grid, v.position, `${v.name} z flip`, options.get("modelId"));
  }
}

/** `vop gaussian spec [sDev σ|σx,σy,σz] [bfactor B] [valueType t] [modelId N]`. */
function gaussianOperation(ctx: CommandContext, spec: string, rest: string[]): void {
  const options = parseOptions("vop gaussian", rest, {
    ...INPUT_OPTIONS,
    sDev: "value",
    bfactor: "value",
    valueType: "value",
  });
  checkInputRegion(options);
  const sdevText = options.get("sDev"), bText = options.get("bfactor");
  let sdev: Vector3 = [1, 1, 1];
  if (sdevText !== undefined) sdev = parseVector3(sdevText, "sDev", true);
  else if (bText !== undefined) {
    const b = parseNumber(bText, "bfactor");
    if (b < 0) throw new CommandError(`bfactor must not be negative, got "${bText}"`);
    const s = Math.sqrt(b / (8 * Math.PI * Math.PI));
    sdev = [s, s, s];
  }
  if (sdev.some((s) => !(s > 0))) {
    throw new CommandError(`sDev must be positive, got "${sdevText}"`);
  }
  for (const v of selectVolumes(ctx.session, spec)) {
    const data = v.grid.data.slice();
    gaussianSmooth(data, v.grid.size, [
      sdev[0] / v.grid.step[0],
      sdev[1] / v.grid.step[1],
      sdev[2] / v.grid.step[2],
    ]);
    const valueType = valueTypeOption(options) ?? v.grid.valueType;
    castValues(data, valueType);
    const grid: VolumeGrid = {
      size: [...v.grid.size],
      origin: [...v.grid.origin],
      step: [...v.grid.step],
      valueType,
      data,
    };
    const name = v.name.endsWith("gaussian") ? v.name : `${v.name} gaussian`;
    addVolume(ctx, grid, v.position, name, options.get("modelId"));
  }
}

/**
 * `vop <operation> spec options` (also the old order `vop spec operation`). Needs no
 * permissions.
 */
export function vopCommand(ctx: CommandContext, tokens: string[]): void {
  if (tokens.length === 0) throw new CommandError("vop: an operation is required");
  let opWord = tokens[0]!;
  let rest = tokens.slice(1);
  if (opWord.startsWith("#") && tokens[1] !== undefined) {
    opWord = tokens[1];
    rest = [tokens[0]!, ...tokens.slice(2)];
  }
  const op = vopOperation(opWord);
  if (op === undefined) throw new CommandError(`Unknown vop operation: ${opWord}`);
  const specs: string[] = [];
  while (rest[0] !== undefined && rest[0].startsWith("#")) specs.push(rest.shift()!);
  if (specs.length === 0) throw new CommandError(`vop ${op}: no volumes specified`);
  const spec = specs.join("");
  runOperation(ctx, op, spec, rest);
}

/** Runs one vop operation on `spec`. Needs no permissions. */
export function runOperation(
  ctx: CommandContext,
  op: VopOperation,
  spec: string,
  rest: string[],
): void {
  switch (op) {
    case "add":
      return addOperation(ctx, spec, rest);
    case "scale":
      return scaleOperation(ctx, spec, rest);
    case "resample":
      return resampleOperation(ctx, spec, rest);
    case "zFlip":
      return zFlipOperation(ctx, spec, rest);
    case "gaussian":
      return gaussianOperation(ctx, spec, rest);
  }
}

/** Whether `word` names a vop operation (for the `volume add …` spelling). Needs no permissions. */
export function vopOperation(word: string): VopOperation | undefined {
  try {
    return matchKeyword(word, OPERATIONS) as VopOperation | undefined;
  } catch {
    return undefined;
  }
}

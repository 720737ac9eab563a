/**
 * `molmap atom-spec resolution [gridSpacing s] [edgePadding p] [onGrid #g] [cutoffRange r]
 * [sigmaFactor f] [displayThreshold m] [modelId N] [replace true|false]`.
 *
 * @module
 */
import type { CommandContext } from "./command_context.ts";
import { CommandError, parseBoolean, parseNumber, parseOptions } from "./command_syntax.ts";
import { molmapBoundingGrid, sumOfGaussians } from "./molmap.ts";
import {
  modelLabel,
  type MoleculeModel,
  parseModelId,
  selectModels,
  selectOneVolume,
  type VolumeModel,
} from "./session.ts";
import { applyToPoint, invert, multiply } from "./transform.ts";
import { MAX_GRID_VALUES, type VolumeGrid, voxelCount } from "./volume_grid.ts";

/** Runs `molmap`. Needs no permissions. */
export function molmapCommand(ctx: CommandContext, tokens: string[]): void {
  const spec = tokens[0];
  if (spec === undefined || !spec.startsWith("#")) {
    throw new CommandError("molmap: an atom specification (#N) is required");
  }
  if (tokens[1] === undefined) throw new CommandError("molmap: a resolution is required");
  const resolution = parseNumber(tokens[1], "resolution");
  if (!(resolution > 0)) throw new CommandError(`resolution must be positive, got "${tokens[1]}"`);
  const options = parseOptions("molmap", tokens.slice(2), {
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
  });
  if (options.has("symmetry")) throw new CommandError("molmap symmetry is not supported");
  const number = (name: string, fallback: number) => {
    const text = options.get(name);
    return text === undefined ? fallback : parseNumber(text, name);
  };
  const step = number("gridSpacing", resolution / 3);
  const pad = number("edgePadding", 3 * resolution);
  const cutoffRange = number("cutoffRange", 5);
  const sigmaFactor = number("sigmaFactor", 1 / (Math.PI * Math.SQRT2));
  number("displayThreshold", 0.95);
  if (!(step > 0)) throw new CommandError(`gridSpacing must be positive`);
  const replaceText = options.get("replace");
  const replace = replaceText === undefined ? true : parseBoolean(replaceText, "replace");
  const molecules = selectModels(ctx.session, spec).filter((m): m is MoleculeModel =>
    m.kind === "molecule"
  );
  const atomCount = molecules.reduce((n, m) => n + m.atomicNumbers.length, 0);
  if (atomCount === 0) throw new CommandError("No atoms specified");
  const onGridText = options.get("onGrid");
  const onGrid = onGridText === undefined ? undefined : selectOneVolume(
    ctx.session,
    onGridText.startsWith("#") ? onGridText : `#${onGridText}`,
    "onGrid",
  );
  const m0 = molecules[0]!;
  const frame = onGrid?.position ?? m0.position;
  // Coordinates in the local frame of the first molecule (or of onGrid).
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
  const geometry = onGrid === undefined ? molmapBoundingGrid(xyz, step, pad) : {
    size: [...onGrid.grid.size] as [number, number, number],
    origin: [...onGrid.grid.origin] as [number, number, number],
    step: [...onGrid.grid.step] as [number, number, number],
  };
  const count = voxelCount(geometry.size);
  if (count > MAX_GRID_VALUES) {
    throw new CommandError(`molmap grid ${geometry.size.join(",")} is too large`);
  }
  const data = new Float32Array(count);
  sumOfGaussians(data, geometry, xyz, weights, sigmaFactor * resolution, cutoffRange);
  const source = molecules.map(modelLabel).join(",");
  if (replace) {
    ctx.session.remove(
      ctx.session.models.filter((m) => m.kind === "volume" && m.molmapSource === source),
    );
  }
  const modelIdText = options.get("modelId");
  let placement: { id: number; subid: number };
  if (molecules.length === 1 && modelIdText === undefined && onGrid === undefined) {
    placement = { id: m0.id, subid: ctx.session.nextSubid(m0.id) };
  } else {
    placement = ctx.session.allocate(
      modelIdText === undefined ? undefined : parseModelId(modelIdText),
    );
  }
  const name = molecules.length === 1
    ? `molmap ${m0.name} res ${Number(resolution.toPrecision(3))}`
    : `molmap res ${Number(resolution.toPrecision(3))}`;
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

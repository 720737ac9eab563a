/**
 * `shape sphere [radius r|rx,ry,rz] [center x,y,z] [coordinateSystem N] [modelId N] …`: a surface
 * model holding no density (Chimera 1 radius default 10 Å).
 *
 * @module
 */
import type { CommandContext } from "./command_context.ts";
import { CommandError, parseOptions, parseVector3 } from "./command_syntax.ts";
import { modelLabel, parseModelId, selectModels, type SurfaceModel } from "./session.ts";
import { applyToPoint, invert, type Vector3 } from "./transform.ts";

/** Runs `shape sphere`. Needs no permissions. */
export function shapeCommand(ctx: CommandContext, tokens: string[]): void {
  const kind = tokens[0]?.toLowerCase();
  if (kind !== "sphere") {
    throw new CommandError(`shape ${tokens[0] ?? ""}: only "shape sphere" is supported`);
  }
  const options = parseOptions("shape sphere", tokens.slice(1), {
    radius: "value",
    center: "value",
    coordinateSystem: "value",
    rotation: "value",
    divisions: "value",
    color: "value",
    mesh: "value",
    modelName: "value",
    modelId: "value",
    slab: "value",
  });
  const radiusText = options.get("radius");
  const radius: Vector3 = radiusText === undefined
    ? [10, 10, 10]
    : parseVector3(radiusText, "radius", true);
  if (radius.some((r) => !(r > 0))) throw new CommandError(`radius must be positive`);
  const modelIdText = options.get("modelId");
  const { id, subid } = ctx.session.allocate(
    modelIdText === undefined ? undefined : parseModelId(modelIdText),
  );
  const csysText = options.get("coordinateSystem");
  let position;
  if (csysText !== undefined) {
    const c = selectModels(ctx.session, csysText.startsWith("#") ? csysText : `#${csysText}`)[0];
    if (c === undefined) throw new CommandError(`No models specified by "${csysText}"`);
    position = c.position.slice();
  } else position = ctx.session.inheritedPosition(id);
  const centerText = options.get("center");
  let center: Vector3 = [0, 0, 0];
  if (centerText !== undefined) {
    const c = parseVector3(centerText, "center");
    center = csysText !== undefined ? c : applyToPoint(invert(position), c);
  }
  const model: SurfaceModel = {
    kind: "surface",
    id,
    subid,
    name: options.get("modelName") ?? "sphere",
    position,
    center,
    radius,
  };
  ctx.session.add(model);
  ctx.info(`Created ${modelLabel(model)} sphere of radius ${radius.join(",")}`);
}

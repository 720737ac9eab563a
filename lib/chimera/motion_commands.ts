/**
 * `move` and `turn`: scene-frame motions left-multiplied onto model positions (P ← M·P), with
 * Chimera 1's axis, distance, centre and coordinate-system rules.
 *
 * @module
 */
import type { CommandContext } from "./command_context.ts";
import {
  CommandError,
  isAxis,
  isNumber,
  parseAxis,
  parseInteger,
  parseNumber,
  parseOptions,
  parseVector3,
} from "./command_syntax.ts";
import { type Model, selectModels, type Session } from "./session.ts";
import {
  aboutCenter,
  applyToPoint,
  applyToVector,
  multiply,
  rotation,
  type Transform,
  translation,
  type Vector3,
} from "./transform.ts";

/** The position of the coordinate-system model `spec` (`#N` or `N`). */
function coordinateSystem(session: Session, spec: string): Transform {
  const text = spec.startsWith("#") ? spec : `#${spec}`;
  const model = selectModels(session, text)[0];
  if (model === undefined) throw new CommandError(`No models specified by "${spec}"`);
  return model.position;
}

/** The models to move: the spec's, with every submodel sharing their ids; all when absent. */
function movedModels(session: Session, spec: string | undefined): Model[] {
  if (spec === undefined) return [...session.models];
  const picked = selectModels(session, spec);
  if (picked.length === 0) throw new CommandError(`No models specified by "${spec}"`);
  const ids = new Set(picked.map((m) => m.id));
  return session.models.filter((m) => ids.has(m.id));
}

/** Applies `m` `frames` times to every model. */
function applyMotion(models: readonly Model[], m: Transform, frames: number): void {
  for (const model of models) {
    for (let f = 0; f < frames; f++) model.position = multiply(m, model.position);
  }
}

/** Splits leading positional tokens (up to `max`, while `accept` holds) from keyword options. */
function leading(tokens: string[], max: number, accept: (t: string, i: number) => boolean) {
  let n = 0;
  while (n < max && n < tokens.length && accept(tokens[n]!, n)) n++;
  return { positional: tokens.slice(0, n), rest: tokens.slice(n) };
}

/**
 * `move axis [distance [frames]] [models spec] [coordinateSystem N]`: translation by the axis
 * vector as given, or normalised × distance; the vector is rotated by the coordinate system's
 * rotation. No models: all models. Needs no permissions.
 */
export function moveCommand(ctx: CommandContext, tokens: string[]): void {
  const { positional, rest } = leading(tokens, 3, (t, i) => i === 0 ? isAxis(t) : isNumber(t));
  if (positional.length === 0) {
    throw new CommandError("move: an axis is required (x, y, z or x,y,z)");
  }
  const options = parseOptions("move", rest, { models: "value", coordinateSystem: "value" });
  let v = parseAxis(positional[0]!);
  if (positional[1] !== undefined) {
    const distance = parseNumber(positional[1], "move distance");
    const length = Math.hypot(...v);
    v = length > 0 ? v.map((x) => x / length * distance) as Vector3 : [0, 0, 0];
  }
  const frames = positional[2] === undefined ? 1 : parseInteger(positional[2], "move frames");
  const csys = options.get("coordinateSystem");
  if (csys !== undefined) v = applyToVector(coordinateSystem(ctx.session, csys), v);
  const models = movedModels(ctx.session, options.get("models"));
  if (v[0] === 0 && v[1] === 0 && v[2] === 0) return;
  applyMotion(models, translation(v), Math.max(frames, 1));
}

/**
 * The centre of the scene bounding box of `models` (undefined when they have no extent).
 * Needs no permissions.
 */
export function sceneCenter(models: readonly Model[]): Vector3 | undefined {
  const lo: Vector3 = [Infinity, Infinity, Infinity];
  const hi: Vector3 = [-Infinity, -Infinity, -Infinity];
  const add = (p: Vector3) => {
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a]!, p[a]!);
      hi[a] = Math.max(hi[a]!, p[a]!);
    }
  };
  for (const m of models) {
    const corners: Vector3[] = [];
    if (m.kind === "volume") {
      const { origin, step, size } = m.grid;
      for (let c = 0; c < 8; c++) {
        corners.push(
          [0, 1, 2].map((a) =>
            origin[a]! + ((c >> a) & 1 ? (size[a]! - 1) * step[a]! : 0)
          ) as Vector3,
        );
      }
    } else if (m.kind === "surface") {
      for (let c = 0; c < 8; c++) {
        corners.push(
          [0, 1, 2].map((a) =>
            m.center[a]! + ((c >> a) & 1 ? m.radius[a]! : -m.radius[a]!)
          ) as Vector3,
        );
      }
    } else {
      for (let i = 0; i < m.coords.length; i += 3) {
        add(applyToPoint(m.position, [m.coords[i]!, m.coords[i + 1]!, m.coords[i + 2]!]));
      }
    }
    for (const c of corners) add(applyToPoint(m.position, c));
  }
  if (!Number.isFinite(lo[0])) return undefined;
  return [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2];
}

/**
 * `turn [axis [angle [frames]]] [models spec] [center c] [coordinateSystem N]`: rotation about
 * the axis (default y) by angle (default 3°) through the centre; with a coordinate system C the
 * axis is rotated by C and a vector centre is in C's coordinates. Without a centre, the centre of
 * the moved models' bounding box is used (Chimera would use its view-dependent centre of
 * rotation), with a warning. Needs no permissions.
 */
export function turnCommand(ctx: CommandContext, tokens: string[]): void {
  const { positional, rest } = leading(tokens, 3, (t, i) => i === 0 ? isAxis(t) : isNumber(t));
  const options = parseOptions("turn", rest, {
    models: "value",
    center: "value",
    coordinateSystem: "value",
  });
  let axis: Vector3 = [0, 1, 0];
  let angle = 3;
  let frames = 1;
  let index = 0;
  if (positional[0] !== undefined && !isNumber(positional[0])) {
    axis = parseAxis(positional[0]);
    index = 1;
  }
  if (positional[index] !== undefined) angle = parseNumber(positional[index]!, "turn angle");
  if (positional[index + 1] !== undefined) {
    frames = parseInteger(positional[index + 1]!, "turn frames");
  }
  if (positional.length > index + 2) {
    throw new CommandError(`turn: unexpected "${positional[index + 2]}"`);
  }
  if (Math.hypot(...axis) === 0) throw new CommandError("turn: the axis must not be zero");
  const csysSpec = options.get("coordinateSystem");
  const csys = csysSpec === undefined ? undefined : coordinateSystem(ctx.session, csysSpec);
  const models = movedModels(ctx.session, options.get("models"));
  const axisScene = csys === undefined ? axis : applyToVector(csys, axis);
  let center: Vector3;
  const centerText = options.get("center");
  if (centerText !== undefined) {
    if (centerText.startsWith("#")) {
      const picked = selectModels(ctx.session, centerText);
      const c = sceneCenter(picked);
      if (c === undefined) throw new CommandError(`No models specified by "${centerText}"`);
      center = c;
    } else {
      const c = parseVector3(centerText, "turn center");
      center = csys === undefined ? c : applyToPoint(csys, c);
    }
  } else {
    const c = sceneCenter(models);
    if (c === undefined) return;
    ctx.warn("turn: no center given; rotating about the center of the moved models");
    center = c;
  }
  applyMotion(models, aboutCenter(rotation(axisScene, angle), center), Math.max(frames, 1));
}

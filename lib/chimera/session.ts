/**
 * The model state of one Chimera session: volumes, surfaces and molecules with ids, subids and
 * positions, the lowest-model position rule of Chimera 1's `OpenModels.add`, and model specs.
 *
 * @module
 */
import { identity, type Transform, type Vector3 } from "./transform.ts";
import type { VolumeGrid } from "./volume_grid.ts";
import { CommandError } from "./command_syntax.ts";

/** What every model has. */
interface ModelBase {
  /** Model id (≥ 0). */
  id: number;
  /** Submodel id (0 for top-level models). */
  subid: number;
  /** Display name. */
  name: string;
  /** Position: local → scene transform. */
  position: Transform;
}

/** A volume (map) model. */
export interface VolumeModel extends ModelBase {
  /** Kind tag. */
  kind: "volume";
  /** The data grid. */
  grid: VolumeGrid;
  /** For molmap results: which molecules it was computed from (for `replace`). */
  molmapSource?: string;
}

/** A surface model (only `shape sphere` makes them; they hold no density). */
export interface SurfaceModel extends ModelBase {
  /** Kind tag. */
  kind: "surface";
  /** Sphere centre in local coordinates (Å). */
  center: Vector3;
  /** Radii along x, y, z (Å). */
  radius: Vector3;
}

/** An atomic model. */
export interface MoleculeModel extends ModelBase {
  /** Kind tag. */
  kind: "molecule";
  /** Local atom coordinates (Å), xyz interleaved. */
  coords: Float64Array;
  /** Atomic number of each atom (0 when the element is unknown). */
  atomicNumbers: Uint8Array;
}

/** Any model. */
export type Model = VolumeModel | SurfaceModel | MoleculeModel;

/** A model as `#id` or `#id.subid`. Needs no permissions. */
export function modelLabel(model: Model): string {
  return model.subid === 0 ? `#${model.id}` : `#${model.id}.${model.subid}`;
}

/** The models of a session, sorted by id then subid. Needs no permissions. */
export class Session {
  #models: Model[] = [];

  /** All models, sorted by id then subid. */
  get models(): readonly Model[] {
    return this.#models;
  }

  /** Removes every model (`close session`); ids restart at 0. Needs no permissions. */
  clear(): void {
    this.#models = [];
  }

  /** Adds a model, keeping the order. Needs no permissions. */
  add(model: Model): void {
    this.#models.push(model);
    this.#models.sort((a, b) => a.id - b.id || a.subid - b.subid);
  }

  /** Removes the given models. Needs no permissions. */
  remove(models: readonly Model[]): void {
    const gone = new Set(models);
    this.#models = this.#models.filter((m) => !gone.has(m));
  }

  /** The models with id `id`. Needs no permissions. */
  withId(id: number): Model[] {
    return this.#models.filter((m) => m.id === id);
  }

  /** The lowest id ≥ 0 not in use. Needs no permissions. */
  nextFreeId(): number {
    const used = new Set(this.#models.map((m) => m.id));
    let id = 0;
    while (used.has(id)) id++;
    return id;
  }

  /** The subid for a new model sharing `id`: 0 if free, else one more than the largest. */
  nextSubid(id: number): number {
    const same = this.withId(id);
    return same.length === 0 ? 0 : Math.max(...same.map((m) => m.subid)) + 1;
  }

  /**
   * The position a model opened as `id` starts with (Chimera 1 `shareXform`): that of a model
   * already holding `id`, else that of the lowest-numbered open model, else the identity.
   * Needs no permissions.
   */
  inheritedPosition(id: number): Transform {
    const same = this.withId(id)[0];
    if (same !== undefined) return same.position.slice();
    const lowest = this.#models[0];
    return lowest === undefined ? identity() : lowest.position.slice();
  }

  /**
   * Resolves an id/subid for a new model: `requested` (id and optional subid) or the next free
   * id. Throws CommandError when that exact id.subid is taken. Needs no permissions.
   */
  allocate(requested?: { id: number; subid?: number }): { id: number; subid: number } {
    if (requested === undefined) return { id: this.nextFreeId(), subid: 0 };
    const subid = requested.subid ?? this.nextSubid(requested.id);
    if (this.#models.some((m) => m.id === requested.id && m.subid === subid)) {
      throw new CommandError(`Model id #${requested.id}.${subid} is already in use`);
    }
    return { id: requested.id, subid };
  }
}

/** One item of a model spec. */
type SpecItem =
  | { kind: "all" }
  | { kind: "id"; id: number; subid?: number }
  | { kind: "range"; from: number; to: number };

/** Whether `token` looks like a model spec (`#…`). Needs no permissions. */
export function isModelSpec(token: string): boolean {
  return token.startsWith("#");
}

/**
 * Parses a model spec: `#` (all), `#N`, `#N.M`, `#a-b` and comma lists of those, e.g. `#1-3,5`.
 * Several `#` groups may be concatenated (`#1#2`). Throws CommandError for anything else
 * (atom/residue specs below model level are not supported). Needs no permissions.
 */
export function parseModelSpec(spec: string): SpecItem[] {
  if (!spec.startsWith("#")) throw new CommandError(`Bad model specifier "${spec}"`);
  const items: SpecItem[] = [];
  for (const group of spec.slice(1).split("#")) {
    if (group === "") {
      items.push({ kind: "all" });
      continue;
    }
    for (const part of group.split(",")) {
      let m: RegExpMatchArray | null;
      if ((m = part.match(/^(\d+)$/)) !== null) items.push({ kind: "id", id: Number(m[1]) });
      else if ((m = part.match(/^(\d+)\.(\d+)$/)) !== null) {
        items.push({ kind: "id", id: Number(m[1]), subid: Number(m[2]) });
      } else if ((m = part.match(/^(\d+)-(\d+)$/)) !== null) {
        items.push({ kind: "range", from: Number(m[1]), to: Number(m[2]) });
      } else throw new CommandError(`Bad model specifier "${spec}"`);
    }
  }
  return items;
}

/**
 * The models `spec` names, in spec order (ranges and `#` ascending), without duplicates.
 * Throws CommandError for a bad spec. Needs no permissions.
 */
export function selectModels(session: Session, spec: string): Model[] {
  const out: Model[] = [];
  const seen = new Set<Model>();
  const push = (m: Model) => {
    if (!seen.has(m)) {
      seen.add(m);
      out.push(m);
    }
  };
  for (const item of parseModelSpec(spec)) {
    for (const m of session.models) {
      if (
        item.kind === "all" ||
        (item.kind === "id" && m.id === item.id &&
          (item.subid === undefined || m.subid === item.subid)) ||
        (item.kind === "range" && m.id >= item.from && m.id <= item.to)
      ) push(m);
    }
  }
  return out;
}

/**
 * The volumes `spec` names. A model named by an explicit id that is not a volume is an error
 * (`Model #999 is not a volume`); ranges and `#` silently skip non-volumes; no volume at all is
 * `No volumes specified by "#7"`. Needs no permissions.
 */
export function selectVolumes(session: Session, spec: string): VolumeModel[] {
  const items = parseModelSpec(spec);
  const models = selectModels(session, spec);
  const volumes: VolumeModel[] = [];
  for (const m of models) {
    if (m.kind === "volume") volumes.push(m);
    else if (items.some((it) => it.kind === "id" && it.id === m.id)) {
      throw new CommandError(`Model ${modelLabel(m)} is not a volume`);
    }
  }
  if (volumes.length === 0) throw new CommandError(`No volumes specified by "${spec}"`);
  return volumes;
}

/** The single volume `spec` names; errors when it names none or several. Needs no permissions. */
export function selectOneVolume(session: Session, spec: string, option?: string): VolumeModel {
  const volumes = selectVolumes(session, spec);
  if (volumes.length > 1) {
    throw new CommandError(
      `${
        option === undefined ? "Spec" : option
      } "${spec}" must name one volume, got ${volumes.length}`,
    );
  }
  return volumes[0]!;
}

/**
 * Parses a model id value (`#N`, `N`, `#N.M`) as used by `modelId`. Throws CommandError.
 * Needs no permissions.
 */
export function parseModelId(text: string, option = "modelId"): { id: number; subid?: number } {
  const m = text.match(/^#?(\d+)(?:\.(\d+))?$/);
  if (m === null) throw new CommandError(`${option} must be a model number, got "${text}"`);
  return m[2] === undefined ? { id: Number(m[1]) } : { id: Number(m[1]), subid: Number(m[2]) };
}

/**
 * Label maps beside a reconstruction: finds the stack's ground truth (its particle CSV) and each
 * class's map (the stack's kept `sim/maps/CLASS.mrc`, a source given by the caller, or the source
 * recorded in the run's `sim_metadata.json`), then writes the semantic map, the instance map and
 * the class table, slab by slab and atomically.
 *
 * @module
 */
import { parseParticlesCsv } from "../groundtruth/mod.ts";
import { MrcSeriesWriter, readMrc } from "../mrc/mod.ts";
import { atomicNumber, readAtomicModel } from "../pdb/mod.ts";
import { pdbPotential } from "../tem/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";
import { gridOriginAngst, type VolumeGrid } from "./grid.ts";
import { isoLevel, type LabelClass, LabelPainter, type LabelParticle } from "./labels.ts";
import { slabRanges } from "./slab_pool.ts";
import { stackPrefix } from "./tilt_source.ts";

/** A class of the label maps, with where its map came from. */
export interface LabelClassInfo {
  /** Class number (the semantic label). */
  classNumber: number;
  /** Class name. */
  name: string;
  /** The map used, or undefined when none was found (then the class is not labelled). */
  map?: string;
  /** Why the class has no labels. */
  skipped?: string;
  /** Iso-level used (map units). */
  level?: number;
  /** Particles of the class. */
  particles: number;
}

/** The ground truth needed for labels. */
export interface LabelInput {
  /** Classes with maps, ready to paint. */
  classes: LabelClass[];
  /** Every class, labelled or not. */
  info: LabelClassInfo[];
  /** Every particle. */
  particles: LabelParticle[];
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Map sources recorded for `stackName` in `root/sim_metadata.json`, by class name. */
/** Atomic models: PDB and mmCIF files. */
const ATOMIC_MODEL = /\.(pdb|ent|cif|mmcif)$/i;
/** Voxel of the maps computed from atomic models for labels, nm. */
const ATOMIC_LABEL_VOXEL_NM = 0.25;

/** A class map: values (x fastest), size and voxel. */
interface ClassMap {
  data: Float32Array;
  size: { x: number; y: number; z: number };
  voxelNm: number;
}

/** An MRC map. Needs --allow-read on `path`. */
async function mapOfFile(path: string): Promise<ClassMap> {
  const volume = await readMrc(path);
  const { nx, ny, nz, voxelSize } = volume.header;
  return { data: volume.data, size: { x: nx, y: ny, z: nz }, voxelNm: voxelSize.x / 10 };
}

/**
 * The real potential of an atomic model (PDB or mmCIF) as the engine computes it (its box centred
 * on the atoms' bounding box, as the engine centres the particle), without the ice clamp: the map
 * a class made of atoms is labelled from. Needs --allow-read on `path`.
 */
async function atomicModelMap(path: string): Promise<ClassMap> {
  const model = await readAtomicModel(path);
  const atoms = model.atoms.map((atom) => ({
    x: atom.x,
    y: atom.y,
    z: atom.z,
    occupancy: atom.occupancy,
    bFactor: atom.bFactor,
    element: atom.element.trim().toUpperCase(),
    z_number: atomicNumber(atom.element),
    hydrogens: 0,
  }));
  const potential = pdbPotential(atoms, {
    voxelSize: ATOMIC_LABEL_VOXEL_NM,
    addHydrogen: false,
    imaginary: false,
    iceClamp: false,
  });
  return {
    data: potential.re,
    size: { x: potential.nx, y: potential.ny, z: potential.nz },
    voxelNm: potential.voxelSize,
  };
}

async function metadataSources(stackDir: string, stackName: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const path = `${stackDir}/../../sim_metadata.json`;
  let records: unknown;
  try {
    records = JSON.parse(await Deno.readTextFile(path));
  } catch {
    return out;
  }
  const list = Array.isArray(records)
    ? records
    : (records as { stacks?: unknown[] })?.stacks ?? Object.values(records ?? {});
  for (const record of list as Record<string, unknown>[]) {
    if (record?.name !== stackName) continue;
    for (const set of (record.particle_sets ?? []) as Record<string, unknown>[]) {
      const source = String(set.source ?? "");
      if (source !== "") {
        out.set(String(set.class_name), source.startsWith("/") ? source : `${stackDir}/${source}`);
      }
    }
    const fiducials = record.fiducials as { map?: string } | undefined;
    if (fiducials?.map) out.set("Fiducial", fiducials.map);
  }
  return out;
}

/**
 * The label input of the tilt series at `stackPath`, or undefined when no particle CSV lies
 * beside it. `sources` (class name → map file) wins over what is found on disk. `levelFraction`
 * sets each class's iso-level as that fraction of its map's maximum. Needs --allow-read on the
 * stack's folder, the run's root and the maps.
 */
export async function labelInputBesideStack(
  stackPath: string,
  levelFraction: number,
  sources: Map<string, string> = new Map(),
): Promise<LabelInput | undefined> {
  const prefix = stackPrefix(stackPath);
  const csv = `${prefix}_particles.csv`;
  let text: string;
  try {
    text = await Deno.readTextFile(csv);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const rows = parseParticlesCsv(text, csv);
  const slash = prefix.lastIndexOf("/");
  const stackDir = slash < 0 ? "." : prefix.slice(0, slash) || "/";
  const stackName = prefix.slice(slash + 1);
  const recorded = await metadataSources(stackDir, stackName);
  const names = new Map<number, string>();
  const counts = new Map<number, number>();
  for (const r of rows) {
    names.set(r.classNumber, r.className);
    counts.set(r.classNumber, (counts.get(r.classNumber) ?? 0) + 1);
  }
  const classes: LabelClass[] = [];
  const info: LabelClassInfo[] = [];
  for (const [classNumber, name] of [...names].sort((a, b) => a[0] - b[0])) {
    const entry: LabelClassInfo = { classNumber, name, particles: counts.get(classNumber) ?? 0 };
    info.push(entry);
    const candidates = [
      sources.get(name),
      `${stackDir}/sim/maps/${name}.mrc`,
      recorded.get(name),
    ].filter((c): c is string => c !== undefined);
    let found: string | undefined;
    for (const c of candidates) {
      if (await exists(c)) {
        found = c;
        break;
      }
    }
    if (found === undefined) {
      entry.skipped ??= "no map found (sim/maps, sim_metadata.json)";
      continue;
    }
    const map = ATOMIC_MODEL.test(found) ? await atomicModelMap(found) : await mapOfFile(found);
    const level = isoLevel(map.data, levelFraction);
    entry.map = found;
    entry.level = level;
    classes.push({ classNumber, map: map.data, size: map.size, voxelNm: map.voxelNm, level });
  }
  const particles: LabelParticle[] = rows.map((r) => ({ ...r }));
  return { classes, info, particles };
}

/** The label files beside a reconstruction `OUT.mrc`. */
export function labelFileNames(output: string): {
  semantic: string;
  instance: string;
  classes: string;
} {
  const base = output.replace(/\.mrc$/i, "");
  return {
    semantic: `${base}_labels.mrc`,
    instance: `${base}_instances.mrc`,
    classes: `${base}_label_classes.csv`,
  };
}

/**
 * Writes the semantic and instance maps (float32 MRC holding integers) and the class table for
 * `input` on `grid`, with the reconstruction's voxel size and origin. Needs --allow-write on the
 * folder of `files`.
 */
export async function writeLabelMaps(
  grid: VolumeGrid,
  input: LabelInput,
  files: { semantic: string; instance: string; classes: string },
): Promise<void> {
  const options = {
    voxelSize: grid.voxelNm * 10,
    origin: gridOriginAngst(grid),
    imageStack: false,
  };
  const semantic = await MrcSeriesWriter.create(files.semantic, grid.nx, grid.ny, {
    ...options,
    labels: ["ets reconstruct: semantic labels (class number, 0 = background)"],
  });
  const instance = await MrcSeriesWriter.create(files.instance, grid.nx, grid.ny, {
    ...options,
    labels: ["ets reconstruct: instance labels (particle number, 0 = background)"],
  });
  const voxels = new Map<number, number>();
  try {
    const painter = new LabelPainter(grid, input.classes, input.particles);
    const plane = grid.nx * grid.ny;
    const perSlab = Math.max(1, Math.floor((16 * 2 ** 20) / (plane * 4)));
    for (const r of slabRanges(grid.nz, perSlab)) {
      const slab = painter.paint(r.first, r.count);
      for (let i = 0; i < slab.semantic.length; i++) {
        const c = slab.semantic[i]!;
        if (c !== 0) voxels.set(c, (voxels.get(c) ?? 0) + 1);
      }
      for (let k = 0; k < r.count; k++) {
        await semantic.append(slab.semantic.subarray(k * plane, (k + 1) * plane));
        await instance.append(slab.instance.subarray(k * plane, (k + 1) * plane));
      }
    }
    await semantic.close();
    await instance.close();
  } catch (error) {
    await semantic.abort();
    await instance.abort();
    throw error;
  }
  const lines = ["label,class_name,particles,voxels,iso_level,map,note"];
  const field = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  for (const c of input.info) {
    lines.push([
      String(c.classNumber),
      field(c.name),
      String(c.particles),
      String(voxels.get(c.classNumber) ?? 0),
      c.level === undefined ? "" : String(c.level),
      field(c.map ?? ""),
      field(c.skipped ?? ""),
    ].join(","));
  }
  await writeFileAtomic(files.classes, lines.join("\n") + "\n");
}

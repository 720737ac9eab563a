/**
 * The dataset fingerprint: a SHA-256 over what decides a dataset's stacks — the config's values
 * (not where it runs: root, workers, retries and timeouts are left out), the TEM-Simulator and
 * coordinate templates, the contents of every input file (model, fiducial map, the assembler's
 * inputs, the template's `*_file_in` tables, an external engine) and the ets version. It is
 * written beside the metadata (`dataset_fingerprint.json`, `dataset_fingerprint.shard-I.json`)
 * with its parts, and every stack record carries it; `--resume` and `ets merge` refuse stacks or
 * shards of another fingerprint, naming the part that differs.
 *
 * @module
 */
import { createHash } from "node:crypto";
import denoJson from "../../deno.json" with { type: "json" };
import { findAssembler } from "../assemblers/mod.ts";
import { dirnameOf, type GenerateConfig, resolvePath, SimTemplate } from "../config/mod.ts";
import { inputError } from "../errors/mod.ts";
import { writeFileAtomic } from "../platform/mod.ts";
import { type Shard, shardTag } from "./plan.ts";

/** A dataset fingerprint and its parts. */
export interface DatasetFingerprint {
  /** SHA-256 (hex) of the canonical JSON of the other fields. */
  fingerprint: string;
  /** The ets version. */
  ets_version: string;
  /** The config values that decide the stacks. */
  config: Record<string, unknown>;
  /** SHA-256 (hex) of each input, by the config key or template parameter that names it. */
  files: Record<string, string>;
}

/** Streams a file through SHA-256. Needs --allow-read on `path`. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

function sha256OfText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** JSON with keys sorted at every level (the canonical form that is hashed). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The ets version the fingerprint names. */
export const FINGERPRINT_VERSION: string = denoJson.version;

/**
 * Computes the fingerprint of `config`. Input files are hashed by content, so moving the inputs
 * or the root keeps it; editing any of them changes it. Needs --allow-read on the inputs.
 */
export async function datasetFingerprint(config: GenerateConfig): Promise<DatasetFingerprint> {
  const files: Record<string, string> = {};
  const byPath = new Map<string, string>();
  const hashFile = async (key: string, path: string | undefined) => {
    if (path === undefined) return;
    const digest = byPath.get(path) ?? await sha256OfFile(path);
    byPath.set(path, digest);
    files[key] = digest;
  };
  files.config = sha256OfText(config.simTemplateText);
  await hashFile("coord", config.coordTemplate);
  await hashFile("model", config.model);
  await hashFile("bead_map", config.beadMap);
  await hashFile("tem_simulator_executable", config.temSimulatorExecutable);
  const definition = findAssembler(config.assembler);
  const assemblerFiles = definition?.inputFiles(config.assemblerOptions) ?? {};
  for (const [key, path] of Object.entries(assemblerFiles)) await hashFile(key, path);
  const template = new SimTemplate(config.simTemplateText);
  for (const { component, parameter } of template.inputFiles()) {
    const path = resolvePath(dirnameOf(config.simTemplate), parameter.value);
    try {
      await hashFile(`config.${component.type}.${parameter.name}`, path);
    } catch {
      // a file the template names but the run does not read (checked by validate)
    }
  }
  // paths in the assembler's options are replaced by their contents' hashes
  const options = JSON.parse(
    JSON.stringify(config.assemblerOptions ?? {}),
    (_key, value) =>
      typeof value === "string" && byPath.has(value) ? `sha256:${byPath.get(value)}` : value,
  );
  const values: Record<string, unknown> = {
    name: config.name,
    num_stacks: config.numStacks,
    apix: config.apix,
    defocus_values: config.defocusValues,
    bead_occupancy: config.beadOccupancy ?? null,
    assembler: config.assembler,
    custom_configs: options,
    coord_error: config.coordError ?? null,
    seed: config.seed ?? null,
    engine: config.temSimulatorExecutable === undefined ? "embedded" : "external",
  };
  const parts = { ets_version: FINGERPRINT_VERSION, config: values, files };
  return { fingerprint: sha256OfText(canonical(parts)), ...parts };
}

/** `root/dataset_fingerprint.json` or `root/dataset_fingerprint.shard-I.json`. Pure. */
export function fingerprintPath(root: string, shard?: Shard): string {
  return `${root}/dataset_fingerprint${shardTag(shard)}.json`;
}

/** Writes the fingerprint file atomically. Needs --allow-write on its folder. */
export async function writeFingerprint(path: string, fingerprint: DatasetFingerprint) {
  await writeFileAtomic(path, JSON.stringify(fingerprint, null, 2) + "\n");
}

/**
 * Reads a fingerprint file; undefined when it does not exist. Throws an input error when it is
 * not a fingerprint. Needs --allow-read on `path`.
 */
export async function readFingerprint(path: string): Promise<DatasetFingerprint | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const data = JSON.parse(text) as DatasetFingerprint;
    if (typeof data.fingerprint === "string" && typeof data.files === "object") return data;
  } catch {
    // below
  }
  throw inputError(`Cannot read "${path}": not a dataset fingerprint file`, { file: path });
}

/** The short form shown in messages (12 hex digits). Pure. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 12);
}

/**
 * What differs between two fingerprints, in words ("template \"config\" differs", "\"apix\"
 * differs (0.5 vs 1)", "ets version differs"), or "" when their parts are unknown. Pure.
 */
export function fingerprintDifference(
  earlier: DatasetFingerprint | undefined,
  now: DatasetFingerprint | undefined,
): string {
  if (earlier === undefined || now === undefined) return "";
  const differences: string[] = [];
  if (earlier.ets_version !== now.ets_version) {
    differences.push(`ets version ${earlier.ets_version} vs ${now.ets_version}`);
  }
  const keys = new Set([...Object.keys(earlier.config ?? {}), ...Object.keys(now.config ?? {})]);
  for (const key of [...keys].sort()) {
    const a = canonical(earlier.config?.[key]), b = canonical(now.config?.[key]);
    if (a !== b) {
      differences.push(
        a.length + b.length < 60 ? `"${key}" ${a} vs ${b}` : `"${key}" differs`,
      );
    }
  }
  const files = new Set([...Object.keys(earlier.files ?? {}), ...Object.keys(now.files ?? {})]);
  for (const key of [...files].sort()) {
    if (earlier.files?.[key] !== now.files?.[key]) {
      differences.push(
        key === "config" ? "the TEM-Simulator template differs" : `the contents of "${key}" differ`,
      );
    }
  }
  return differences.join(", ");
}

/**
 * Loading a generate config: YAML (YAML 1.1 like PyYAML, so ETSimulations' configs read the same)
 * → zod validation with file lines → resolved paths → checked inputs (files exist, the sim.txt
 * and coordinate templates parse). Every problem is one line naming the key and the line, exit 2.
 *
 * @module
 */
import * as yaml from "js-yaml";
import {
  type AssemblerDefinition,
  assemblerNames,
  findAssembler,
  type GaussianError,
  isAssemblerModulePath,
  sampleGeometryOf,
  templateViewWarning,
  type Triple,
} from "../assemblers/mod.ts";
import { userAssembler } from "./assembler_module.ts";
import { checkConfigInputs, type InputSizes } from "./check_inputs.ts";
import { checkTemplateAccess } from "./template_access.ts";
import { checkTemplateFile, templateFiles } from "./template_tables.ts";
import { ConfigError, InputFileError } from "./config_error.ts";
import { ContentProblem, readTextCapped } from "./input_contents.ts";
import { type CoordTemplateRow, parseCoordTemplate } from "./coord_template.ts";
import { type ConfigProblem, describeIssues, dottedPath } from "./issues.ts";
import { basenameOf, dirnameOf, findOnPath, normalizePath, resolvePath } from "./paths.ts";
import {
  CONFIG_KEYS,
  type RawConfig,
  rawConfigSchema,
  type ReconstructSettings,
  reconstructSettings,
} from "./schema.ts";
import { describeSimTemplate, type SimFacts } from "./sim_facts.ts";
import { SimTemplate } from "./sim_template.ts";
import { didYouMean } from "./suggest.ts";
import { EtsError as EtsErrorType } from "../errors/mod.ts";
import { DEFAULT_ROOT_NAME, defaultConfigPath, templatesDir } from "./templates.ts";
import { locateYamlKeys, type YamlLocations } from "./yaml_locate.ts";

/** A validated config with absolute paths and the facts of its templates. */
export interface GenerateConfig {
  /** Absolute path of the YAML file. */
  configFile: string;
  /** Whether this is the embedded default (`templates/config.yaml`). */
  embedded: boolean;
  /** External TEM-Simulator executable; undefined → the embedded engine. */
  temSimulatorExecutable?: string;
  /** External Chimera/ChimeraX executable; undefined → the embedded server. */
  chimeraExecPath?: string;
  /** The particle model, when set. */
  model?: string;
  /** The project folder. */
  root: string;
  /** The TEM-Simulator template (`config`). */
  simTemplate: string;
  /** The coordinate template (`coord`); absent for assemblers that place particles themselves. */
  coordTemplate?: string;
  /** Top-level coordinate error (pixels). */
  coordError?: GaussianError;
  /** Stacks in the whole run. */
  numStacks: number;
  /** Dataset name. */
  name: string;
  /** ETSimulations' num_cores. */
  numCores?: number;
  /** Pixel size, nm. */
  apix: number;
  /** Chimera servers. */
  numChimeraWindows: number;
  /** Defocus values, µm. */
  defocusValues: number[];
  /** Fiducial map, when fiducials are wanted. */
  beadMap?: string;
  /** Fiducial occupancy. */
  beadOccupancy?: number;
  /** The assembler's canonical registry name. */
  assembler: string;
  /** The assembler's parsed options (custom_configs), paths resolved. */
  assemblerOptions: unknown;
  /** Run seed, when set. */
  seed?: number;
  /** Retries per stack. */
  retries: number;
  /** Workers, when set. */
  workers?: number;
  /** Seconds a Chimera server may take to answer before it is restarted. */
  chimeraTimeoutSeconds: number;
  /** Reconstruct every stack (and label it), when set. */
  reconstruct?: ReconstructSettings;
  /** Seconds one engine run may take before it is killed and retried; undefined → from its size. */
  engineTimeoutSeconds?: number;
  /** The template's text. */
  simTemplateText: string;
  /** The template's facts. */
  simFacts: SimFacts;
  /** The coordinate template's rows (pixels, degrees). */
  coordRows: CoordTemplateRow[];
  /** Non-fatal remarks (ignored keys, mismatches). */
  warnings: string[];
  /** Sizes of the inputs as read by the checks (for the memory and disk estimates). */
  inputSizes?: InputSizes;
}

/** Options of {@linkcode loadConfig}. */
export interface LoadConfigOptions {
  /** Overrides `root` (the `--root` flag), resolved against the current folder. */
  root?: string;
  /** Folders granted with `--allow-dir`: files the engine template names may sit there too. */
  allowDirs?: string[];
}

function keysOfSchema(schema: unknown): string[] {
  if (schema !== null && typeof schema === "object" && "shape" in schema) {
    const shape = (schema as { shape: unknown }).shape;
    if (shape !== null && typeof shape === "object") return Object.keys(shape);
  }
  return [];
}

function cwd(): string {
  return Deno.cwd();
}

/**
 * Reads and validates a config file. `path` undefined → the embedded default
 * (`templates/config.yaml`, root defaulting to `./ets_demo`). Throws a `ConfigError` /
 * `InputFileError` (exit 2) on any problem.
 * Needs `--allow-read` on the config, its inputs and the current folder; `--allow-env=PATH` to
 * find bare program names.
 */
export async function loadConfig(
  path: string | undefined,
  options: LoadConfigOptions = {},
): Promise<GenerateConfig> {
  const embedded = path === undefined;
  const configFile = embedded ? defaultConfigPath() : resolvePath(cwd(), path);
  const fileName = embedded ? "templates/config.yaml" : path;
  let text: string;
  try {
    text = await readTextCapped(configFile);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "file not found"
      : error instanceof Deno.errors.IsADirectory
      ? "is a folder, not a file"
      : error instanceof ContentProblem
      ? `the file ${error.message}`
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ConfigError({ fileName, path: configFile }, reason, { cause: error });
  }
  return await parseConfigText(text, {
    fileName,
    configFile,
    embedded,
    root: options.root,
    allowDirs: options.allowDirs,
  });
}

/** Options of {@linkcode parseConfigText}. */
export interface ParseConfigOptions {
  /** The config file as shown in messages. */
  fileName: string;
  /** Its absolute path (relative paths resolve against its folder). */
  configFile: string;
  /** Whether it is the embedded default. */
  embedded?: boolean;
  /** `--root` override. */
  root?: string;
  /** `--allow-dir` folders (lib/config/template_access.ts). */
  allowDirs?: string[];
}

/**
 * Validates config text (see {@linkcode loadConfig}). Needs `--allow-read` on the inputs it
 * names.
 */
export async function parseConfigText(
  text: string,
  options: ParseConfigOptions,
): Promise<GenerateConfig> {
  const { fileName, configFile } = options;
  const configDir = dirnameOf(configFile);
  const fail = (line: number | undefined, reason: string, key?: string): never => {
    throw new ConfigError({ fileName, path: configFile, line, key }, reason);
  };

  let data: unknown;
  let locations: YamlLocations;
  try {
    data = yaml.load(text, { schema: yaml.YAML11_SCHEMA, filename: fileName });
    locations = locateYamlKeys(text);
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      const line = error.mark === undefined ? undefined : error.mark.line + 1;
      return fail(line, error.reason, undefined);
    }
    throw error;
  }
  if (data === null || data === undefined) fail(undefined, "the file is empty");
  if (typeof data !== "object" || Array.isArray(data)) {
    fail(1, "the config must be a mapping of keys to values");
  }

  const report = (problems: ConfigProblem[]): never => {
    // problems at a line first, in file order (an unknown key often explains a missing one)
    const sorted = [...problems].sort((a, b) =>
      (locations.lineOf(a.path) ?? Infinity) - (locations.lineOf(b.path) ?? Infinity)
    );
    const first = sorted[0] as ConfigProblem;
    return fail(locations.lineOf(first.path), first.reason, dottedPath(first.path));
  };

  // The assembler decides the custom_configs schema, so look it up first.
  const rawAssembler = (data as Record<string, unknown>).assembler;
  const assemblerName = typeof rawAssembler === "string" ? rawAssembler : "basic";
  let definition = findAssembler(assemblerName);
  if (definition === undefined && isAssemblerModulePath(assemblerName)) {
    // A module the user wrote (docs/assemblers.md): its path resolves against the config's folder.
    // Its code runs only under grants no broader than the scoped run's (assembler_module.ts).
    const modulePath = resolvePath(configDir, assemblerName);
    try {
      definition = await userAssembler(
        modulePath,
        (data as Record<string, unknown>).custom_configs ?? {},
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      fail(locations.lineOf(["assembler"]), `module "${modulePath}": ${reason}`, "assembler");
    }
  }

  const knownKeys = (at: readonly PropertyKey[]): readonly string[] => {
    if (at.length === 0) return CONFIG_KEYS;
    if (at.length === 1 && at[0] === "coord_error") return ["mu", "sigma"];
    if (at[0] === "custom_configs" && definition) {
      if (at.length === 1) return keysOfSchema(definition.customConfigSchema);
      return ["mu", "sigma"];
    }
    return [];
  };

  const parsed = rawConfigSchema.safeParse(data);
  if (!parsed.success) report(describeIssues(parsed.error.issues, data, [], knownKeys));
  const raw = parsed.data as RawConfig;

  if (definition === undefined) {
    fail(
      locations.lineOf(["assembler"]),
      `unknown assembler "${raw.assembler}"${didYouMean(raw.assembler, assemblerNames())}; known: ${
        assemblerNames().join(", ")
      }, or a module you wrote ("./my_assembler.ts", docs/assemblers.md)`,
      "assembler",
    );
  }
  const assembler = definition as AssemblerDefinition<unknown>;
  const custom = assembler.customConfigSchema.safeParse(raw.custom_configs ?? {});
  if (!custom.success) {
    report(
      describeIssues(custom.error.issues, raw.custom_configs ?? {}, ["custom_configs"], knownKeys),
    );
  }

  const warnings: string[] = [];
  const resolve = (value: string) => resolvePath(configDir, value);
  const program = (key: "tem_simulator_executable" | "chimera_exec_path"): string | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (!value.includes("/")) {
      const found = findOnPath(value);
      if (found === undefined) {
        fail(locations.lineOf([key]), `"${key}": program "${value}" is not on PATH`, key);
      }
      return found;
    }
    return resolve(value);
  };

  const rootValue = options.root !== undefined
    ? resolvePath(cwd(), options.root)
    : raw.root !== undefined
    ? resolve(raw.root)
    : options.embedded
    ? resolvePath(cwd(), DEFAULT_ROOT_NAME)
    : fail(undefined, 'missing key "root" (or give --root)', "root");
  const root = normalizePath(rootValue);

  const assemblerOptions = assembler.resolvePaths(custom.data, resolve);
  const model = raw.model === undefined ? undefined : resolve(raw.model);
  if (assembler.requiresModel && model === undefined) {
    fail(undefined, `missing key "model" (the "${assembler.name}" assembler needs it)`, "model");
  }
  let coordError = raw.coord_error;
  const customCoordError = (custom.data as { coord_error?: GaussianError }).coord_error;
  if (coordError !== undefined && customCoordError !== undefined) {
    warnings.push(
      '"coord_error" is given at the top level and in "custom_configs"; the custom_configs one is used',
    );
    coordError = undefined;
  }
  if (raw.email !== undefined) warnings.push(`"email" is accepted but no mail is sent`);

  const config: GenerateConfig = {
    configFile,
    embedded: options.embedded ?? false,
    temSimulatorExecutable: program("tem_simulator_executable"),
    chimeraExecPath: program("chimera_exec_path"),
    model,
    root,
    simTemplate: resolve(raw.config),
    coordTemplate: raw.coord === undefined ? undefined : resolve(raw.coord),
    coordError,
    numStacks: raw.num_stacks,
    name: raw.name ?? basenameOf(root),
    numCores: raw.num_cores,
    apix: raw.apix,
    numChimeraWindows: raw.num_chimera_windows,
    defocusValues: raw.defocus_values,
    beadMap: raw.bead_map === undefined ? undefined : resolve(raw.bead_map),
    beadOccupancy: raw.bead_occupancy,
    assembler: assembler.name,
    assemblerOptions,
    seed: raw.seed,
    retries: raw.retries,
    workers: raw.workers,
    chimeraTimeoutSeconds: raw.chimera_timeout,
    reconstruct: reconstructSettings(raw.reconstruct),
    engineTimeoutSeconds: raw.engine_timeout === "auto" ? undefined : raw.engine_timeout,
    simTemplateText: "",
    simFacts: { detector: { nx: 0, ny: 0 }, detectorCount: 0, tiltAngles: [] },
    coordRows: [],
    warnings,
  };

  // Input files must exist (programs must also be executable).
  const files: [string, string | undefined][] = [
    ["config", config.simTemplate],
    ["coord", config.coordTemplate],
    ["model", config.model],
    ["bead_map", config.beadMap],
    ["tem_simulator_executable", config.temSimulatorExecutable],
    ["chimera_exec_path", config.chimeraExecPath],
    ...Object.entries(assembler.inputFiles(assemblerOptions)),
  ];
  for (const [key, file] of files) {
    if (file === undefined) continue;
    const keyPath = key.split(".");
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(file);
    } catch (error) {
      const reason = error instanceof Deno.errors.NotFound
        ? "does not exist"
        : `cannot be read (${error instanceof Error ? error.message : String(error)})`;
      return fail(locations.lineOf(keyPath), `"${key}": file "${file}" ${reason}`, key);
    }
    if (!info.isFile) fail(locations.lineOf(keyPath), `"${key}": "${file}" is not a file`, key);
    if (key.endsWith("_executable") || key === "chimera_exec_path") {
      if (((info.mode ?? 0o111) & 0o111) === 0) {
        fail(locations.lineOf(keyPath), `"${key}": "${file}" is not executable`, key);
      }
    }
  }

  // The templates must parse.
  const readText = async (key: string, path: string): Promise<string> => {
    try {
      return await readTextCapped(path);
    } catch (error) {
      if (!(error instanceof ContentProblem)) throw error;
      return fail(locations.lineOf([key]), `"${key}": "${path}" ${error.message}`, key);
    }
  };
  const rootLine = options.root === undefined ? locations.lineOf(["root"]) : undefined;
  await requireRootFolder(root, (reason) => fail(rootLine, reason, "root"));
  const simText = await readText("config", config.simTemplate);
  const simFileName = raw.config;
  const template = new SimTemplate(simText);
  // before any of the template's files is opened (lib/config/template_access.ts)
  checkTemplateAccess(template, config.simTemplate, {
    configFile,
    embedded: options.embedded ?? false,
    allowDirs: options.allowDirs ?? [],
  });
  config.simTemplateText = simText;
  const simWhere = { fileName: simFileName, path: config.simTemplate };
  // the files the engine will read, each read before anything starts
  const engineFiles = templateFiles(template, simWhere);
  config.simFacts = await describeSimTemplate(template, simWhere, async () => {
    const geom = engineFiles.find((file) => file.key === "geom_file_in");
    if (geom === undefined) return [];
    const { table } = await checkTemplateFile(geom, simWhere, 0);
    return (table?.rows ?? []).map((row) => row[1] ?? NaN);
  });
  if (config.coordTemplate === undefined && !assembler.coordOptional) {
    fail(undefined, `missing key "coord" (the "${assembler.name}" assembler needs it)`, "coord");
  }
  config.coordRows = config.coordTemplate === undefined ? [] : parseCoordTemplate(
    await readText("coord", config.coordTemplate),
    raw.coord ?? "",
    config.coordTemplate,
  );
  if (
    config.coordRows.length === 0 && config.beadMap === undefined && !assembler.coordOptional
  ) {
    throw new InputFileError(
      { fileName: raw.coord ?? "coord", path: config.coordTemplate },
      "no particles and no fiducials: nothing to image",
    );
  }
  const pixel = config.simFacts.pixelSizeNm;
  if (pixel !== undefined && Math.abs(pixel - config.apix) > 0.01 * config.apix) {
    warnings.push(
      `"apix" is ${config.apix} nm but the template's pixel_size / magnification is ${
        pixel.toFixed(4)
      } nm; stacks are labelled with apix`,
    );
  }
  const max = assembler.maxParticles;
  if (max !== undefined && config.coordRows.length > max) {
    throw new InputFileError(
      { fileName: raw.coord ?? "coord", path: config.coordTemplate },
      `the "${assembler.name}" assembler takes at most ${max} particles, the template has ${config.coordRows.length}`,
    );
  }
  config.inputSizes = await checkConfigInputs(
    {
      model: config.model,
      beadMap: config.beadMap,
      apix: config.apix,
      particles: config.coordRows.length,
      assembler,
      assemblerOptions,
      simTemplate: template,
      simTemplateName: simFileName,
      simTemplatePath: config.simTemplate,
      templateFiles: engineFiles,
      tilts: config.simFacts.tiltAngles.length,
    },
    files,
    (key, reason) => fail(locations.lineOf(key.split(".")), `"${key}": ${reason}`, key),
  );
  const geometry = sampleGeometryOf(
    (section, key) => template.get(section, key),
    config.simFacts.detector,
    config.apix,
  );
  // e.g. ETSimulations' coord.txt on a small detector: say so before anything runs
  const viewWarning = templateViewWarning(
    geometry,
    config.coordRows.map((row) => row.position.map((v) => v * config.apix) as Triple),
  );
  if (viewWarning !== undefined) warnings.push(viewWarning);
  if (assembler.checkSample !== undefined) {
    // e.g. the crowded assembler: do the particles fit in the ice? (before anything is imaged)
    try {
      await assembler.checkSample(assemblerOptions, geometry);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      fail(locations.lineOf(["custom_configs"]), reason, "custom_configs");
    }
  }
  return config;
}

/** The templates folder (for `--help` texts and the demo). Needs no permissions. */
export function shippedTemplatesDir(): string {
  return templatesDir();
}

/**
 * Refuses a root that names a file, or lies under one (one line, exit 2). Needs --allow-read on
 * the root's existing ancestors.
 */
async function requireRootFolder(root: string, fail: (reason: string) => never): Promise<void> {
  let path = root;
  while (true) {
    try {
      const info = await Deno.stat(path);
      if (!info.isDirectory) {
        fail(
          path === root
            ? `"root": "${root}" is a file, not a folder`
            : `"root": "${root}" lies under "${path}", which is a file, not a folder`,
        );
      }
      return;
    } catch (error) {
      if (error instanceof EtsErrorType) throw error;
      const missing = error instanceof Deno.errors.NotFound ||
        error instanceof Deno.errors.NotADirectory;
      if (!missing) return;
    }
    const slash = path.lastIndexOf("/");
    if (slash <= 0) return;
    path = path.slice(0, slash);
  }
}

/**
 * Loading a generate config: YAML (YAML 1.1 like PyYAML, so ETSimulations' configs read the same)
 * → zod validation with file lines → resolved paths → checked inputs (files exist, the sim.txt
 * and coordinate templates parse). Every problem is one line naming the key and the line, exit 2.
 *
 * @module
 */
import type { AssemblerDefinition, GaussianError } from "../assemblers/mod.ts";
import { checkConfigInputs, type InputSizes } from "./check_inputs.ts";
import { ConfigError } from "./config_error.ts";
import { externalProgram } from "./config_programs.ts";
import { projectRoot, requireRootFolder } from "./config_root.ts";
import { checkSample } from "./config_sample.ts";
import { configFailure, type ConfigScope, configScope } from "./config_scope.ts";
import { readConfigYaml } from "./config_yaml.ts";
import type { CoordTemplateRow } from "./coord_template.ts";
import { apixMismatch, type EngineTemplate, readEngineTemplate } from "./engine_template.ts";
import { ContentProblem, readTextCapped } from "./input_contents.ts";
import { type NamedInput, requireInputFiles } from "./input_files.ts";
import { readCoordRows, requireParticleLimit, requireSomethingToImage } from "./particle_set.ts";
import { basenameOf, resolvePath } from "./paths.ts";
import { type RawConfig, type ReconstructSettings, reconstructSettings } from "./schema.ts";
import type { SimFacts } from "./sim_facts.ts";
import { defaultConfigPath, templatesDir } from "./templates.ts";
import { validateConfig } from "./validate_config.ts";

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
  const configFile = embedded ? defaultConfigPath() : resolvePath(Deno.cwd(), path);
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
  const fail = configFailure(fileName, configFile);
  const { data, locations } = readConfigYaml(text, fileName, fail);
  const scope = configScope(configFile, locations, fail);
  const { raw, assembler, customOptions } = await validateConfig(data, scope);
  const config = configSettings(raw, assembler, customOptions, options, scope);
  // Input files must exist (programs must also be executable).
  const files = inputFilesOf(config, assembler);
  await requireInputFiles(files, scope);
  // The templates must parse.
  const rootLine = options.root === undefined ? locations.lineOf(["root"]) : undefined;
  await requireRootFolder(config.root, (reason) => fail(rootLine, reason, "root"));
  const engine = await readEngineTemplate(raw.config, config.simTemplate, {
    configFile,
    embedded: options.embedded ?? false,
    allowDirs: options.allowDirs ?? [],
  }, scope);
  config.simTemplateText = engine.text;
  config.simFacts = engine.facts;
  const coord = { written: raw.coord, path: config.coordTemplate };
  config.coordRows = await readCoordRows(coord, assembler, scope);
  requireSomethingToImage(config.coordRows, config.beadMap, assembler, coord);
  const apixWarning = apixMismatch(config.simFacts, config.apix);
  if (apixWarning !== undefined) config.warnings.push(apixWarning);
  requireParticleLimit(config.coordRows, assembler, coord);
  config.inputSizes = await inputSizesOf(config, assembler, engine, raw.config, files, scope);
  await checkSample(
    {
      template: engine.template,
      facts: config.simFacts,
      apix: config.apix,
      rows: config.coordRows,
      assembler,
      assemblerOptions: config.assemblerOptions,
    },
    config.warnings,
    scope,
  );
  return config;
}

/**
 * The config's settings: absolute paths, defaults and the remarks on its keys; the templates are
 * not read yet. The root, then `model`, then the programs are checked, in that order.
 */
function configSettings(
  raw: RawConfig,
  assembler: AssemblerDefinition<unknown>,
  customOptions: unknown,
  options: ParseConfigOptions,
  scope: ConfigScope,
): GenerateConfig {
  const root = projectRoot(raw, options, scope);
  const assemblerOptions = assembler.resolvePaths(customOptions, scope.resolve);
  const model = particleModel(raw, assembler, scope);
  const warnings: string[] = [];
  const coordError = topLevelCoordError(raw, customOptions, warnings);
  if (raw.email !== undefined) warnings.push(`"email" is accepted but no mail is sent`);
  return {
    configFile: options.configFile,
    embedded: options.embedded ?? false,
    temSimulatorExecutable: externalProgram(raw, "tem_simulator_executable", scope),
    chimeraExecPath: externalProgram(raw, "chimera_exec_path", scope),
    model,
    root,
    simTemplate: scope.resolve(raw.config),
    coordTemplate: raw.coord === undefined ? undefined : scope.resolve(raw.coord),
    coordError,
    numStacks: raw.num_stacks,
    name: raw.name ?? basenameOf(root),
    numCores: raw.num_cores,
    apix: raw.apix,
    numChimeraWindows: raw.num_chimera_windows,
    defocusValues: raw.defocus_values,
    beadMap: raw.bead_map === undefined ? undefined : scope.resolve(raw.bead_map),
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
}

/** The particle model's absolute path; missing when the assembler needs it → the config's error. */
function particleModel(
  raw: RawConfig,
  assembler: AssemblerDefinition<unknown>,
  scope: ConfigScope,
): string | undefined {
  const model = raw.model === undefined ? undefined : scope.resolve(raw.model);
  if (assembler.requiresModel && model === undefined) {
    scope.fail(
      undefined,
      `missing key "model" (the "${assembler.name}" assembler needs it)`,
      "model",
    );
  }
  return model;
}

/**
 * The top-level `coord_error`; dropped, with a remark pushed to `warnings`, when `custom_configs`
 * gives one too (the custom one wins).
 */
function topLevelCoordError(
  raw: RawConfig,
  customOptions: unknown,
  warnings: string[],
): GaussianError | undefined {
  const customCoordError = (customOptions as { coord_error?: GaussianError }).coord_error;
  if (raw.coord_error !== undefined && customCoordError !== undefined) {
    warnings.push(
      '"coord_error" is given at the top level and in "custom_configs"; the custom_configs one is used',
    );
    return undefined;
  }
  return raw.coord_error;
}

/** The input files the config names (dotted key → absolute path), in the order they are checked. */
function inputFilesOf(
  config: GenerateConfig,
  assembler: AssemblerDefinition<unknown>,
): NamedInput[] {
  return [
    ["config", config.simTemplate],
    ["coord", config.coordTemplate],
    ["model", config.model],
    ["bead_map", config.beadMap],
    ["tem_simulator_executable", config.temSimulatorExecutable],
    ["chimera_exec_path", config.chimeraExecPath],
    ...Object.entries(assembler.inputFiles(config.assemblerOptions)),
  ];
}

/**
 * Reads every input (lib/config/check_inputs.ts) and returns their sizes for the estimates; a
 * problem is the config's error at the input's key. Needs `--allow-read` on the inputs.
 */
function inputSizesOf(
  config: GenerateConfig,
  assembler: AssemblerDefinition<unknown>,
  engine: EngineTemplate,
  simFileName: string,
  files: NamedInput[],
  scope: ConfigScope,
): Promise<InputSizes> {
  return checkConfigInputs(
    {
      model: config.model,
      beadMap: config.beadMap,
      apix: config.apix,
      particles: config.coordRows.length,
      assembler,
      assemblerOptions: config.assemblerOptions,
      simTemplate: engine.template,
      simTemplateName: simFileName,
      simTemplatePath: config.simTemplate,
      templateFiles: engine.files,
      tilts: config.simFacts.tiltAngles.length,
    },
    files,
    (key, reason) => scope.failAtKey(key, `"${key}": ${reason}`),
  );
}

/** The templates folder (for `--help` texts and the demo). Needs no permissions. */
export function shippedTemplatesDir(): string {
  return templatesDir();
}

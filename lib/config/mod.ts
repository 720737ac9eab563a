/**
 * Generate configs: ETSimulations' YAML keys plus `seed`, `retries`, `workers`, validated with
 * zod before anything starts (one line naming the key and the line, exit 2); the TEM-Simulator
 * template (`config`) and the coordinate template (`coord`); the shipped templates.
 *
 * @module
 */
export { loadConfig, parseConfigText, shippedTemplatesDir } from "./load.ts";
export type { GenerateConfig, LoadConfigOptions, ParseConfigOptions } from "./load.ts";
export { ASSEMBLER_FACTS_MARKER } from "./assembler_module.ts";
export type { AssemblerFactsReply } from "./assembler_module.ts";
export { CONFIG_KEYS, PATH_KEYS, rawConfigSchema } from "./schema.ts";
export type { RawConfig, ReconstructSettings } from "./schema.ts";
export { ConfigError, InputFileError } from "./config_error.ts";
export type { ConfigLocation } from "./config_error.ts";
export { INPUT_FILE_PARAMETERS, SimTemplate, simValue } from "./sim_template.ts";
export type { SimComponent, SimParameter } from "./sim_template.ts";
export { describeSimTemplate } from "./sim_facts.ts";
export type { SimFacts } from "./sim_facts.ts";
export { parseCoordTemplate } from "./coord_template.ts";
export type { CoordTemplateRow } from "./coord_template.ts";
export { DEFAULT_ROOT_NAME, defaultConfigPath, filePathOf, templatesDir } from "./templates.ts";
export { basenameOf, dirnameOf, findOnPath, normalizePath, resolvePath } from "./paths.ts";
export {
  checkTemplateAccess,
  isInside,
  readableUnder,
  templateInputs,
  templateReadDirs,
} from "./template_access.ts";
export type { TemplateAccess, TemplateInput } from "./template_access.ts";
export { closestMatch, didYouMean, editDistance } from "./suggest.ts";
export { locateYamlKeys, YamlLocations } from "./yaml_locate.ts";
export {
  engineMemoryBytes,
  estimateRun,
  humanBytes,
  MAX_METADATA_BYTES,
  MAX_TILTS,
  paddedGridSide,
  requireRunFits,
  runNeedsOf,
  tiltSeriesBytes,
} from "./estimate.ts";
export type { MachineOffer, RunEstimate, RunNeeds, SizedConfig, StackSize } from "./estimate.ts";
export type { InputSizes } from "./check_inputs.ts";
export {
  checkAtomicModelFile,
  checkMapFile,
  ContentProblem,
  MAX_TEXT_BYTES,
  readTextCapped,
} from "./input_contents.ts";

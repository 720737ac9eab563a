/**
 * The one-line error of a bad config: `Cannot read config "run.yaml": line 12: "num_stacks" must
 * be an integer, got "abc"` (exit 2).
 *
 * @module
 */
import { EtsError } from "../errors/mod.ts";

/** Where a config problem is. */
export interface ConfigLocation {
  /** The config file as shown to the user. */
  fileName: string;
  /** The absolute path of the config file. */
  path?: string;
  /** 1-based line, when known. */
  line?: number;
  /** The dotted key path, when a key is concerned. */
  key?: string;
}

/**
 * An `EtsError` of kind `input` whose message names the config file, the line and the key.
 * Needs no permissions.
 */
export class ConfigError extends EtsError {
  constructor(location: ConfigLocation, reason: string, options: { cause?: unknown } = {}) {
    const where = location.line === undefined ? "" : `line ${location.line}: `;
    super(`Cannot read config "${location.fileName}": ${where}${reason}`, {
      kind: "input",
      file: location.path ?? location.fileName,
      line: location.line,
      key: location.key,
      cause: options.cause,
    });
  }

  /** The message (it already carries the location). */
  override get oneLine(): string {
    return this.message;
  }
}

/**
 * An `EtsError` of kind `input` about an input file the config names (the sim.txt template, the
 * coordinate template): `Cannot read "sim.txt": line 12: reason`. Needs no permissions.
 */
export class InputFileError extends EtsError {
  constructor(
    location: { fileName: string; path?: string; line?: number; key?: string },
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    const where = location.line === undefined ? "" : `line ${location.line}: `;
    super(`Cannot read "${location.fileName}": ${where}${reason}`, {
      kind: "input",
      file: location.path ?? location.fileName,
      line: location.line,
      key: location.key,
      cause: options.cause,
    });
  }

  /** The message (it already carries the location). */
  override get oneLine(): string {
    return this.message;
  }
}

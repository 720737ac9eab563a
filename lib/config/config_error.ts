/**
 * The one-line error of a bad config: `Cannot read config "run.yaml": line 12: "num_stacks" must
 * be an integer, got "abc"` (exit 2).
 *
 * @module
 */
import { type InputLocation, LocatedInputError } from "../errors/mod.ts";

/** Where a config problem is: the file (as shown and its path), the line and the dotted key. */
export type ConfigLocation = InputLocation;

/**
 * An `EtsError` of kind `input` whose message names the config file, the line and the key.
 * Needs no permissions.
 */
export class ConfigError extends LocatedInputError {
  constructor(location: ConfigLocation, reason: string, options: { cause?: unknown } = {}) {
    super(location, reason, { cause: options.cause, fileKind: "config" });
  }
}

/**
 * An `EtsError` of kind `input` about an input file the config names (the sim.txt template, the
 * coordinate template): `Cannot read "sim.txt": line 12: reason`. Needs no permissions.
 */
export class InputFileError extends LocatedInputError {}

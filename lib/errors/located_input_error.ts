/**
 * Input errors located in a file: `Cannot read "sim.txt": line 12: "det_pix_x" must be an
 * integer, got "6.4e1"` (kind `input`, exit 2), with `file`, `line` and `key` set for programs.
 *
 * @module
 */
import { EtsError } from "./ets_error.ts";

/** Where an input problem is. */
export interface InputLocation {
  /** The file as the user named it (shown in the message). */
  fileName: string;
  /** The absolute path of the file (kept in `file`; defaults to `fileName`). */
  path?: string;
  /** 1-based line, if the problem is on one line. */
  line?: number;
  /** The key or parameter name, if one is concerned. */
  key?: string;
}

/** Options of a located input error. */
export interface LocatedInputErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** A word naming the kind of file, put before its name: "config" → `Cannot read config "x"`. */
  fileKind?: string;
}

/**
 * An `EtsError` of kind `input` whose message already names the place:
 * `Cannot read [fileKind ]"fileName": [line N: ]reason`. `oneLine` is the message itself, so the
 * location is not printed twice. Needs no permissions.
 */
export class LocatedInputError extends EtsError {
  constructor(location: InputLocation, reason: string, options: LocatedInputErrorOptions = {}) {
    const what = options.fileKind === undefined ? "" : `${options.fileKind} `;
    const where = location.line === undefined ? "" : `line ${location.line}: `;
    super(`Cannot read ${what}"${location.fileName}": ${where}${reason}`, {
      kind: "input",
      file: location.path ?? location.fileName,
      line: location.line,
      key: location.key,
      cause: options.cause,
    });
  }

  /** The message (it already contains the location). */
  override get oneLine(): string {
    return this.message;
  }
}

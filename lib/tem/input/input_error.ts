/**
 * The input error of the TEM-Simulator input: located (file, line, key) and printed as one line.
 *
 * @module
 */
import { EtsError } from "../../errors/mod.ts";

/** Where an input problem is. */
export interface InputLocation {
  /** The file as the user named it (shown in the message). */
  fileName: string;
  /** The absolute path of the file (kept in `file`). */
  path?: string;
  /** 1-based line, if the problem is on one line. */
  line?: number;
  /** The parameter name, if one is concerned. */
  key?: string;
}

/**
 * An `EtsError` of kind `input` (exit 2) whose message already names the place:
 * `Cannot read "sim.txt": line 12: "det_pix_x" must be an integer, got "6.4e1"`.
 * `file`, `line` and `key` are set for programs; `oneLine` is the message itself, so the location
 * is not printed twice. Needs no permissions.
 */
export class TemInputError extends EtsError {
  constructor(location: InputLocation, reason: string, options: { cause?: unknown } = {}) {
    const where = location.line === undefined ? "" : `line ${location.line}: `;
    super(`Cannot read "${location.fileName}": ${where}${reason}`, {
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

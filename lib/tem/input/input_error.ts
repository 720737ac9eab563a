/**
 * The input error of the TEM-Simulator input: located (file, line, key) and printed as one line.
 *
 * @module
 */
import { LocatedInputError } from "../../errors/mod.ts";

export type { InputLocation } from "../../errors/mod.ts";

/**
 * An `EtsError` of kind `input` (exit 2) whose message already names the place:
 * `Cannot read "sim.txt": line 12: "det_pix_x" must be an integer, got "6.4e1"`.
 * `file`, `line` and `key` are set for programs; `oneLine` is the message itself, so the location
 * is not printed twice (see `LocatedInputError`). Needs no permissions.
 */
export class TemInputError extends LocatedInputError {}

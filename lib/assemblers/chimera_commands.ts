/**
 * Chimera 1 command text as assemblers send it (spec chimera.md §2): model specs, numbers with
 * three decimals, and file names quoted when they contain spaces.
 *
 * @module
 */
import { z } from "zod";

/** A file name as the last token of a command: quoted when it has whitespace. */
export function fileToken(path: string): string {
  return /\s/.test(path) ? `"${path.replaceAll('"', '\\"')}"` : path;
}

/** A number as ETSimulations formats it in commands (`%.3f`). */
export function fixed3(value: number): string {
  return value.toFixed(3);
}

/** `open #id file`. */
export function openCommand(id: number, path: string): string {
  return `open #${id} ${fileToken(path)}`;
}

/** `volume #id save file`. */
export function saveCommand(id: number, path: string): string {
  return `volume #${id} save ${fileToken(path)}`;
}

/** The zod schema of `{mu, sigma}` error parameters. */
export const gaussianErrorSchema = z.strictObject({
  mu: z.number(),
  sigma: z.number().min(0),
});

/**
 * Quoting input in messages: a short, escaped excerpt, never a whole line of a file (which may
 * be a secret: an engine template naming `/etc/shadow`, a key file given as a table).
 *
 * @module
 */

/** Longest excerpt, in characters (before escaping). */
export const EXCERPT_CHARS = 24;

/**
 * `text` quoted for a one-line message: at most {@linkcode EXCERPT_CHARS} characters, control
 * and non-ASCII characters escaped (JSON style), `…` when cut. Pure.
 *
 * @example
 * excerpt("root:$6$abcdefghijklmnopqrstuvwxyz:19000:0:99999:7:::") // '"root:$6$abcdefghijklmnop…"'
 */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const chars = [...text];
  const cut = chars.length > max;
  const shown = chars.slice(0, max).join("");
  const escaped = JSON.stringify(shown).slice(1, -1)
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `"${escaped}${cut ? "…" : ""}"`;
}

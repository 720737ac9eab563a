/**
 * The shipped templates (`templates/`: config.yaml, sim.txt, coord.txt, maps), found relative to
 * this module so they resolve from source, from a bundle and from `deno compile --include
 * templates`.
 *
 * @module
 */

/** A `file:` URL as a file-system path. Needs no permissions. */
export function filePathOf(url: URL): string {
  if (url.protocol !== "file:") throw new Error(`not a file URL: ${url.href}`);
  return decodeURIComponent(url.pathname);
}

/** The absolute path of the templates folder (no trailing slash). Needs no permissions. */
export function templatesDir(): string {
  return filePathOf(new URL("../../templates", import.meta.url));
}

/** The embedded default config, `templates/config.yaml`. Needs no permissions. */
export function defaultConfigPath(): string {
  return `${templatesDir()}/config.yaml`;
}

/** The name of the default root folder (in the current folder) for the embedded config. */
export const DEFAULT_ROOT_NAME = "ets_demo";

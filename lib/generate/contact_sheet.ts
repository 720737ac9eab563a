/**
 * `root/index.html`: the contact sheet of a run's stacks (lib/preview), written from the
 * metadata records by a one-machine run at its end and by `ets merge` for a sharded run, so both
 * write the same file.
 *
 * @module
 */
import { type IndexStack, writeIndexHtml } from "../preview/mod.ts";
import type { StackRecord } from "./metadata.ts";

/** `path` relative to `root` when it lies inside it, else unchanged. Needs no permissions. */
function relativeTo(root: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/**
 * The contact sheet's cards of `records` (by stack number): name, preview, defocus, seed,
 * status, and the noisy tilt series of done stacks, paths relative to `root`.
 * Needs no permissions.
 */
export function contactSheetStacks(root: string, records: readonly StackRecord[]): IndexStack[] {
  const base = root.replace(/\/+$/, "") || "/";
  return [...records].sort((a, b) => a.global_stack_no - b.global_stack_no).map((record) => ({
    name: record.name,
    preview: relativeTo(base, record.preview),
    defocus: record.defocus,
    seed: record.seed,
    status: record.status,
    output: record.status === "done" ? relativeTo(base, record.output) : undefined,
  }));
}

/**
 * Writes `root/index.html` (atomically) for `records`; returns its path.
 * Needs --allow-write on `root`.
 */
export async function writeContactSheet(
  root: string,
  records: readonly StackRecord[],
): Promise<string> {
  const base = root.replace(/\/+$/, "") || "/";
  await writeIndexHtml(base, contactSheetStacks(base, records));
  return `${base === "/" ? "" : base}/index.html`;
}

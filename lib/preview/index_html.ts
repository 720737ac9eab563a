/**
 * root/index.html: a contact sheet of all stacks (preview, defocus, seed, status) that opens in a
 * browser from disk: relative links, embedded CSS, no scripts.
 *
 * @module
 */
import { writeFileAtomic } from "../platform/mod.ts";
import type { IndexStack } from "./types.ts";

/** Escapes text for HTML content and attribute values. Needs no permissions. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/**
 * A relative URL for a path relative to the root (absolute paths under `root` are made relative);
 * each segment percent-encoded. Needs no permissions.
 */
export function relativeHref(path: string, root: string): string {
  const base = root.replace(/\/+$/, "");
  let rel = path;
  if (base !== "" && rel.startsWith(base + "/")) rel = rel.slice(base.length + 1);
  rel = rel.replace(/^\.\//, "");
  return rel.split("/").map((s) => encodeURIComponent(s)).join("/");
}

const CSS = `
body { font-family: system-ui, sans-serif; margin: 1.5rem; background: #f6f6f8; color: #1d1d22; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
p.summary { margin: 0 0 1.2rem; color: #555; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: 1rem; }
figure { margin: 0; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px #0002; overflow: hidden; }
figure img { display: block; width: 100%; height: auto; background: #18181c; }
figure .noimg { height: 8rem; display: flex; align-items: center; justify-content: center;
  background: #e4e4ea; color: #777; }
figcaption { padding: .5rem .7rem .7rem; font-size: .9rem; line-height: 1.5; }
figcaption .name { font-weight: 600; }
.status { display: inline-block; padding: 0 .45rem; border-radius: 4px; font-size: .8rem;
  background: #ddd; margin-left: .4rem; }
.status-done .status, .status-complete .status, .status-ok .status { background: #cdeccf; color: #185c1e; }
.status-failed .status, .status-error .status { background: #f5c9c9; color: #7a1414; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 0 .8rem; margin: .3rem 0 0; }
dt { color: #666; } dd { margin: 0; }
`;

/** The contact sheet's HTML (pure). Needs no permissions. */
export function indexHtml(
  root: string,
  stacks: IndexStack[],
  title = "ets: simulated tilt series",
): string {
  const counts = new Map<string, number>();
  for (const s of stacks) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const summary = [`${stacks.length} stack${stacks.length === 1 ? "" : "s"}`]
    .concat([...counts].map(([status, n]) => `${n} ${status}`)).join(" · ");
  const cards = stacks.map((s) => {
    const statusClass = "status-" + s.status.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    const img = s.preview === undefined
      ? `<div class="noimg">no preview</div>`
      : `<a href="${escapeHtml(relativeHref(s.preview, root))}"><img src="${
        escapeHtml(relativeHref(s.preview, root))
      }" alt="${escapeHtml(`preview of ${s.name}`)}" loading="lazy"></a>`;
    const output = s.output === undefined
      ? ""
      : `<dt>output</dt><dd><a href="${escapeHtml(relativeHref(s.output, root))}">${
        escapeHtml(s.output.split("/").pop() ?? s.output)
      }</a></dd>`;
    return `<figure class="${escapeHtml(statusClass)}">
${img}
<figcaption><span class="name">${escapeHtml(s.name)}</span><span class="status">${
      escapeHtml(s.status)
    }</span>
<dl><dt>defocus</dt><dd>${escapeHtml(String(s.defocus))} µm</dd><dt>seed</dt><dd>${
      escapeHtml(String(s.seed))
    }</dd>${output}</dl></figcaption>
</figure>`;
  }).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="summary">${escapeHtml(summary)}</p>
<div class="grid">
${cards}
</div>
</body>
</html>
`;
}

/**
 * Writes `root/index.html` atomically: one card per stack with its preview, defocus, seed,
 * status and a link to its output; links are relative so it opens from disk without a server.
 * Needs --allow-write on `root`.
 */
export async function writeIndexHtml(root: string, stacks: IndexStack[]): Promise<void> {
  const dir = root.replace(/\/+$/, "") || "/";
  await writeFileAtomic(`${dir}/index.html`, indexHtml(root, stacks));
}

/**
 * The POSIX sh header of the packed one-file `ets`: finds its own archive (appended after the
 * header), unpacks it once per user into a cache folder named by the archive's content hash, and
 * runs the app with the cached Deno, offline (`--frozen --cached-only`, the shipped
 * `node_modules`, no update check). An administrator narrows its grants with a site flags file
 * (`<launcher>.flags` beside it, else `/etc/ets/launcher.flags`; {@linkcode SITE_FLAGS_FILES}):
 * one `--allow-*` / `--deny-*` flag per line, replacing the default permission flags; `@ETS@`
 * stands for the unpacked folder; the `--deny-*` lines also reach every child
 * (`ETS_SITE_DENY`). Safe when many Slurm array tasks start at once: one unpacks
 * (the others wait on a lock folder), always into a private temp folder that is renamed into place
 * only when complete; a loser of the rename removes its copy and uses the winner's.
 *
 * @module
 */

/** What the header needs to know about its archive. */
export interface LauncherOptions {
  /** `ets` version, part of the cache folder name. */
  version: string;
  /** SHA-256 (hex) of the appended archive. */
  hash: string;
  /** Deno flags (permissions, runtime) the app runs with. */
  flags: readonly string[];
}

/** Where the launcher looks for the site's flags file, first found wins (`$0` is the launcher). */
export const SITE_FLAGS_FILES: readonly string[] = [
  "<launcher>.flags",
  "/etc/ets/launcher.flags",
];

/** Width of the zero-padded byte offset written into the header. */
const OFFSET_WIDTH = 12;
const OFFSET_PLACEHOLDER = "0".repeat(OFFSET_WIDTH);

function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** Flags one per line, sh-quoted as one string (split on newlines at run time). */
function lines(flags: readonly string[]): string {
  return shQuote(flags.map((flag) => `${flag}\n`).join(""));
}

function template(options: LauncherOptions, offset: string): string {
  const key = `ets-${options.version.replace(/[^A-Za-z0-9.]+/g, "_")}-${options.hash.slice(0, 16)}`;
  const permissions = options.flags.filter((flag) => /^--(allow|deny)-/.test(flag));
  const runtime = options.flags.filter((flag) => !/^--(allow|deny)-/.test(flag));
  return `#!/bin/sh
# ets ${options.version}: one self-contained file (this POSIX sh header, then a gzip'd tar of the
# Deno runtime and the ets app). The first run unpacks it into a per-user cache:
#   \${ETS_CACHE_DIR:-\${XDG_CACHE_HOME:-$HOME/.cache}/ets}/${key}
# Needs only sh and coreutils, gzip, tar, find (no Deno, no Node).
ets_hash=${options.hash}
ets_offset=${offset}
ets_key=${key}

ets_fail() { echo "ets: $*" >&2; exit 2; }

case $0 in
  /*) ets_self=$0 ;;
  */*) ets_self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0") ;;
  *) ets_self=$(command -v -- "$0") || ets_fail "Cannot find this launcher's own file \\"$0\\"" ;;
esac
[ -r "$ets_self" ] || ets_fail "Cannot read this launcher's own file \\"$ets_self\\""

ets_cache=\${ETS_CACHE_DIR:-\${XDG_CACHE_HOME:-\${HOME:-/nonexistent}/.cache}/ets}
if ! mkdir -p "$ets_cache" 2>/dev/null || [ ! -w "$ets_cache" ]; then
  ets_cache=\${TMPDIR:-/tmp}/ets-cache-$(id -u)
  mkdir -p "$ets_cache" && chmod 700 "$ets_cache" ||
    ets_fail "Cannot create a cache folder: set ETS_CACHE_DIR to a writable folder"
fi
ets_dir=$ets_cache/$ets_key

ets_unpack() {
  ets_tmp=$ets_cache/.$ets_key.$(uname -n).$$
  rm -rf "$ets_tmp"
  mkdir "$ets_tmp" || return 1
  if ! tail -c +"$ets_offset" "$ets_self" | gzip -dc | (cd "$ets_tmp" && tar -xf -); then
    rm -rf "$ets_tmp"
    return 1
  fi
  : > "$ets_tmp/.complete"
  # rename(2) is atomic; it fails when another task got there first (folder not empty)
  if mv -T "$ets_tmp" "$ets_dir" 2>/dev/null; then return 0; fi
  if [ -f "$ets_dir/.complete" ]; then rm -rf "$ets_tmp"; return 0; fi
  if [ ! -e "$ets_dir" ] && mv "$ets_tmp" "$ets_dir"; then return 0; fi
  rm -rf "$ets_tmp"
  return 1
}

if [ ! -f "$ets_dir/.complete" ]; then
  ets_lock=$ets_cache/.$ets_key.lock
  if mkdir "$ets_lock" 2>/dev/null; then
    trap 'rmdir "$ets_lock" 2>/dev/null' EXIT
    trap 'rmdir "$ets_lock" 2>/dev/null; exit 130' INT
    trap 'rmdir "$ets_lock" 2>/dev/null; exit 143' TERM
    ets_unpack || ets_fail "Cannot unpack into \\"$ets_dir\\" (disk full? remove it and retry)"
    rmdir "$ets_lock" 2>/dev/null
    trap - EXIT INT TERM
  else
    # another task is unpacking: wait for it (at most 10 min, or until its lock is stale)
    ets_waited=0
    while [ ! -f "$ets_dir/.complete" ] && [ -d "$ets_lock" ] && [ "$ets_waited" -lt 600 ]; do
      if [ -n "$(find "$ets_lock" -prune -mmin +10 2>/dev/null)" ]; then break; fi
      sleep 1
      ets_waited=$((ets_waited + 1))
    done
    if [ ! -f "$ets_dir/.complete" ]; then
      ets_unpack || ets_fail "Cannot unpack into \\"$ets_dir\\" (disk full? remove it and retry)"
    fi
  fi
fi

# Permission flags: the defaults, or the site's flags file (admin-owned), one flag per line.
ets_nl='
'
ets_perm=${lines(permissions)}
ets_runtime=${lines(runtime)}
ets_deny=
ets_site=
for ets_f in "$ets_self.flags" /etc/ets/launcher.flags; do
  if [ -f "$ets_f" ]; then ets_site=$ets_f; break; fi
done
if [ -n "$ets_site" ]; then
  [ -r "$ets_site" ] || ets_fail "Cannot read the site's flags file \\"$ets_site\\""
  ets_perm=
  ets_n=0
  while IFS= read -r ets_line || [ -n "$ets_line" ]; do
    ets_n=$((ets_n + 1))
    case $ets_line in
      '' | '#'*) continue ;;
      *@ETS@*) ets_line=$(printf '%s\\n' "$ets_line" | sed "s|@ETS@|$ets_dir|g") ;;
    esac
    case $ets_line in
      --allow-read | --allow-read=?* | --allow-write | --allow-write=?* | --allow-run | \\
        --allow-run=?* | --allow-env | --allow-env=?* | --allow-sys | --allow-sys=?* | \\
        --allow-net | --allow-net=?*) ;;
      --deny-read | --deny-read=?* | --deny-write | --deny-write=?* | --deny-run | \\
        --deny-run=?* | --deny-env | --deny-env=?* | --deny-sys | --deny-sys=?* | --deny-net | \\
        --deny-net=?* | --deny-ffi | --deny-ffi=?* | --deny-import | --deny-import=?*)
        ets_deny=$ets_deny$ets_line$ets_nl ;;
      *) ets_fail "Cannot use the site's flags file \\"$ets_site\\": line $ets_n is not one --allow-NAME[=...] or --deny-NAME[=...] permission flag" ;;
    esac
    ets_perm=$ets_perm$ets_line$ets_nl
  done < "$ets_site"
fi
ETS_SITE_DENY=$ets_deny
export ETS_SITE_DENY

# LD_LIBRARY_PATH & co. (from \`module load\`) are left as they are: ets passes them to real
# external programs where its grants allow and blanks them for its own Deno children
# (lib/platform/child_env.ts).
ETS_LAUNCHER=$ets_self
export ETS_LAUNCHER
DENO_DIR=\${ETS_DENO_DIR:-$ets_dir/.deno_dir}
export DENO_DIR
DENO_NO_UPDATE_CHECK=1
export DENO_NO_UPDATE_CHECK
DENO_NO_PROMPT=1
export DENO_NO_PROMPT
set -f
IFS=$ets_nl
exec "$ets_dir/deno" run --quiet --no-prompt --frozen --cached-only --no-remote --node-modules-dir=manual \\
  $ets_perm $ets_runtime "$ets_dir/app/main.ts" "$@"
exit 2
`;
}

/**
 * The launcher header text, whose `ets_offset` is the 1-based byte position where the archive
 * starts (its own length + 1). Pure; needs no permissions.
 */
export function launcherHeader(options: LauncherOptions): string {
  if (!/^[0-9a-f]{64}$/.test(options.hash)) {
    throw new RangeError("hash must be 64 hex digits");
  }
  const draft = template(options, OFFSET_PLACEHOLDER);
  const length = new TextEncoder().encode(draft).length;
  const offset = String(length + 1).padStart(OFFSET_WIDTH, "0");
  return template(options, offset);
}

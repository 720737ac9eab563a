/**
 * Scoped grants in their two forms: `--allow-NAME=a,b` flags (a `deno run` of `ets` under the
 * grants, `lib/platform/scoped_run.ts`) and a Web Worker's permission descriptor (a process that
 * cannot re-run itself under flags, the compiled binary, runs the command in a worker with them,
 * `lib/platform/confined_run.ts`). Both are made from one {@linkcode Grants} value; a child of
 * the compiled binary receives its grants as these flags before the subcommand
 * (`ets --allow-read=… tem-simulator …`) and turns them back into the same value.
 *
 * @module
 */
import { inputError } from "../errors/mod.ts";

/** Paths, hosts or names per permission (an empty list grants nothing). */
export interface Grants {
  /** --allow-read: files and folders. */
  read: string[];
  /** --allow-write: files and folders. */
  write: string[];
  /** --allow-run: executables. */
  run: string[];
  /** --allow-net: hosts. */
  net: string[];
  /** --allow-env: variable names. */
  env: string[];
}

/** The permissions a {@linkcode Grants} value names, in flag order. */
export const GRANT_NAMES = ["read", "write", "run", "net", "env"] as const;

/**
 * `--allow-x=a,b` flags of `grants`, one per non-empty permission (values with a comma are
 * refused: the flag could not say them). Needs no permissions.
 *
 * @example
 * grantFlags({ read: ["/data"], write: [], run: [], net: ["127.0.0.1"], env: ["HOME"] })
 * // ["--allow-read=/data", "--allow-net=127.0.0.1", "--allow-env=HOME"]
 */
export function grantFlags(grants: Grants): string[] {
  return GRANT_NAMES.flatMap((name) => {
    const values = grants[name];
    if (values.length === 0) return [];
    const comma = values.find((value) => value.includes(","));
    if (comma !== undefined) {
      throw new RangeError(`Cannot grant --allow-${name} on "${comma}": the path has a comma`);
    }
    return [`--allow-${name}=${values.join(",")}`];
  });
}

/** Grants, site denials and the arguments after them (see {@linkcode splitGrantFlags}). */
export interface LeadingGrants {
  /** The grants the leading flags name. */
  grants: Grants;
  /** The leading `--deny-NAME[=…]` flags. */
  deny: string[];
  /** The arguments after the flags (the subcommand first). */
  args: string[];
}

const ALLOW = /^--allow-(read|write|run|net|env)=(.+)$/;
const DENY = /^--deny-(read|write|net|env|sys|run|ffi|import)(=.*)?$/;

/**
 * The leading `--allow-NAME=…` / `--deny-NAME[=…]` arguments of `args`, as the compiled binary
 * gives them to its children (`ets --allow-read=/a,/b tem-simulator …`); undefined when `args`
 * does not start with `--allow-`. Only the exact form {@linkcode grantFlags} writes is accepted:
 * an unscoped `--allow-read` or any other flag before the subcommand is an input error (exit 2).
 * Needs no permissions.
 */
export function splitGrantFlags(args: readonly string[]): LeadingGrants | undefined {
  if (!(args[0] ?? "").startsWith("--allow-")) return undefined;
  const grants: Grants = { read: [], write: [], run: [], net: [], env: [] };
  const deny: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("--allow-") && !arg.startsWith("--deny-")) break;
    const allow = ALLOW.exec(arg);
    if (allow !== null) {
      const name = allow[1] as keyof Grants;
      grants[name].push(...(allow[2] as string).split(",").filter((value) => value !== ""));
    } else if (DENY.test(arg)) {
      deny.push(arg);
    } else {
      throw inputError(
        `Cannot confine the command to "${arg.slice(0, 60)}": only --allow-NAME=LIST ` +
          "(read, write, run, net, env) and --deny-NAME[=LIST] may come before the subcommand",
      );
    }
  }
  return { grants, deny, args: args.slice(i) };
}

function covers(granted: string, denied: string): boolean {
  return granted === denied || denied.startsWith(granted.endsWith("/") ? granted : `${granted}/`);
}

/**
 * Refuses (EtsError input, exit 2) `deny` flags that take away part of `grants`: a worker's
 * permission descriptor has no denials, and revoking a path below a broad grant changes nothing
 * (Deno 2.9), so only denials that remove nothing granted can be kept. Needs no permissions.
 */
export function checkDenials(grants: Grants, deny: readonly string[]): void {
  for (const flag of deny) {
    const match = /^--deny-([a-z]+)(?:=(.*))?$/.exec(flag);
    const name = match?.[1] as keyof Grants | undefined;
    if (name === undefined || !(GRANT_NAMES as readonly string[]).includes(name)) continue;
    const granted = grants[name];
    if (granted.length === 0) continue;
    const values = (match?.[2] ?? "").split(",").filter((value) => value !== "");
    const clash = values.length === 0
      ? granted[0]
      : values.find((value) => granted.some((path) => covers(path, value) || covers(value, path)));
    if (clash !== undefined) {
      throw inputError(
        `Cannot confine the run in a worker under the site's "${flag}": it denies part of the ` +
          `--allow-${name} grant ("${clash}"), which a worker's permissions cannot express; ` +
          "run from source or the packed launcher, whose scoped re-run keeps the denial",
      );
    }
  }
}

/**
 * The Web Worker permission descriptor (`new Worker(url, { deno: { permissions } })`, needs
 * `--unstable-worker-options`) granting exactly `grants`: no sys, no ffi, no remote imports.
 * Needs no permissions.
 */
export function workerPermissions(grants: Grants): Deno.PermissionOptionsObject {
  return {
    read: [...grants.read],
    write: [...grants.write],
    run: [...grants.run],
    net: [...grants.net],
    env: [...grants.env],
    sys: false,
    ffi: false,
    import: false,
  };
}

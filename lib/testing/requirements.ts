/**
 * Test helper: what a test needs from the machine (a Python module from Debian, a program, the
 * shared reference folder `../shared`), and what happens when it is missing.
 *
 * - Outside CI a test whose requirement is missing is ignored, and its name says what is missing
 *   (`… [ignored: needs python3-gemmi]`), so a skip is never silent.
 * - Under `CI=true` (as `.ci/run` runs) nothing that CI is meant to check may vanish: the test
 *   runs and fails at once with one line naming what is missing and how to install it.
 * - A requirement that CI cannot meet either (`ci: false`, e.g. Deno's `denort` download) is
 *   ignored everywhere, with its reason.
 *
 * Probing is read-only (a file stat, or `python3 -c "import …"`): importing a test file has no
 * side effects.
 *
 * @example
 * ```ts ignore
 * const gemmi = await requirements(pythonModules("gemmi"));
 * gemmi.test("PDB atoms agree with gemmi", async () => {
 *   // runs when gemmi is importable; ignored (name says why) or failing under CI otherwise
 * });
 * ```
 *
 * @module
 */
import { SYSTEM_PYTHON } from "./python.ts";

/** One thing a test needs from the machine. */
export interface Requirement {
  /** What it is, for messages: "python3-gemmi", "the Slurm daemons", "../shared". */
  name: string;
  /** How to get it, for messages: "apt-get install python3-gemmi". */
  install: string;
  /** Whether CI is meant to provide it (default true): if so, missing under CI fails the test. */
  ci?: boolean;
  /** Resolves undefined when present, else why not (a short phrase). */
  probe(): Promise<string | undefined>;
}

/** Whether this run is under CI (`CI` set to anything but "", "0" or "false"). Needs --allow-env. */
export function underCi(): boolean {
  let value: string | undefined;
  try {
    value = Deno.env.get("CI");
  } catch {
    return false;
  }
  return value !== undefined && !["", "0", "false"].includes(value.toLowerCase());
}

const DEBIAN_PACKAGE: Record<string, string> = {
  mrcfile: "python3-mrcfile",
  gemmi: "python3-gemmi",
  numpy: "python3-numpy",
  scipy: "python3-scipy",
  skimage: "python3-skimage",
};

const pythonProbes = new Map<string, Promise<string | undefined>>();

function probePython(module: string): Promise<string | undefined> {
  let probe = pythonProbes.get(module);
  if (probe === undefined) {
    probe = (async () => {
      try {
        const out = await new Deno.Command(SYSTEM_PYTHON, {
          args: ["-c", `import ${module}`],
          stdin: "null",
          stdout: "null",
          stderr: "null",
          env: { PYTHONDONTWRITEBYTECODE: "1" },
        }).output();
        return out.success ? undefined : `${SYSTEM_PYTHON} cannot import ${module}`;
      } catch (error) {
        return error instanceof Deno.errors.NotFound
          ? `${SYSTEM_PYTHON} is missing`
          : `cannot run ${SYSTEM_PYTHON} (${error instanceof Error ? error.name : error})`;
      }
    })();
    pythonProbes.set(module, probe);
  }
  return probe;
}

/**
 * Debian Python modules for cross-checks, importable by /usr/bin/python3 (e.g. "gemmi",
 * "numpy", "scipy", "mrcfile", "skimage"). Needs --allow-run on /usr/bin/python3.
 */
export function pythonModules(...modules: string[]): Requirement[] {
  return modules.map((module) => {
    const pkg = DEBIAN_PACKAGE[module] ?? `the Python module ${module}`;
    return {
      name: pkg,
      install: DEBIAN_PACKAGE[module] ? `apt-get install ${pkg}` : `install ${module}`,
      probe: () => probePython(module),
    };
  });
}

/** Where `program` is: the usual system folders, then PATH. Needs --allow-read, --allow-env. */
export async function findProgram(program: string): Promise<string | undefined> {
  let path = "";
  try {
    path = Deno.env.get("PATH") ?? "";
  } catch {
    // no env permission: system folders only
  }
  for (const dir of ["/usr/sbin", "/usr/bin", "/sbin", "/bin", ...path.split(":")]) {
    if (dir === "") continue;
    try {
      if ((await Deno.stat(`${dir}/${program}`)).isFile) return `${dir}/${program}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Programs (found in /usr/sbin, /usr/bin, /sbin, /bin or PATH), provided by the Debian packages
 * `packages`. Needs --allow-read and --allow-env.
 */
export function programs(names: string[], packages: string[]): Requirement {
  return {
    name: packages.join(" + "),
    install: `apt-get install ${packages.join(" ")}`,
    probe: async () => {
      const missing: string[] = [];
      for (const name of names) if (await findProgram(name) === undefined) missing.push(name);
      return missing.length === 0 ? undefined : `missing ${missing.join(", ")}`;
    },
  };
}

/** Running as root (e.g. to start slurmd, which runs jobs as their owner). */
export function rootUser(why: string): Requirement {
  return {
    name: "root",
    install: `run as root (${why})`,
    probe: () => Promise.resolve(Deno.uid() === 0 ? undefined : `uid ${Deno.uid()} is not root`),
  };
}

/** The repository's root folder (no trailing slash). */
export const REPOSITORY = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The shared read-only reference folder beside the repository (`../shared` from its root), as an
 * absolute path without a trailing slash.
 */
export const SHARED = `${REPOSITORY.slice(0, REPOSITORY.lastIndexOf("/"))}/shared`;

/** `relative` inside {@linkcode SHARED}. */
export function sharedPath(relative: string): string {
  return `${SHARED}/${relative.replace(/^\/+/, "")}`;
}

/**
 * Files or folders of the shared reference folder `../shared` (e.g.
 * "reference/tem-simulator/map_particles"). Needs --allow-read on it.
 */
export function sharedFiles(...relatives: string[]): Requirement {
  return {
    name: `../shared/${relatives.length === 1 ? relatives[0] : "{" + relatives.join(",") + "}"}`,
    install: "put the shared reference folder beside the repository as ../shared",
    probe: async () => {
      const missing: string[] = [];
      for (const relative of relatives) {
        try {
          await Deno.stat(sharedPath(relative));
        } catch {
          missing.push(sharedPath(relative));
        }
      }
      return missing.length === 0 ? undefined : `missing ${missing.join(", ")}`;
    },
  };
}

/** A requirement CI cannot meet either: tests needing it are ignored everywhere when it is missing. */
export function optional(requirement: Requirement): Requirement {
  return { ...requirement, ci: false };
}

/** The outcome of probing a test's requirements. */
export interface Requirements {
  /** Missing things as "name (why; how to get it)"; empty when all are present. */
  missing: string[];
  /** True when the test should be ignored here (something missing, and not required by CI). */
  ignore: boolean;
  /** Throws one clear line when something is missing (call first in a test that runs anyway). */
  assertPresent(testName?: string): void;
  /**
   * Registers a test gated on these requirements: ignored, with a name that says what is
   * missing, outside CI; failing at once, naming what is missing, under CI.
   */
  test(name: string, fn: (t: Deno.TestContext) => void | Promise<void>): void;
  /** The same, with a full test definition (its `ignore` is combined with ours). */
  test(definition: Deno.TestDefinition): void;
  /**
   * Runs `fn` as a step of test `t`, gated the same way (an ignored step's name says what is
   * missing). For a cross-check inside a larger test that runs everywhere.
   */
  step(t: Deno.TestContext, name: string, fn: () => void | Promise<void>): Promise<boolean>;
}

/**
 * Probes `needed` (requirements or lists of them) once and returns how tests that need them
 * should run. Needs what the probes need (--allow-run on /usr/bin/python3, --allow-read,
 * --allow-env).
 */
export async function requirements(
  ...needed: (Requirement | Requirement[])[]
): Promise<Requirements> {
  const flat = needed.flat();
  const ci = underCi();
  const missing: string[] = [];
  let ciCanMeetAll = true;
  for (const requirement of flat) {
    const why = await requirement.probe();
    if (why === undefined) continue;
    missing.push(`${requirement.name} (${why}; ${requirement.install})`);
    if (requirement.ci === false) ciCanMeetAll = false;
  }
  const ignore = missing.length > 0 && (!ci || !ciCanMeetAll);
  const assertPresent = (testName?: string) => {
    if (missing.length === 0) return;
    const under = ci ? "CI=true requires" : "needs";
    throw new Error(
      `Cannot run ${testName ? `"${testName}"` : "this test"}: ${under} ${missing.join(", ")}`,
    );
  };
  function test(
    nameOrDefinition: string | Deno.TestDefinition,
    maybeFn?: (t: Deno.TestContext) => void | Promise<void>,
  ): void {
    const definition: Deno.TestDefinition = typeof nameOrDefinition === "string"
      ? { name: nameOrDefinition, fn: maybeFn! }
      : nameOrDefinition;
    const name = definition.name;
    const fn = definition.fn;
    Deno.test({
      ...definition,
      name: ignore ? `${name} [ignored: needs ${missing.join(", ")}]` : name,
      ignore: ignore || definition.ignore === true,
      fn: async (t) => {
        assertPresent(name);
        await fn(t);
      },
    });
  }
  const step = (t: Deno.TestContext, name: string, fn: () => void | Promise<void>) =>
    t.step({
      name: ignore ? `${name} [ignored: needs ${missing.join(", ")}]` : name,
      ignore,
      fn: async () => {
        assertPresent(name);
        await fn();
      },
    });
  return { missing, ignore, assertPresent, test, step };
}

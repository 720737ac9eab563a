/**
 * Test helper: run short Python scripts with Debian's /usr/bin/python3 (which has mrcfile, gemmi,
 * numpy, scipy from apt; the python3 on PATH may not). For cross-checks in tests only.
 *
 * @module
 */

/** Debian's Python, the one with the cross-check packages. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** What a Python run produced. */
export interface PythonResult {
  /** Exit code. */
  code: number;
  /** Standard output (UTF-8). */
  stdout: string;
  /** Standard error (UTF-8). */
  stderr: string;
}

/**
 * Runs `script` (Python source, via `-c`) with `args` as `sys.argv[1:]`.
 * Needs --allow-run on /usr/bin/python3 (and whatever the script touches).
 */
export async function runPython(script: string, args: string[] = []): Promise<PythonResult> {
  const output = await new Deno.Command(SYSTEM_PYTHON, {
    args: ["-c", script, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONDONTWRITEBYTECODE: "1", PYTHONWARNINGS: "ignore" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Runs `script` and parses its standard output as JSON; throws (with Python's stderr) when it
 * exits non-zero. Needs --allow-run on /usr/bin/python3.
 */
export async function runPythonJson<T = unknown>(script: string, args: string[] = []): Promise<T> {
  const result = await runPython(script, args);
  if (result.code !== 0) {
    throw new Error(`Python failed (exit ${result.code}):\n${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}

const moduleChecks = new Map<string, Promise<boolean>>();

/**
 * Whether /usr/bin/python3 exists and imports every module in `modules` (cached per set).
 * Use it to skip cross-check tests, with a message, on machines without them.
 * Needs --allow-run on /usr/bin/python3 (returns false without it).
 */
export function pythonHasModules(modules: string[]): Promise<boolean> {
  const key = [...modules].sort().join(",");
  let check = moduleChecks.get(key);
  if (check === undefined) {
    check = runPython(modules.map((m) => `import ${m}`).join("\n"))
      .then((result) => result.code === 0)
      .catch(() => false);
    moduleChecks.set(key, check);
  }
  return check;
}

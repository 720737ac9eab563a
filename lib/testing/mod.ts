/**
 * Test helpers: assertions, and cross-check helpers shared by tests (Debian's /usr/bin/python3
 * with mrcfile, gemmi, numpy).
 *
 * @module
 */
export * from "./assert.ts";
export { pythonHasModules, runPython, runPythonJson, SYSTEM_PYTHON } from "./python.ts";
export type { PythonResult } from "./python.ts";

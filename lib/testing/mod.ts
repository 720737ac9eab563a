/**
 * Test helpers: assertions, cross-check helpers shared by tests (Debian's /usr/bin/python3 with
 * mrcfile, gemmi, numpy), and what a test needs from the machine (ignored outside CI, failing
 * under CI=true, when missing).
 *
 * @module
 */
export * from "./assert.ts";
export { pythonHasModules, runPython, runPythonJson, SYSTEM_PYTHON } from "./python.ts";
export type { PythonResult } from "./python.ts";
export {
  findProgram,
  optional,
  programs,
  pythonModules,
  REPOSITORY,
  requirements,
  rootUser,
  SHARED,
  sharedFiles,
  sharedPath,
  underCi,
} from "./requirements.ts";
export type { Requirement, Requirements } from "./requirements.ts";

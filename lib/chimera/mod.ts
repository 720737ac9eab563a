/**
 * Chimera: the embedded Chimera 1-compatible command server (`ets chimera-server`) and the server
 * pool that drives it or a real Chimera/ChimeraX to assemble particle maps.
 *
 * @module
 */
export { runChimeraServer, startChimeraServer } from "./chimera_server.ts";
export { type ByteReader, readTokenLine } from "./token_line.ts";
export type { ChimeraServerOptions, RunningChimeraServer } from "./chimera_server.ts";
export { ChimeraInterpreter } from "./interpreter.ts";
export { interpreterWorkerMain, WorkerInterpreter } from "./interpreter_worker.ts";
export type { CommandRunner, InterpreterScope } from "./interpreter_worker.ts";
export type { CommandOutcome, InterpreterOptions, RunOutcome } from "./interpreter.ts";
export { ConfinedFileAccess, MemoryFileAccess } from "./file_access.ts";
export type { FileAccess, MapFile } from "./file_access.ts";
export { backendFor, ChimeraPool } from "./pool.ts";
export type { ChimeraBackend, ChimeraPoolOptions } from "./pool.ts";

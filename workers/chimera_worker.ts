/**
 * The Chimera server's interpreter worker (lib/chimera/interpreter_worker.ts): runs the commands
 * off the server's main thread. Needs the server's read/write grants on its allowed folders.
 *
 * @module
 */
import { type InterpreterScope, interpreterWorkerMain } from "../lib/chimera/mod.ts";

interpreterWorkerMain(self as unknown as InterpreterScope);

/**
 * The command interpreter: runs Chimera 1 command strings against one session, collecting the
 * reply lines; the first failing command stops the rest of the request (Chimera's RESTServer
 * behaviour). No command can crash it: unexpected exceptions become error lines.
 *
 * @module
 */
import type { CommandContext, CommandHandler } from "./command_context.ts";
import { CommandError, splitCommands, tokenize } from "./command_syntax.ts";
import type { FileAccess } from "./file_access.ts";
import { molmapCommand } from "./molmap_command.ts";
import { moveCommand, turnCommand } from "./motion_commands.ts";
import { closeCommand, openCommand } from "./open_command.ts";
import { Session } from "./session.ts";
import { shapeCommand } from "./shape_command.ts";
import { volumeCommand } from "./volume_command.ts";
import { vopCommand } from "./vop_command.ts";

/** The outcome of one command. */
export interface CommandOutcome {
  /** The command text. */
  command: string;
  /** Informational lines. */
  info: string[];
  /** Warning lines. */
  warnings: string[];
  /** The error message, when the command failed. */
  error?: string;
  /** The error class, for JSON replies (`UserError` for command errors). */
  errorType?: string;
}

/** The outcome of a request (several command strings). */
export interface RunOutcome {
  /** One outcome per command run (commands after a failure are not run). */
  commands: CommandOutcome[];
  /** The first error message, if any. */
  error?: string;
  /** The reply body lines: info and warnings in order, then the error line. */
  lines: string[];
}

/** Options of {@linkcode ChimeraInterpreter}. */
export interface InterpreterOptions {
  /** How files are read and written. */
  files: FileAccess;
  /** The label written into saved maps (default `ets chimera-server <ISO time>`). */
  saveLabel?: () => string;
  /** Called with every command and its outcome (for logging). */
  onCommand?: (outcome: CommandOutcome) => void;
}

const HANDLERS: Record<string, CommandHandler> = {
  open: openCommand,
  close: closeCommand,
  move: moveCommand,
  turn: turnCommand,
  vop: vopCommand,
  volume: volumeCommand,
  vol: volumeCommand,
  molmap: molmapCommand,
  shape: shapeCommand,
  version: (ctx) => ctx.info("ets chimera-server: Chimera 1 command subset"),
  wait: () => {},
};

/** Runs Chimera commands against one session. Needs what its file access needs. */
export class ChimeraInterpreter {
  /** The model state. */
  readonly session = new Session();
  readonly #options: InterpreterOptions;

  constructor(options: InterpreterOptions) {
    this.#options = options;
  }

  /** Runs one command (no `;`). Never throws. Needs what the file access needs. */
  async execute(command: string): Promise<CommandOutcome> {
    const outcome: CommandOutcome = { command, info: [], warnings: [] };
    const ctx: CommandContext = {
      session: this.session,
      files: this.#options.files,
      info: (line) => outcome.info.push(line),
      warn: (line) => outcome.warnings.push(line),
      saveLabel: this.#options.saveLabel ??
        (() => `ets chimera-server ${new Date().toISOString().slice(0, 19)}`),
    };
    try {
      const tokens = tokenize(command);
      const name = tokens[0]?.toLowerCase();
      if (name === undefined) return outcome;
      const handler = Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined;
      if (handler === undefined) throw new CommandError(`Unknown command: ${tokens[0]}`);
      await handler(ctx, tokens.slice(1));
    } catch (error) {
      if (error instanceof CommandError) {
        outcome.error = error.message;
        outcome.errorType = "UserError";
      } else {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        outcome.error = `Internal error running "${command}": ${message}`;
        outcome.errorType = error instanceof Error ? error.name : "Error";
      }
    }
    this.#options.onCommand?.(outcome);
    return outcome;
  }

  /**
   * Runs the values of a request's `command` parameters in order, each split on `;`, stopping
   * at the first error. Never throws. Needs what the file access needs.
   */
  async run(values: readonly string[]): Promise<RunOutcome> {
    const result: RunOutcome = { commands: [], lines: [] };
    for (const value of values) {
      for (const command of splitCommands(value)) {
        const outcome = await this.execute(command);
        result.commands.push(outcome);
        result.lines.push(...outcome.info, ...outcome.warnings);
        if (outcome.error !== undefined) {
          result.error = outcome.error;
          result.lines.push(outcome.error);
          return result;
        }
      }
    }
    return result;
  }
}

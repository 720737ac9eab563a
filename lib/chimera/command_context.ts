/**
 * What a command implementation gets: the session, file access, and the reply channel.
 *
 * @module
 */
import type { FileAccess } from "./file_access.ts";
import type { Session } from "./session.ts";

/** The environment of one command. */
export interface CommandContext {
  /** The model state. */
  session: Session;
  /** Confined file access. */
  files: FileAccess;
  /** Reports an informational line (goes into the reply body). */
  info(line: string): void;
  /** Reports a warning line (goes into the reply body). */
  warn(line: string): void;
  /** The label written into saved maps. */
  saveLabel(): string;
}

/** A command implementation: `tokens` are the words after the command name. */
export type CommandHandler = (ctx: CommandContext, tokens: string[]) => void | Promise<void>;

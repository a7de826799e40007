/** How a command module declares itself: what it receives to run, and what it returns. */
import type { Command } from 'commander';
import type { RunContext } from '../index.js';
import type { CommandResult, Io } from './output.js';

/** A command's action: the run (opened once, closed by the program), the terminal, its flags and arguments. */
export type CommandAction<O> = (run: RunContext, io: Io, options: O, args: string[]) => Promise<CommandResult>;

export interface CommandRegistrar {
  /** Wire `action` to a commander command; config resolution, the run's resources, output and errors are handled here. */
  action<O>(command: Command, action: CommandAction<O>): Command;
}

export type RegisterCommand = (program: Command, registrar: CommandRegistrar) => void;

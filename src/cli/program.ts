/**
 * The commander program: global options, one module per command, and the
 * single place where results and errors are printed and exit codes decided.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseDuration, resolveConfig, type RawOptions, type ResolvedConfig } from '../index.js';
import { DbrollbackError, EXIT, type ExitCode } from '../index.js';
import { createIo, printError, printResult, type CommandResult, type Io, type Streams } from './output.js';
import { COMMANDS } from './commands/index.js';

export type CommandAction<O> = (config: ResolvedConfig, io: Io, options: O, args: string[]) => Promise<CommandResult>;

/** What a command module receives to declare itself. */
export interface CommandRegistrar {
  /** Wire `action` to a commander command; config resolution, output and errors are handled here. */
  action<O>(command: Command, action: CommandAction<O>): Command;
}

export interface RunOptions {
  argv: string[];
  streams?: Streams;
}

const defaultStreams = (): Streams => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });

export function buildProgram(streams: Streams, setExit: (code: ExitCode) => void, argv: string[] = []): Command {
  const program = new Command('dbrollback')
    .description('Safe PostgreSQL migration rollback: classify, back up, undo or restore, verify, drill.')
    .option('--database-url <url>', 'target database (else DATABASE_URL, else libpq PG* variables)')
    .option('--storage <url>', 'backup storage: s3://bucket/prefix, file:///dir or a path (else DBROLLBACK_STORAGE)')
    .option('--migrations <dir>', 'migrations directory (default ./migrations)')
    .addOption(new Option('--migrator <tool>', 'migration tool (detected when omitted)').choices(['node-pg-migrate', 'umzug', 'sql']))
    .option('--config <file>', 'config file (default dbrollback.config.{json,mjs,js})')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--yes', 'do not ask for confirmation')
    .option('--verbose', 'show details and error causes on stderr')
    .configureOutput({
      writeOut: (s) => void streams.stdout.write(s),
      writeErr: (s) => void streams.stderr.write(s),
      outputError: () => undefined,
    })
    .exitOverride();

  const registrar: CommandRegistrar = {
    action(command, action) {
      command.exitOverride();
      command.configureOutput({
        writeOut: (s) => void streams.stdout.write(s),
        writeErr: (s) => void streams.stderr.write(s),
        outputError: () => undefined,
      });
      return command.action(async (...params: unknown[]) => {
        const cmd = params[params.length - 1] as Command;
        const globals = cmd.optsWithGlobals() as RawOptions & Record<string, unknown>;
        const io = createIo({ json: Boolean(globals.json), verbose: Boolean(globals.verbose), argv }, streams);
        try {
          const config = await resolveConfig(globals);
          const result = await action(config, io, cmd.opts() as never, cmd.args);
          setExit(printResult(result, io, streams));
        } catch (err) {
          setExit(printError(err, io, streams));
        }
      });
    },
  };
  for (const register of COMMANDS) register(program, registrar);
  return program;
}

/** Run the CLI; returns the exit code instead of exiting (tests call this too). */
export async function runCli({ argv, streams = defaultStreams() }: RunOptions): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  const program = buildProgram(
    streams,
    (code) => {
      exitCode = code;
    },
    argv,
  );
  const wantsJson = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version are not errors.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      const usage = new DbrollbackError('USAGE', err.message.replace(/^error: /, ''), {
        hint: 'Run dbrollback --help (or dbrollback COMMAND --help) for usage.',
      });
      return printError(usage, { json: wantsJson, verbose: false }, streams);
    }
    return printError(err, { json: wantsJson, verbose: argv.includes('--verbose') }, streams);
  }
  return exitCode;
}

/** Parse a positive integer flag (`--count 3`); 0, negatives and words are usage errors. */
export function positiveInt(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`${flag} must be a whole number of at least 1 (got "${value}")`);
    }
    return Number(value);
  };
}

/** Parse a duration flag (`--lock-timeout 5s`, `500ms`, or seconds). */
export function durationFlag(flag: string): (value: string) => number {
  return (value: string) => {
    const ms = parseDuration(value);
    if (ms === undefined) throw new InvalidArgumentError(`${flag} must be a duration like 5s, 500ms or 2m (got "${value}")`);
    return ms;
  };
}

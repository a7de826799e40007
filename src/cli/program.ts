/**
 * The commander program: global options, one module per command, and the
 * single place where results and errors are printed and exit codes decided.
 */
import { Command, CommanderError, Option } from 'commander';
import { adoptParseWorker, checkPauseHook, DbrollbackError, discardParseWorker, EXIT, GLOBAL_FLAGS, openRun, packageVersion, resolveConfig, type ExitCode, type ParseWorker, type RawOptions } from '../index.js';
import { COMMANDS } from './commands/index.js';
import { givenFlags, withGivenFlags } from './given-flags.js';
import { createIo, printError, printResult, type Streams } from './output.js';
import { reserveStdout } from './own-stdout.js';
import type { CommandRegistrar } from './registrar.js';

export interface RunOptions {
  argv: string[];
  streams?: Streams;
  /** classify's parse worker, started by the bin before the program loaded (early-parse.ts); stopped at the end if unused. */
  parseWorker?: ParseWorker | undefined;
}

const defaultStreams = (): Streams => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });

export function buildProgram(streams: Streams, setExit: (code: ExitCode) => void, argv: string[] = []): Command {
  const program = new Command('dbrollback')
    .description('Safe PostgreSQL migration rollback: classify, back up, undo or restore, verify, drill.')
    .version(packageVersion(), '-V, --version', 'print the version of dbrollback');
  // The global flags come from the one options table (src/run/options.ts).
  for (const spec of GLOBAL_FLAGS) {
    const option = new Option(spec.flag!, spec.help);
    if (spec.choices) option.choices(spec.choices);
    program.addOption(option);
  }
  program
    .configureOutput({
      writeOut: (s) => void streams.stdout.write(s),
      writeErr: (s) => void streams.stderr.write(s),
      outputError: () => undefined,
    })
    .exitOverride();

  const registrar: CommandRegistrar = {
    action(command, action, actionOptions = {}) {
      command.exitOverride();
      command.configureOutput({
        writeOut: (s) => void streams.stdout.write(s),
        writeErr: (s) => void streams.stderr.write(s),
        outputError: () => undefined,
      });
      return command.action(async (...params: unknown[]) => {
        const cmd = params[params.length - 1] as Command;
        // Global and command flags alike: resolveConfig takes the settings it knows (flag > file > env).
        const flags = cmd.optsWithGlobals() as RawOptions & Record<string, unknown>;
        const repeat = givenFlags(flags);
        const subcommands = suggestable(program);
        const suggest = repeat.length === 0 ? undefined : (text: string): string => withGivenFlags(text, repeat, subcommands);
        const io = createIo({ json: Boolean(flags.json), verbose: Boolean(flags.verbose), yes: Boolean(flags.yes), argv, ...(suggest ? { suggest } : {}) }, streams);
        const stop = actionOptions.stopsAtSafePoints ? stopOnSignals((line) => io.log(line)) : null;
        try {
          const run = openRun(await resolveConfig(flags), { log: (line) => io.debug(line), ...(stop ? { signal: stop.signal } : {}) });
          try {
            setExit(printResult(await action(run, io, cmd.opts() as never, cmd.args), io, streams));
          } finally {
            await run.close();
          }
        } catch (err) {
          setExit(printError(err, io, streams));
        } finally {
          stop?.dispose();
        }
      });
    },
  };
  for (const register of COMMANDS) register(program, registrar);
  return program;
}

/** The subcommands a suggestion may name that act on a database or storage: all but the archive's own entries, which PostgreSQL runs. */
function suggestable(program: Command): string[] {
  return program.commands.map((c) => c.name()).filter((name) => name !== 'wal-push' && name !== 'wal-fetch');
}

/** Run the CLI; returns the exit code instead of exiting (tests call this too). */
export async function runCli({ argv, streams: given, parseWorker }: RunOptions): Promise<ExitCode> {
  adoptParseWorker(parseWorker);
  // On the process's own stdout, migration code that prints must not land in the result.
  const reserved = given === undefined ? reserveStdout() : undefined;
  try {
    const code = await runProgram(argv, given ?? { ...defaultStreams(), stdout: reserved!.stdout });
    // A result that could not be written whole (a full disk under a redirect) is not a success; the command
    // itself ran to its end. A reader that closed the pipe early (EPIPE) took what it wanted: nothing to say.
    await reserved?.settled();
    const failure = reserved?.failure();
    if (!failure) return code;
    process.stderr.write(`dbrollback: the result could not be written to stdout (${failure.message})${code === EXIT.ok ? '; the command itself completed' : ''}.\n`);
    return code === EXIT.ok ? EXIT.failed : code;
  } finally {
    reserved?.release();
    discardParseWorker();
  }
}

async function runProgram(argv: string[], streams: Streams): Promise<ExitCode> {
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
    // A testing hook left set in production is said out loud, or refused where it would hold locks while paused.
    const pauseWarning = checkPauseHook();
    if (pauseWarning !== null) streams.stderr.write(`${pauseWarning}\n`);
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

/**
 * SIGINT/SIGTERM while a run that stops at safe points is going: the first asks it to stop (the run
 * records where it stopped and exits 130/143); a second one exits at once.
 */
function stopOnSignals(log: (line: string) => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(name === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
    log(`${name}: stopping at the next safe point (send it again to stop at once)`);
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Every `dbrollback COMMAND --flag` that src/ (hints, messages, help text) or
 * the README suggests names a command the CLI has and flags that command (or
 * the program) takes: a hint pointing at a missing flag sends a tired person
 * to a usage error in the middle of an incident. Read from the text, checked
 * against the commander program the bin runs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../../harness/source-files.js';
import { buildProgram } from '../../../src/cli/program.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * `dbrollback WORD` and the command-line-looking words after it: flags, placeholders (`ID`, `<dir>`, `[...]`),
 * template holes (`${id}`), quoted or plain arguments. Prose stops it (a word with other punctuation).
 */
const MENTION = /dbrollback ([a-z][a-z-]*)((?:[ \t]+(?:\[[^\]\n]*\]|--?[a-zA-Z][\w-]*(?:=\S+)?|\$\{[^}]*\}|<[^>\n]*>|[A-Za-z0-9_./:@*|-]+|'[^'\n]*'|"[^"\n]*"))*)/g;
const FLAG = /(?:^|\s)(--?[a-zA-Z][\w-]*)/g;

interface Flags {
  global: ReadonlySet<string>;
  commands: ReadonlyMap<string, ReadonlySet<string>>;
}

function programFlags(): Flags {
  const program = buildProgram({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, () => undefined);
  const names = (options: readonly { long?: string | undefined; short?: string | undefined }[]) => options.flatMap((o) => [o.long, o.short].filter((x): x is string => x !== undefined));
  const global = new Set([...names(program.options), '--help', '-h']);
  const commands = new Map<string, Set<string>>();
  for (const command of program.commands) {
    // A subcommand's flags (drill migrations --keep-going) count for its command.
    commands.set(command.name(), new Set([...names(command.options), ...command.commands.flatMap((sub) => names(sub.options))]));
  }
  return { global, commands };
}

/** Each suggestion in a text that names a flag its command does not take, or a command that does not exist. */
export function wrongSuggestions(text: string, flags: Flags): string[] {
  const wrong: string[] = [];
  for (const mention of text.matchAll(MENTION)) {
    const command = mention[1]!;
    const given = [...mention[2]!.matchAll(FLAG)].map((m) => m[1]!);
    const own = flags.commands.get(command);
    if (!own) {
      // `dbrollback reads ...` is prose; a word a flag follows at once was meant as a command.
      if (/^[ \t]+--?[a-zA-Z]/.test(mention[2]!) && given.some((f) => !flags.global.has(f))) wrong.push(`no command ${command}: ${mention[0]}`);
      continue;
    }
    for (const flag of given) {
      const negated = flag.startsWith('--no-') ? `--${flag.slice(5)}` : null;
      if (!own.has(flag) && !flags.global.has(flag) && !(negated !== null && own.has(negated))) wrong.push(`${command} has no ${flag}: ${mention[0]}`);
    }
  }
  return wrong;
}


describe('suggested commands', () => {
  const flags = programFlags();

  it('finds a flag its command does not take, a made-up command, and passes prose and real suggestions', () => {
    expect(wrongSuggestions('then `dbrollback restore --backup ${id} --tables public.orders --replace`', flags)).toEqual([]);
    expect(wrongSuggestions('dbrollback reads the history as the tool does', flags)).toEqual([]);
    expect(wrongSuggestions('run `dbrollback --config prod.json status` first', flags)).toEqual([]);
    expect(wrongSuggestions('run `dbrollback undo --count 1 --backup-kind tables`', flags)).toEqual(['undo has no --backup-kind: dbrollback undo --count 1 --backup-kind tables']);
    expect(wrongSuggestions('hint: dbrollback rollback --to 0003', flags)).toEqual(['no command rollback: dbrollback rollback --to 0003']);
    expect(wrongSuggestions('dbrollback backup --json', flags)).toEqual([]);
  });

  it('in src/ and the README, name only commands and flags that exist', async () => {
    const files = [...(await sourceFiles(path.join(ROOT, 'src'))), path.join(ROOT, 'README.md')];
    const wrong: string[] = [];
    for (const file of files) {
      for (const w of wrongSuggestions(await readFile(file, 'utf8'), flags)) wrong.push(`${path.relative(ROOT, file)}: ${w}`);
    }
    expect(wrong).toEqual([]);
  });
});

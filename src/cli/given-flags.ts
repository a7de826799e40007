/**
 * The commands dbrollback suggests — an error's hint, a plan's next step, an
 * undo's way back — are run by someone mid-incident, usually by copying them.
 * A run given `--config prod.json` or `--database-url …` that suggests a bare
 * `dbrollback restore --backup ID` sends the copied command to whatever the
 * shell's DATABASE_URL or the default config file names: another database.
 * So each suggested command carries the global flags this run was given that
 * decide what it acts on, in front of its subcommand (where the program's
 * options may always stand): `dbrollback --config prod.json restore --backup ID`.
 *
 * A password is never repeated: a URL's is left out (libpq's PGPASSWORD or
 * ~/.pgpass supply it, or the copied command fails to connect — it never
 * reaches another database). A flag the suggested command already names is
 * not added again.
 */
import { GLOBAL_FLAGS, escapeRegExp, shellQuote } from '../index.js';

/** The flags to repeat, as they would be typed (`--config prod.json`), from the parsed global options. */
export function givenFlags(options: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const spec of GLOBAL_FLAGS) {
    if (spec.cliOnly === true) continue;
    const value = options[spec.key];
    if (typeof value !== 'string' || value === '') continue;
    const flag = spec.flag!.split(' ')[0]!;
    out.push(`${flag} ${shellQuote(withoutPassword(value))}`);
  }
  return out;
}

/** A URL's or connection string's password left out; anything else as it is. */
export function withoutPassword(value: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      // libpq also takes the password (and the client key's) as URL parameters.
      const params = ['password', 'sslpassword'].filter((p) => url.searchParams.has(p));
      if (url.password === '' && params.length === 0) return value;
      url.password = '';
      for (const p of params) url.searchParams.delete(p);
      return url.toString();
    } catch {
      // Not a URL the WHATWG parser takes: drop a `user:password@` part by hand.
      return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/i, '$1@');
    }
  }
  // libpq's key=value form.
  return value.replace(/(^|\s)(ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/gi, '').trim();
}

/**
 * `text` with `flags` put after every `dbrollback SUBCOMMAND` it suggests (`subcommands`: the ones that act
 * on a database or storage), each flag only where that command does not already name it.
 */
export function withGivenFlags(text: string, flags: readonly string[], subcommands: readonly string[]): string {
  if (flags.length === 0 || !text.includes('dbrollback ')) return text;
  const suggestion = new RegExp(`\\bdbrollback (?=(?:${subcommands.map(escapeRegExp).join('|')})(?![\\w-]))`, 'g');
  return text.replace(suggestion, (match, offset: number) => {
    // The suggested command: up to the end of its code span, sentence or line.
    const rest = text.slice(offset + match.length);
    const end = rest.search(/[`;)\n]|\.(\s|$)/);
    const command = end === -1 ? rest : rest.slice(0, end);
    const missing = flags.filter((f) => !new RegExp(`(^|\\s)${escapeRegExp(f.split(' ')[0]!)}(\\s|=|$)`).test(command));
    return missing.length === 0 ? match : `dbrollback ${missing.join(' ')} `;
  });
}

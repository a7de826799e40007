/**
 * A drizzle-kit migrations folder, read as drizzle-orm's migrator reads it
 * (drizzle-orm 0.45 `readMigrationFiles`): `meta/_journal.json` lists the
 * migrations in order (`idx`, `version`, `when`, `tag`, `breakpoints`); each
 * is `<tag>.sql`, split into statements at `--> statement-breakpoint`; its
 * hash is the sha256 (hex) of the file's text and its `when` becomes
 * `created_at` in the history. Files the journal does not list are not
 * migrations (drizzle-orm never runs them), and a listed file that is
 * missing is an error, as it is for drizzle-orm.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';

export const JOURNAL = path.join('meta', '_journal.json');
export const BREAKPOINT = '--> statement-breakpoint';

export interface DrizzleMigration {
  /** The journal's tag (`0003_rename-order-note`): the file's name without .sql, and the name dbrollback shows. */
  tag: string;
  idx: number;
  /** The journal's `when` (ms since the epoch, when drizzle-kit generated it): recorded as created_at. */
  when: number;
  breakpoints: boolean;
  path: string;
  text: string;
  /** sha256 (hex) of the file's text, as drizzle-orm records it. */
  hash: string;
  /** The chunks drizzle-orm sends one by one: the text split at `--> statement-breakpoint`. */
  statements: string[];
}

interface JournalEntry {
  idx: unknown;
  when: unknown;
  tag: unknown;
  breakpoints: unknown;
}

export async function loadJournal(dir: string): Promise<DrizzleMigration[]> {
  const journalPath = path.join(dir, JOURNAL);
  let raw: string;
  try {
    raw = await readFile(journalPath, 'utf8');
  } catch (cause) {
    throw invalid(dir, `cannot read ${journalPath}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, 'Pass --migrations DIR pointing at drizzle-kit\'s output folder (the `out` of drizzle.config.ts), the one holding meta/_journal.json.', cause);
  }
  let entries: JournalEntry[];
  try {
    const parsed = JSON.parse(raw) as { entries?: unknown };
    if (!Array.isArray(parsed.entries)) throw new Error('it has no "entries" list');
    entries = parsed.entries as JournalEntry[];
  } catch (cause) {
    throw invalid(dir, `${journalPath} is not a drizzle-kit journal: ${(cause as Error).message}`, 'Regenerate it with drizzle-kit, or restore it from version control.', cause);
  }
  const problems: string[] = [];
  const migrations: DrizzleMigration[] = [];
  for (const [i, entry] of entries.entries()) {
    if (typeof entry.tag !== 'string' || entry.tag === '' || entry.tag.includes('/') || entry.tag.includes('\\')) {
      problems.push(`entry ${i}: no valid "tag"`);
      continue;
    }
    if (typeof entry.when !== 'number' || !Number.isSafeInteger(entry.when)) {
      problems.push(`${entry.tag}: "when" is not a whole number of milliseconds`);
      continue;
    }
    const file = path.join(dir, `${entry.tag}.sql`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      problems.push(`${entry.tag}: the journal lists it but ${file} is missing`);
      continue;
    }
    migrations.push({
      tag: entry.tag,
      idx: typeof entry.idx === 'number' ? entry.idx : i,
      when: entry.when,
      breakpoints: entry.breakpoints === true,
      path: file,
      text,
      hash: createHash('sha256').update(text).digest('hex'),
      statements: text.split(BREAKPOINT),
    });
  }
  const seen = new Map<number, string>();
  for (const m of migrations) {
    const other = seen.get(m.when);
    if (other !== undefined) problems.push(`${m.tag} and ${other} have the same "when" (${m.when}): drizzle-orm would apply only one of them`);
    seen.set(m.when, m.tag);
  }
  if (problems.length > 0) {
    throw invalid(dir, `invalid drizzle-kit migrations in ${dir}:\n  - ${problems.join('\n  - ')}`, 'Fix the journal (meta/_journal.json) or the files named above; nothing was run.');
  }
  return migrations;
}

function invalid(dir: string, message: string, hint: string, cause?: unknown): DbrollbackError {
  return new DbrollbackError('MIGRATIONS_INVALID', message, { hint, ...(cause !== undefined ? { cause } : {}), details: { dir } });
}

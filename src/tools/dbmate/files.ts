/**
 * A dbmate migrations directory, read as dbmate 2.36 reads it
 * (pkg/dbmate/migration.go): every `.sql` file whose name starts with a
 * digit is a migration, its version the leading digits, applied in file-name
 * order. One file holds both directions: `-- migrate:up` and
 * `-- migrate:down` directive lines, each optionally followed by options
 * (`transaction:false`: run that block outside a transaction).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { doesNothing, hasSql } from '../../sql/sql-text.js';
import type { DownKind } from '../contract.js';
import { IRREVERSIBLE_MARKER } from '../sql/files.js';

/** dbmate's migrationFileRegexp. */
export const DBMATE_FILE = /^(\d+).*\.sql$/;
/** dbmate's upRegExp / downRegExp (multi-line). */
const UP = /^--\s*migrate:up(\s*$|\s+\S+.*$)/m;
const DOWN = /^--\s*migrate:down(\s*$|\s+\S+.*$)/m;

export interface DbmateBlock {
  text: string;
  /** 1-based line of the block's first character (the end of its directive's line). */
  firstLine: number;
  transaction: boolean;
}

export interface DbmateSections {
  up: DbmateBlock;
  /** null when the file has no `-- migrate:down` directive. */
  down: DbmateBlock | null;
}

/** The file's blocks as parseMigrationContents cuts them; null without a `-- migrate:up` directive (not a dbmate migration). */
export function parseSections(text: string): DbmateSections | null {
  const up = UP.exec(text);
  if (!up) return null;
  const down = DOWN.exec(text);
  const upStart = up.index + up[0].length;
  const block = (from: number, to: number, options: string): DbmateBlock => ({
    text: text.slice(from, to),
    firstLine: lineAt(text, from),
    transaction: !/(^|\s)transaction:false(\s|$)/.test(options),
  });
  if (!down) return { up: block(upStart, text.length, up[1]!), down: null };
  const downStart = down.index + down[0].length;
  return down.index > up.index
    ? { up: block(upStart, down.index, up[1]!), down: block(downStart, text.length, down[1]!) }
    : { up: block(upStart, text.length, up[1]!), down: block(downStart, up.index, down[1]!) };
}

export interface DbmateMigration {
  version: string;
  /** The file name without `.sql`, what dbrollback shows. */
  name: string;
  path: string;
  sections: DbmateSections;
  down: DownKind;
  downNote?: string;
}

export async function loadDbmateDir(dir: string): Promise<DbmateMigration[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
  } catch (cause) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `cannot read the migrations directory ${dir}: ${(cause as Error).message}`, {
      hint: 'Pass --migrations DIR pointing at dbmate\'s migrations directory (its --migrations-dir, by default ./db/migrations).',
      cause,
    });
  }
  const files = entries.filter((f) => DBMATE_FILE.test(f)).sort();
  const problems: string[] = [];
  const migrations: DbmateMigration[] = [];
  const versions = new Map<string, string>();
  for (const file of files) {
    const full = path.join(dir, file);
    const text = await readFile(full, 'utf8');
    const sections = parseSections(text);
    const version = DBMATE_FILE.exec(file)![1]!;
    if (!sections) {
      problems.push(`${file}: no "-- migrate:up" line (dbmate refuses a migration without an up block)`);
      continue;
    }
    const other = versions.get(version);
    if (other !== undefined) problems.push(`${file}: version ${version} is also ${other}`);
    versions.set(version, file);
    migrations.push({ version, name: file.replace(/\.sql$/, ''), path: full, sections, ...downOf(sections) });
  }
  if (problems.length > 0) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `invalid dbmate migrations in ${dir}:\n  - ${problems.join('\n  - ')}`, {
      hint: 'Fix or remove the files named above (dbmate refuses them too).',
      details: { problems },
    });
  }
  return migrations;
}

function downOf(sections: DbmateSections): { down: DownKind; downNote?: string } {
  if (sections.down === null) return { down: 'missing', downNote: 'no "-- migrate:down" block' };
  if (IRREVERSIBLE_MARKER.test(sections.down.text)) return { down: 'irreversible' };
  // `dbmate new` writes an empty down block: rolling back would only delete the version row.
  if (!hasSql(sections.down.text)) return { down: 'empty', downNote: 'its "-- migrate:down" block is empty' };
  if (doesNothing(sections.down.text)) return { down: 'empty', downNote: 'its "-- migrate:down" block only selects constants (a placeholder)' };
  return { down: 'yes' };
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * A plain SQL migrations directory: `NNN_name.up.sql` with an optional
 * `NNN_name.down.sql`, applied in order of NNN (then name). Loading is strict —
 * a file that looks like a migration but is not one is an error, because a
 * silently skipped migration is worse than a refusal.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { doesNothing } from '../../sql/sql-text.js';
import type { DownKind } from '../contract.js';
import { unreadableFile } from '../unreadable-file.js';
import type { SqlFileReader } from '../tool.js';

/** A down file holding this marker declares the migration irreversible. */
export const IRREVERSIBLE_MARKER = /^\s*--\s*dbrollback:irreversible\s*$/im;

const FILE_PATTERN = /^(\d+)_(.+)\.(up|down)\.sql$/;

export interface SqlMigrationFile {
  /** `NNN_name`, the name recorded in the history. */
  name: string;
  number: bigint;
  upPath: string;
  downPath: string | null;
  down: DownKind;
}

export async function loadSqlDir(dir: string): Promise<SqlMigrationFile[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
  } catch (cause) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `cannot read the migrations directory ${dir}: ${(cause as Error).message}`, {
      hint: 'Pass --migrations DIR pointing at the directory that holds the NNN_name.up.sql files.',
      cause,
    });
  }
  const ups = new Map<string, { number: bigint; path: string }>();
  const downs = new Map<string, string>();
  const problems: string[] = [];
  for (const file of entries.filter((f) => f.toLowerCase().endsWith('.sql')).sort()) {
    const match = FILE_PATTERN.exec(file);
    if (!match) {
      problems.push(`${file}: not a migration file name (expected NNN_name.up.sql or NNN_name.down.sql)`);
      continue;
    }
    const name = `${match[1]}_${match[2]}`;
    if (match[3] === 'up') ups.set(name, { number: BigInt(match[1]!), path: path.join(dir, file) });
    else downs.set(name, path.join(dir, file));
  }
  for (const name of downs.keys()) {
    if (!ups.has(name)) problems.push(`${name}.down.sql: orphan down migration (there is no ${name}.up.sql)`);
  }
  if (problems.length > 0) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `invalid SQL migrations in ${dir}:\n  - ${problems.join('\n  - ')}`, {
      hint: 'Rename or remove the files named above: every NNN_name.down.sql needs its NNN_name.up.sql.',
      details: { problems },
    });
  }

  const files = await Promise.all(
    [...ups].map(async ([name, up]) => {
      const downPath = downs.get(name) ?? null;
      return { name, number: up.number, upPath: up.path, downPath, down: downPath ? downKindOf(await readFile(downPath, 'utf8')) : ('missing' as const) };
    }),
  );
  return files.sort((a, b) => byNumberThenName(a.number, a.name, b.number, b.name));
}

function byNumberThenName(an: bigint, a: string, bn: bigint, b: string): number {
  return an < bn ? -1 : an > bn ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

export function downKindOf(text: string): Exclude<DownKind, 'inferred'> {
  if (IRREVERSIBLE_MARKER.test(text)) return 'irreversible';
  // A down file with nothing but comments (or constant SELECTs, a placeholder) would "undo" by only deleting the history row: it is there, and empty.
  return doesNothing(text) ? 'empty' : 'yes';
}

export function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const UP_FILE = /\.up\.sql$/i;

/**
 * How classify reads the format: a `.up.sql` with the `.down.sql` beside it
 * (read only when the up is classified; most .up.sql files of a long history
 * have none, so its presence is asked first — of the folder listing classify
 * already read, not the file system), and any other `.sql` as a plain file with no down. Reads are
 * synchronous: classify reads and parses one file after another, and for
 * 1,000 local files that is 10 ms of CPU against 80 ms through fs/promises.
 */
export const SQL_FILE_READER: SqlFileReader = {
  read(file, text, files) {
    if (!UP_FILE.test(file)) return null;
    const downPath = file.replace(UP_FILE, '.down.sql');
    return {
      up: { text, path: file, firstLine: 1 },
      down: () => {
        if (!files.exists(downPath)) return { kind: 'missing', path: null };
        let downText: string;
        try {
          downText = files.read(downPath);
        } catch (cause) {
          if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing', path: null };
          throw unreadableFile(downPath, cause);
        }
        const kind = downKindOf(downText);
        return kind === 'yes' ? { kind, text: downText, path: downPath, firstLine: 1 } : { kind, path: downPath };
      },
    };
  },
  readPlain: (file, text) => ({ up: { text, path: file, firstLine: 1 }, down: null }),
  isCompanion: (name, names) => /\.down\.sql$/i.test(name) && names.has(name.replace(/\.down\.sql$/i, '.up.sql')),
  compareFiles(a, b) {
    const [am, bm] = [/^(\d+)_/.exec(path.basename(a)), /^(\d+)_/.exec(path.basename(b))];
    if (!am || !bm) return a < b ? -1 : a > b ? 1 : 0;
    return byNumberThenName(BigInt(am[1]!), a, BigInt(bm[1]!), b);
  },
};

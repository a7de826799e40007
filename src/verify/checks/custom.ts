/**
 * The project's own checks: every `.sql` file of the checks directory (default
 * `verify/` beside the migrations) holds one query that passes by returning no
 * rows or a single `true` — like Sqitch verify scripts. Each runs in a READ
 * ONLY transaction with a statement timeout, through the extended protocol (one
 * statement per file: a `COMMIT; DELETE ...` cannot step out of the read-only
 * transaction), so a check can look but never write.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../../db/connection.js';
import type { Check } from '../check.js';
import { plural } from '../compare.js';

interface FileOutcome {
  file: string;
  ok: boolean;
  detail: string;
}

/** SQLSTATEs that get a plainer explanation. */
const READ_ONLY_VIOLATION = '25006';
const QUERY_CANCELED = '57014';
const SYNTAX_ERROR = '42601';

export const custom: Check = {
  id: 'custom',
  uses: 'connection',
  description: "the project's own check queries (--checks-dir, default verify/ beside the migrations) return no rows or a single true",
  async run(db, ctx) {
    const { dir } = ctx.checksDir;
    const files = await sqlFiles(dir);
    if (files === undefined) return { status: 'skip', detail: `no checks directory at ${dir} (add .sql checks there, or pass --checks-dir DIR)` };
    if (files.length === 0) return { status: 'skip', detail: `no .sql files in ${dir}` };
    // Belt and braces: even a statement that ends our transaction leaves the session read-only.
    await db.query('SET default_transaction_read_only = on');
    const outcomes: FileOutcome[] = [];
    for (const file of files) outcomes.push(await runFile(db, dir, file, ctx.statementTimeoutMs));
    const failed = outcomes.filter((o) => !o.ok);
    const data = { dir, files: outcomes };
    if (failed.length > 0) {
      return { status: 'fail', detail: `${failed.length} of ${plural(files.length, 'check')} in ${dir} failed`, problems: failed.map((o) => `${o.file}: ${o.detail}`), data };
    }
    return { status: 'pass', detail: `${plural(files.length, 'check')} in ${dir} passed`, data };
  },
};

async function sqlFiles(dir: string): Promise<string[] | undefined> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.toLowerCase().endsWith('.sql') && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function runFile(db: Db, dir: string, file: string, timeoutMs: number): Promise<FileOutcome> {
  const text = await readFile(path.join(dir, file), 'utf8');
  if (text.trim() === '') return { file, ok: false, detail: 'the file is empty (a check is one query: no rows or a single true passes)' };
  await db.query('BEGIN READ ONLY');
  try {
    await db.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    // Take the transaction's snapshot first: after it, SET TRANSACTION READ WRITE is refused.
    await db.query('SELECT 1');
    const result = await db.query({ text, queryMode: 'extended' } as unknown as { text: string });
    return judge(file, result.rows as Array<Record<string, unknown>>, result.fields.length);
  } catch (err) {
    return { file, ok: false, detail: explain(err, timeoutMs) };
  } finally {
    await db.query('ROLLBACK').catch(() => undefined);
  }
}

function judge(file: string, rows: Array<Record<string, unknown>>, columns: number): FileOutcome {
  if (columns === 0) return { file, ok: false, detail: 'returned no result (a check must be a query: no rows or a single true passes)' };
  if (rows.length === 0) return { file, ok: true, detail: 'no rows' };
  const first = rows[0]!;
  const values = Object.values(first);
  if (rows.length === 1 && values.length === 1 && values[0] === true) return { file, ok: true, detail: 'true' };
  if (rows.length === 1 && values.length === 1) return { file, ok: false, detail: `returned ${JSON.stringify(values[0])}, not true` };
  return { file, ok: false, detail: `returned ${plural(rows.length, 'row')} (first: ${JSON.stringify(first)})` };
}

function explain(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  if (e.code === READ_ONLY_VIOLATION) return `refused: the check tried to write (${message}); checks run read-only`;
  if (e.code === QUERY_CANCELED) return `timed out after ${timeoutMs / 1000} s (${message})`;
  if (e.code === SYNTAX_ERROR && /multiple commands/.test(message)) return 'holds more than one statement: a check file is exactly one query';
  return `error: ${message}`;
}

/**
 * pg_restore into one database, from a file (parallel with -j) or from a
 * stream on stdin (single job). Credentials travel in the child's
 * environment; the database is named by a conninfo string in argv, which
 * carries no secret.
 *
 * It runs with --verbose: every stderr line goes to `onLine` as it arrives
 * (progress-lines.ts reads them); a failure's message keeps the other lines,
 * pg_restore's own error text, and leaves the progress lines out.
 */
import type { Options } from 'execa';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import type { PgBinary } from '../../pgtools/binaries.js';
import { redact } from '../../secrets/redact.js';
import { startTool, toolError } from '../../pgtools/run.js';
import { isProgressLine } from './progress-lines.js';

export interface PgRestoreOptions {
  jobs: number;
  noOwner: boolean;
  /** A TOC list file (pg_restore --use-list): the entries restored, in that order (file restores only). */
  useList?: string;
  /** Each stderr line (secrets removed), in order, as it arrives. */
  onLine?: (line: string) => void;
}

export interface RunningRestore {
  /** pg_restore's stdin (only when restoring from a stream). */
  readonly stdin: Writable | null;
  readonly exited: Promise<void>;
  kill(): void;
}

export function startRestore(pgRestore: PgBinary, conn: ConnInfo, file: string | null, options: PgRestoreOptions): RunningRestore {
  const args = [
    '--no-password',
    '--exit-on-error',
    '--verbose',
    `--dbname=dbname=${conninfoQuote(conn.database)}`,
    ...(options.noOwner ? ['--no-owner'] : []),
    ...(file && options.useList ? [`--use-list=${options.useList}`] : []),
    ...(file && options.jobs > 1 ? [`--jobs=${options.jobs}`] : []),
    ...(file ? [file] : []),
  ];
  // Colour codes would hide the messages from the parser.
  const child = startTool(pgRestore, args, { conn, env: { PG_COLOR: 'never' }, stdin: file ? 'ignore' : (['pipe'] as Options['stdin']) });
  const kept: string[] = [];
  const programs = programNames(pgRestore);
  const linesRead = readLines(child.stderr!, (raw) => {
    const line = redact(raw, [conn.password]);
    if (!isProgressLine(line, programs)) kept.push(line);
    options.onLine?.(line);
  });
  const exited = child.then(
    async () => {
      await linesRead;
    },
    async (cause: unknown) => {
      await linesRead.catch(() => undefined);
      throw restoreError(pgRestore, args, withStderr(cause, kept.join('\n')), conn);
    },
  );
  exited.catch(() => undefined);
  return { stdin: file ? null : child.stdin, exited, kill: () => void child.kill('SIGTERM') };
}

function restoreError(pgRestore: PgBinary, args: string[], cause: unknown, conn: ConnInfo): DbrollbackError {
  const base = toolError(pgRestore, args, cause, conn);
  const stderr = String((cause as { stderr?: unknown }).stderr ?? '');
  const missingRole = /role "([^"]+)" does not exist/.exec(stderr);
  return new DbrollbackError('RESTORE_FAILED', base.message, {
    hint: missingRole
      ? `The backup's objects belong to role "${missingRole[1]}", which this cluster lacks: create the role, or pass --no-owner to give everything to the restoring user.`
      : base.hint,
    cause: base,
  });
}

/** The program's name as it prefixes its messages (progname: the binary's file name). */
export function programNames(pgRestore: PgBinary): string[] {
  return [...new Set([path.basename(pgRestore.path).replace(/\.exe$/i, ''), 'pg_restore'])];
}

/** Split a stream into lines as they arrive; resolves once the stream has ended and every line was handed over. */
function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const take = (text: string) => {
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, nl).replace(/\r$/, ''));
      pending = pending.slice(nl + 1);
    }
  };
  return new Promise((resolve, reject) => {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      take(decoder.end());
      if (pending !== '') onLine(pending);
      resolve();
    };
    stream.on('data', (chunk: Buffer | string) => take(typeof chunk === 'string' ? chunk : decoder.write(chunk)));
    stream.on('error', reject);
    stream.on('end', end);
    // A destroyed stream closes without 'end'.
    stream.on('close', end);
  });
}

/** The child's failure with its stderr replaced by the lines that are not progress. */
function withStderr(cause: unknown, stderr: string): unknown {
  if (typeof cause !== 'object' || cause === null) return cause;
  const c = cause as { shortMessage?: string; message?: string };
  return { ...cause, stderr, message: `${c.shortMessage ?? c.message ?? ''}${stderr ? `\n\n${stderr}` : ''}` };
}

/** libpq conninfo value quoting: single quotes, with \ and ' escaped. */
function conninfoQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * pg_restore into one database, from a file (parallel with -j) or from a
 * stream on stdin (single job). Credentials travel in the child's
 * environment; the database is named by a conninfo string in argv, which
 * carries no secret.
 */
import type { Options } from 'execa';
import type { Writable } from 'node:stream';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import type { PgBinary } from '../../pgtools/binaries.js';
import { startTool, toolError } from '../../pgtools/run.js';

export interface PgRestoreOptions {
  jobs: number;
  noOwner: boolean;
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
    `--dbname=dbname=${conninfoQuote(conn.database)}`,
    ...(options.noOwner ? ['--no-owner'] : []),
    ...(file && options.jobs > 1 ? [`--jobs=${options.jobs}`] : []),
    ...(file ? [file] : []),
  ];
  const child = startTool(pgRestore, args, { conn, stdin: file ? 'ignore' : (['pipe'] as Options['stdin']) });
  const exited = child.then(
    () => undefined,
    (cause: unknown) => Promise.reject(restoreError(pgRestore, args, cause, conn)),
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

/** libpq conninfo value quoting: single quotes, with \ and ' escaped. */
function conninfoQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

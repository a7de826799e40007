/**
 * `dbrollback classify` as a library function: resolve where code
 * migrations may run (the configured server gets a scratch database created
 * and dropped on it; without one, a local throwaway cluster), classify, and
 * evaluate the CI gate (`--fail-on`), which counts only findings nobody
 * silenced with `-- dbrollback-ignore`.
 */
import path from 'node:path';
import type { ProgressListener } from '../progress.js';
import type { ResolvedConfig } from '../run/config.js';
import { FAIL_ON, type FailOn } from '../run/options.js';
import { DbrollbackError, type ErrorCode } from '../errors.js';
import { connect } from '../db/connection.js';
import { describeConn } from '../db/conninfo.js';
import { mayCreateDatabase, roleAttributes } from '../db/role-attributes.js';
import type { ScratchOptions } from '../tools/capture/scratch.js';
import { classifyFiles, type ClassifyReport } from './classify-files.js';
import { failingFindings } from './classify-sql.js';
import type { Finding } from './types.js';


export interface ClassifyOptions {
  /** Fail (exit 4) when an unsuppressed finding makes a statement breaking / destructive. */
  failOn?: FailOn[];
  /** Target server major version (default 17). */
  serverVersion?: number;
  onProgress?: ProgressListener;
}

export interface ClassifyFailure {
  path: string;
  line: number;
  rule: string;
  message: string;
  /** A code migration's SQL captured by running it through its tool (knex): `line` is a line of that SQL. */
  capturedBy?: string;
}

export interface ClassifyResult extends ClassifyReport {
  /** false when a --fail-on condition was hit. */
  ok: boolean;
  failOn: FailOn[];
  failures: ClassifyFailure[];
}

export async function classify(config: ResolvedConfig, paths: readonly string[], options: ClassifyOptions = {}): Promise<ClassifyResult> {
  const failOn = options.failOn ?? [];
  for (const f of failOn) {
    if (!FAIL_ON.includes(f)) throw new DbrollbackError('USAGE', `--fail-on must be breaking and/or destructive (got "${String(f)}")`);
  }
  const report = await classifyFiles(
    paths.map((p) => path.resolve(config.cwd, p)),
    {
      ...(options.serverVersion !== undefined ? { serverVersion: options.serverVersion } : {}),
      ...(config.migrator !== undefined ? { migrator: config.migrator } : {}),
      ...(config.configModule !== undefined ? { configModule: config.configModule } : {}),
      ...(config.configFile !== undefined ? { configFile: config.configFile } : {}),
      scratch: await scratchFor(config, options.onProgress),
      ...(config.migrationsTable !== undefined ? { migrationsTable: config.migrationsTable } : {}),
      ...(config.migrationsSchema !== undefined ? { migrationsSchema: config.migrationsSchema } : {}),
      ...(options.onProgress ? { onProgress: (text: string) => options.onProgress!({ kind: 'message', text }) } : {}),
    },
  );
  const failures: ClassifyFailure[] = [];
  // Without --fail-on nothing fails: the 13,000 statements of a long history are not walked for it.
  for (const file of failOn.length > 0 ? report.files : []) {
    for (const { statement, finding } of failingFindings(file.statements, failOn)) {
      failures.push({ path: file.path, line: statement.line, rule: finding.rule, message: finding.message, ...(file.source === 'captured' ? { capturedBy: file.kind } : {}) });
    }
  }
  return { files: report.files, errors: report.errors, readAs: report.readAs, ok: failures.length === 0 && report.errors.length === 0, failOn, failures };
}

/**
 * Where code migrations run: a server the user named explicitly may host the scratch database (libpq
 * defaults alone are not consent) — when its role may create one. An application role without CREATEDB
 * (the usual one on a managed platform) gets a local throwaway cluster instead, and the progress says why.
 */
async function scratchFor(config: ResolvedConfig, onProgress: ProgressListener | undefined): Promise<ScratchOptions> {
  if (config.connSource === 'libpq-env') return {};
  let db;
  try {
    db = await connect(config.conn);
  } catch {
    // Unreachable now: the scratch database's own connection reports it, as before.
    return { server: config.conn };
  }
  try {
    const attributes = await roleAttributes(db);
    if (mayCreateDatabase(attributes)) return { server: config.conn };
    const why = `role ${attributes.role} on ${describeConn(config.conn)} may not create databases (no CREATEDB)`;
    onProgress?.({ kind: 'message', text: `${why}: code migrations run in a local throwaway cluster instead` });
    return { localBecause: why };
  } catch {
    return { server: config.conn };
  } finally {
    await db.end().catch(() => undefined);
  }
}

/**
 * Bad input found while classifying (exit 2), once every other file was classified: the one
 * file's own error, or one naming them all.
 */
export function classifyInputError(result: Pick<ClassifyResult, 'errors'>): DbrollbackError | null {
  const errors = result.errors;
  if (errors.length === 0) return null;
  const first = errors[0]!;
  if (errors.length === 1) {
    return new DbrollbackError(first.code as ErrorCode, first.message, {
      ...(first.hint ? { hint: first.hint } : {}),
      details: { file: first.path, line: first.line, column: first.column, parserMessage: first.parserMessage, errors },
    });
  }
  return new DbrollbackError(first.code as ErrorCode, `${errors.length} files could not be classified (the others were):\n  - ${errors.map((e) => e.message).join('\n  - ')}`, {
    hint: 'Fix each file named above (the messages are PostgreSQL\'s own parser\'s), then run classify again.',
    details: { errors },
  });
}

/** The CLASSIFY_FAIL_ON error (exit 4) for a result that hit a --fail-on condition. */
export function classifyFailOnError(result: ClassifyResult): DbrollbackError {
  const first = result.failures.slice(0, 3).map((f) => (f.capturedBy ? `${f.path} (line ${f.line} of the SQL ${f.capturedBy} sent) ${f.rule}` : `${f.path}:${f.line} ${f.rule}`));
  const captured = [...new Set(result.failures.flatMap((f) => (f.capturedBy ? [f.capturedBy] : [])))];
  return new DbrollbackError('CLASSIFY_FAIL_ON', `${result.failures.length} finding(s) hit --fail-on ${result.failOn.join(',')}: ${first.join('; ')}${result.failures.length > 3 ? '; ...' : ''}`, {
    hint:
      captured.length > 0
        ? `Use the safe alternative each finding's help gives; if the change is intended (a planned contract step), leave the migration out of the --fail-on run: the SQL a code migration sends (${captured.join(', ')}) has no place for a \`-- dbrollback-ignore <rule-id>\` comment, which only .sql files take.`
        : 'Use the safe alternative each finding\'s help gives; if the change is intended (a planned contract step), add `-- dbrollback-ignore <rule-id>` above the statement.',
    details: { failures: result.failures },
  });
}

export type { Finding };

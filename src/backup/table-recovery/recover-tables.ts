/**
 * `dbrollback restore --before-migration NAME | --point-in-time T --tables
 * T1,T2 --into-database URL [--replace]`: bring back only the tables a bad
 * change damaged, keeping every later write to the other tables.
 *
 *   check input → recover a throwaway instance to the target → the tables
 *   existed then → (replace: no foreign key from other tables, backup) →
 *   copy them into dbrollback_recovered_<ts> → (replace: swap in place) →
 *   verify fingerprints against the throwaway copy → remove the throwaway
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AuditRun, type StepResult } from '../../audit/audit-trail.js';
import { Checklist, isStopError } from '../../audit/checklist.js';
import { faultPoint } from '../../audit/fault-point.js';
import { describeRunFacts, type Journal } from '../../audit/journal.js';
import { asRunError, openJournal, outcomeOf, recordRun, type RunOutcome } from '../../audit/runbook.js';
import { quoteIdent, withDb, type Db } from '../../db/connection.js';
import { describeConn, type ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';
import { freePort, removeOnExit, serverOsUser, stopServer } from '../../pgtools/local-cluster.js';
import type { ProgressListener } from '../../progress.js';
import type { Storage } from '../../storage/contract.js';
import { formatTableRef } from '../../verify/baseline.js';
import type { Archiver } from '../archivers/contract.js';
import { backup } from '../backup.js';
import { pitrRestore } from '../pitr/pitr-restore.js';
import { confirmReplace } from './confirm-replace.js';
import { copyDetail, copyTables, recoverySchemas } from './copy-tables.js';
import { inboundForeignKeys } from './inbound-foreign-keys.js';
import { swapTables } from './swap-tables.js';
import { keptAside, type KeptAside } from './kept-aside.js';
import { assertCopiesMatch, compareCopies, copiesDetail, type RecoveredTable } from './verify-copies.js';

export interface RecoverTablesOptions {
  /** Where the throwaway instance recovers to (one of them). */
  target: { pointInTime?: string; lsn?: string; restorePoint?: string; restorePointLsn?: string };
  tables: TableRef[];
  /** The database the tables are copied into. */
  into: ConnInfo;
  /** The database, in the recovered cluster, the tables come from (the production database's name). */
  sourceDatabase: string;
  /** Swap the recovered tables in place of the live ones (after a backup), instead of beside them. */
  replace?: boolean;
  /** Role and password the throwaway instance is entered with (the production ones, recovered with it). */
  login: Pick<ConnInfo, 'user' | 'password'>;
  /** How PostgreSQL runs wal-fetch (default: this package's CLI). */
  walFetch?: { node: string; cli: string };
  /** Whose archive the throwaway instance recovers from (default: dbrollback's own, in the storage). */
  archiver?: Archiver;
  /** Port of the throwaway instance (default: a free one). */
  port?: number;
  /** lock_timeout of the swap's renames (the run's configured lockTimeout). */
  lockTimeoutMs: number;
  onStep?: (line: string) => void;
  onProgress?: ProgressListener;
  commandLine?: string[];
  /** --replace swaps live tables: allowed by --yes, or by the answer at the prompt. */
  yes?: boolean;
  /** Ask the person at the terminal before --replace swaps the live tables (when `yes` is not given). */
  confirm?: (question: string) => Promise<boolean>;
  /** Aborted (SIGINT/SIGTERM): the recovery in progress stops, no later step starts, the throwaway instance is removed. */
  signal?: AbortSignal;
}

export interface RecoverTablesReport {
  ok: boolean;
  outcome: RunOutcome;
  target: string | null;
  schema: string;
  replaced: boolean;
  /** Where the live tables were put aside (--replace). */
  aside: string | null;
  /** --replace: per table, what the table put aside holds beyond the restored one (written since the target). */
  keptAside: KeptAside[];
  backupId: string | null;
  tables: RecoveredTable[];
  /** Foreign keys to tables outside the set, left out of the side-by-side copy. */
  droppedKeys: string[];
  /** How the throwaway instance got its WAL: segments restored, how many from the spool the run staged ahead of replay (null: no staging). */
  walStaging: { restored: number; fromSpool: number; problem: string | null } | null;
  durationMs: number;
  steps: StepResult[];
  auditKey: string | null;
  error: DbrollbackError | null;
}

export const RECOVER_TABLES_STEPS = ['recover', 'check-tables', 'foreign-keys', 'backup', 'copy', 'swap', 'verify', 'cleanup'] as const;

export async function recoverTables(storage: Storage, options: RecoverTablesOptions): Promise<RecoverTablesReport> {
  const started = performance.now();
  const log = options.onStep ?? (() => undefined);
  const tables = checkTables(options.tables);
  const port = options.port ?? (await freePort());
  if (isLoopback(options.into.host) && options.into.port === port) {
    throw new DbrollbackError('USAGE', `--into-database ${describeConn(options.into)} is the throwaway instance (127.0.0.1:${port}) the tables are recovered in`, {
      hint: 'Name the database the tables belong in (usually the production database), not the throwaway copy. Nothing was changed.',
    });
  }
  const { schema, aside } = recoverySchemas();
  const at = options.target.pointInTime ?? options.target.lsn ?? options.target.restorePoint ?? 'the target';
  if (options.replace) await confirmReplace(tables, options.into, { state: `at ${at}`, sideBySide: 'recover', run: 'table recovery', aside, yes: options.yes, confirm: options.confirm });
  const audit = new AuditRun('restore', describeConn(options.into), options.commandLine);
  const report: RecoverTablesReport = { ok: false, outcome: 'failed', target: null, schema, replaced: false, aside: null, keptAside: [], backupId: null, tables: [], droppedKeys: [], walStaging: null, durationMs: 0, steps: [], auditKey: null, error: null };
  const osUser = serverOsUser();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-throwaway-'));
  // The server runs as its own OS user: it must reach the data directory inside.
  await chmod(workDir, 0o755);
  const dataDir = path.join(workDir, 'data');
  // Stopped and removed on the way out even if the process exits first (a second Ctrl-C).
  const forget = await removeOnExit(workDir, dataDir, osUser);
  const throwaway: ConnInfo = { host: '127.0.0.1', port, user: options.login.user, password: options.login.password, database: options.sourceDatabase, sslmode: undefined, applicationName: 'dbrollback' };
  let throwawayStarted = false;
  let throwawayGone = false;
  let copied = false;
  let error: DbrollbackError | null = null;
  const facts = () => ({
    mode: 'tables',
    database: options.into.database,
    schema,
    aside,
    copied,
    replaced: report.replaced,
    backupId: report.backupId,
    throwawayDir: throwawayStarted && !throwawayGone ? dataDir : null,
  });
  const checklist = new Checklist(RECOVER_TABLES_STEPS, log, { signal: options.signal, facts });
  let journal: Journal | undefined;
  // Once the target and the archive have passed the recovery's checks: from here on the run is journaled in the storage as it goes.
  const startJournal = async () => {
    journal = openJournal(storage, audit, 'restore', describeConn(options.into), options.commandLine ?? [], RECOVER_TABLES_STEPS);
    checklist.attach(journal);
    await journal.flush();
  };
  try {
    const pitr = await checklist.run('recover', async () => {
      throwawayStarted = true;
      // A step of this run: the throwaway recovery keeps no journal or audit record of its own.
      const r = await pitrRestore(storage, { ...options.target, dataDir, port, keptFor: 'the tables are copied from it, then it is removed', login: { ...options.login, database: options.sourceDatabase }, ...(options.walFetch ? { walFetch: options.walFetch } : {}), ...(options.archiver ? { archiver: options.archiver } : {}), onStep: (line) => log(`  ${line}`), onProgress: options.onProgress, noAudit: true, onWriting: startJournal, ...(options.signal ? { signal: options.signal } : {}) });
      if (r.error) throw r.error;
      return r;
    }, (r) => `throwaway instance on 127.0.0.1:${port} recovered to ${r.target.display}`);
    report.target = pitr.target.display;
    report.walStaging = pitr.staging ? { restored: pitr.recovery?.segmentsFetched ?? 0, fromSpool: pitr.staging.takenByServer, problem: pitr.staging.problem } : null;
    await withDb(throwaway, async (copy) => {
      await checklist.run('check-tables', () => assertTablesExist(copy, tables, 'at the recovery target'), () => tables.map(name).join(', '));
      await withDb(options.into, async (into) => {
        if (options.replace) {
          await assertTablesExist(into, tables, `in ${describeConn(options.into)}`);
          await checklist.run('foreign-keys', () => assertNoInboundKeys(into, tables), () => 'no foreign key from another table points at them');
          // The live tables are what --replace puts aside: a verified backup of the database first.
          const taken = await checklist.run('backup', () => backup({ conn: options.into, storage, headLookup: async () => ({ configured: false, reason: 'table recovery' }) }, { label: `before replacing ${tables.map(name).join(', ')}`, onStep: log, onProgress: options.onProgress }), (b) => `backup ${b.manifest.id}, sha256 verified: ${b.manifest.verified}`);
          report.backupId = taken.manifest.id;
        } else {
          checklist.skip('foreign-keys', 'side by side: the live tables are not touched');
          checklist.skip('backup', 'side by side: the live tables are not touched');
        }
        const staged = await checklist.run('copy', async () => {
          const s = await copyTables(copy, throwaway, options.into, tables, schema, Boolean(options.replace), into);
          copied = true;
          return s;
        }, (s) => copyDetail(tables, schema, s));
        report.droppedKeys = staged.droppedKeys;
        if (options.replace) {
          await faultPoint('restore:before-table-swap', options.signal);
          await checklist.run('swap', async () => {
            await swapTables(into, tables, schema, aside, options.lockTimeoutMs);
            report.replaced = true;
            report.aside = aside;
          }, () => `in one transaction; the live tables are kept in schema ${aside}`);
        } else {
          checklist.skip('swap', `side by side in schema ${schema}`);
        }
        report.tables = await compareCopies(into, tables, schema, Boolean(options.replace), staged.fingerprints);
        await checklist.run('verify', async () => assertCopiesMatch(report.tables, "recovered tables differ from the throwaway instance's:"), () => copiesDetail(report.tables));
        // What the application wrote since the target is in the tables put aside: counted, so nothing is out of service unseen.
        if (report.replaced) report.keptAside = await keptAside(into, tables, aside);
      });
    });
  } catch (err) {
    error = asRunError(err);
  } finally {
    if (throwawayStarted) {
      await checklist.cleanup('cleanup', async () => {
        await stopServer(dataDir, { osUser }).catch(() => undefined);
        await rm(workDir, { recursive: true, force: true });
        throwawayGone = true;
      }, () => `throwaway instance stopped and ${dataDir} removed`).catch(() => undefined);
    } else {
      await rm(workDir, { recursive: true, force: true });
    }
    forget();
  }
  // A stopped run says what it left in the database, as the journal does.
  if (error && isStopError(error)) {
    error = new DbrollbackError(error.code, `${error.message}; ${describeRunFacts(facts())}`, { hint: error.hint, details: error.details, cause: error });
  }
  report.steps = checklist.finish();
  report.error = error;
  report.ok = error === null;
  report.outcome = outcomeOf(error);
  report.durationMs = Math.round(performance.now() - started);
  report.auditKey = await recordRun(audit, storage, report.steps, error, { backupId: report.backupId, extra: { mode: 'tables', target: report.target, schema, replaced: report.replaced, aside: report.aside, keptAside: report.keptAside, tables: report.tables, droppedKeys: report.droppedKeys } }, log, journal);
  return report;
}

/** `schema.table` as --tables reads it back: a part with capitals (Prisma's `Member`) is quoted, `public."Member"`. */
const name = (t: TableRef): string => formatTableRef(t);

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

function checkTables(tables: readonly TableRef[]): TableRef[] {
  if (tables.length === 0) throw new DbrollbackError('USAGE', '--tables needs at least one table', { hint: 'e.g. --tables public.orders,public.customers' });
  const byName = new Map<string, TableRef>();
  for (const t of tables) {
    const other = byName.get(t.table);
    if (other && other.schema !== t.schema) {
      throw new DbrollbackError('USAGE', `--tables names two tables called ${t.table} (${name(other)}, ${name(t)}): they would meet in one recovery schema`, { hint: 'Recover them in two runs. Nothing was changed.' });
    }
    byName.set(t.table, t);
  }
  return [...byName.values()];
}

async function assertTablesExist(db: Db, tables: readonly TableRef[], where: string): Promise<void> {
  const missing: string[] = [];
  const differentCase: string[] = [];
  for (const t of tables) {
    const { rows } = await db.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AND (SELECT relkind FROM pg_class WHERE oid = to_regclass($1)) IN ('r', 'p') AS ok", [`${quoteIdent(t.schema)}.${quoteIdent(t.table)}`]);
    if (rows[0]?.ok) continue;
    missing.push(name(t));
    // An unquoted name folds to lower case, as in SQL: Prisma's tables (`Member`) are named with capitals.
    const { rows: like } = await db.query<{ schema: string; table: string }>(
      "SELECT n.nspname AS schema, c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND lower(n.nspname) = lower($1) AND lower(c.relname) = lower($2) ORDER BY 1, 2",
      [t.schema, t.table],
    );
    differentCase.push(...like.map((l) => name(l)));
  }
  if (missing.length > 0) {
    const quoted = differentCase.length > 0 ? `; ${differentCase.join(', ')} did (a name with capitals is given in double quotes, as in SQL: --tables '${differentCase.join(',')}')` : '';
    throw new DbrollbackError('USAGE', `--tables: ${missing.join(', ')} did not exist ${where}${quoted}`, {
      hint: 'Name tables as schema.table as they were at the target (`\\dt` on the database), a part with capitals in double quotes (public."Member"). Nothing was written to the target database.',
    });
  }
}

async function assertNoInboundKeys(db: Db, tables: readonly TableRef[]): Promise<void> {
  // A swap moves one table; a partitioned one's partitions would stay behind, attached to the table set aside.
  const { rows: partitioned } = await db.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS table FROM unnest($1::text[], $2::text[]) AS w(schema, name)
       JOIN pg_namespace n ON n.nspname = w.schema JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.name
      WHERE c.relkind = 'p' OR c.relispartition`,
    [tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  if (partitioned.length > 0) {
    throw new DbrollbackError('REFUSED', `refusing to replace ${partitioned.map(name).join(', ')}: a partitioned table or a partition is not swapped in place (its partitions or its parent would stay behind)`, {
      hint: 'Recover side by side instead (leave out --replace: the partitioned table lands with its partitions in a dbrollback_recovered_* schema) and copy the rows you need. Nothing was changed.',
    });
  }
  const keys = await inboundForeignKeys(db, tables);
  if (keys.length === 0) return;
  const one = tables.length === 1;
  throw new DbrollbackError('REFUSED', `refusing to replace ${tables.map(name).join(', ')}: foreign keys from other tables point at ${one ? 'it' : 'them'} and would keep pointing at the old ${one ? 'table' : 'tables'}: ${keys.map((k) => `${k.from}.${k.constraint} → ${k.to}`).join('; ')}`, {
    hint: `Recover side by side instead (leave out --replace; the ${one ? 'table lands' : 'tables land'} in a dbrollback_recovered_* schema) and copy the rows you need, or add ${keys.map((k) => k.from).filter((v, i, a) => a.indexOf(v) === i).join(', ')} to --tables. Nothing was changed.`,
    details: { foreignKeys: keys },
  });
}

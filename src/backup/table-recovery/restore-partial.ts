/**
 * Tables restored from a logical backup: `dbrollback restore --backup ID` of
 * a partial backup (undo --backup tables), which holds the rows of a few
 * tables and the whole schema, or `--tables` of a whole-database backup
 * (the one `migrate` or `dbrollback backup` took), which holds every table's
 * rows and is loaded with only the asked tables' rows. Either is restored the
 * way table recovery works — side by side in a schema
 * `dbrollback_recovered_<ts>`, or swapped in place with `--replace`.
 *
 *   check the request against what the backup covers → load the dump into a
 *   scratch database on the same server (sha256 checked on the way; the whole
 *   schema, the rows of the asked tables only) → its tables match the
 *   manifest's fingerprints → (replace: a partial backup of
 *   the live tables first) → copy the tables into dbrollback_recovered_<ts>
 *   → (replace: swap in place, foreign keys from other tables made again) →
 *   verify the copies → drop the scratch database
 */
import { AuditRun, type StepResult } from '../../audit/audit-trail.js';
import { Checklist } from '../../audit/checklist.js';
import { faultPoint } from '../../audit/fault-point.js';
import type { Journal } from '../../audit/journal.js';
import { asRunError, openJournal, outcomeOf, recordRun, type RunOutcome } from '../../audit/runbook.js';
import { connect, serverVersion, type Db } from '../../db/connection.js';
import { describeConn, withDatabase, type ConnInfo } from '../../db/conninfo.js';
import { alterRole, extensionsNotCreatable, mayCreateDatabase, roleAttributes } from '../../db/role-attributes.js';
import { DbrollbackError } from '../../errors.js';
import { fingerprint, type TableRef } from '../../fingerprint/fingerprint.js';
import { findBinary } from '../../pgtools/binaries.js';
import type { ProgressListener } from '../../progress.js';
import type { Storage } from '../../storage/contract.js';
import { backup } from '../backup.js';
import { dumpKey } from '../layout.js';
import { formatTableRef } from '../../verify/baseline.js';
import type { BackupManifest } from '../manifest.js';
import { createDatabase, dropDatabase } from '../restore/databases.js';
import { downloadDump, removeDump } from '../restore/fetch-dump.js';
import { confirmReplace } from './confirm-replace.js';
import { copyDetail, copyTables, recoverySchemas } from './copy-tables.js';
import { addDeferredKeys, loadPartialDump, validateCopiedKeys, type DeferredKeys } from './load-partial-dump.js';
import { swapTables } from './swap-tables.js';
import { keptAside, type KeptAside } from './kept-aside.js';
import { assertCopiesMatch, compareCopies, copiesDetail, type RecoveredTable } from './verify-copies.js';

export interface RestorePartialOptions {
  /** The backup's manifest (loadManifest): a partial backup, or a whole one with `tables`. */
  manifest: BackupManifest;
  /** Only these of its tables (default, for a partial backup only: every table it covers). */
  tables?: TableRef[];
  /** The database the tables are copied into. */
  into: ConnInfo;
  /** Swap the restored tables in place of the live ones (after a partial backup of those), instead of beside them. */
  replace?: boolean;
  /** lock_timeout of the swap's renames. */
  lockTimeoutMs: number;
  tempDir?: string;
  yes?: boolean;
  confirm?: (question: string) => Promise<boolean>;
  onStep?: (line: string) => void;
  onProgress?: ProgressListener;
  commandLine?: string[];
  signal?: AbortSignal;
}

export interface RestorePartialReport {
  ok: boolean;
  outcome: RunOutcome;
  backupId: string;
  /** What the backup covers (schema.table). */
  covers: string[];
  schema: string;
  replaced: boolean;
  aside: string | null;
  /** --replace: per table, what the table put aside holds beyond the restored one (written since the backup). */
  keptAside: KeptAside[];
  /** The partial backup of the live tables taken before --replace swapped them. */
  safetyBackupId: string | null;
  tables: RecoveredTable[];
  /** Foreign keys to tables outside the set, left out of the side-by-side copy. */
  droppedKeys: string[];
  /** Foreign keys from other tables into the swapped ones, made again on the restored tables (--replace). */
  recreatedKeys: string[];
  durationMs: number;
  steps: StepResult[];
  auditKey: string | null;
  error: DbrollbackError | null;
}

export const RESTORE_PARTIAL_STEPS = ['load', 'check-tables', 'backup', 'copy', 'swap', 'verify', 'cleanup'] as const;

const name = (t: TableRef): string => `${t.schema}.${t.table}`;

/** The tables whose rows a backup holds (schema.table): a partial backup's covered tables, or every table of a whole one. */
export function backupCovers(manifest: BackupManifest): string[] {
  return manifest.partial?.tables ?? manifest.tables.map(name);
}

/** Past this many, a refusal's text names the first ones (a whole database may hold hundreds); --json's error.details.covers has them all. */
const NAMED_AT_MOST = 20;

/** The tables a restore of a backup's tables may ask for; anything outside what it covers is bad usage (exit 2), said with what it covers. */
export function partialTables(manifest: BackupManifest, asked: TableRef[] | undefined): TableRef[] {
  const covers = backupCovers(manifest);
  const kind = manifest.partial ? 'partial backup' : 'backup';
  // The manifest's fingerprinted tables are the covered ones as parts: compared and shown from those, never by
  // splitting `schema.table` (a name may hold a dot), and shown as --tables reads them back (`"Sales.EU"."Order Line"`).
  const coveredRefs = manifest.tables.filter((t) => covers.includes(name(t))).map((t) => ({ schema: t.schema, table: t.table }));
  const shown = coveredRefs.length === covers.length ? coveredRefs.map(formatTableRef) : covers;
  const listed = shown.length > NAMED_AT_MOST ? `${shown.slice(0, NAMED_AT_MOST).join(', ')} and ${shown.length - NAMED_AT_MOST} more tables (--json lists them all in error.details.covers)` : shown.join(', ') || 'no table';
  const elsewhere = manifest.partial ? 'or use a full backup or the WAL archive for the rest' : 'or restore them from another backup (`dbrollback backups` lists them)';
  const hint = `Backup ${manifest.id} ${manifest.partial ? 'covers' : 'holds the rows of'} ${listed}: restore some or all of those (--tables), ${elsewhere}. Nothing was changed.`;
  const all = coveredRefs;
  if (!asked) {
    if (!manifest.partial) throw new DbrollbackError('USAGE', `backup ${manifest.id} is a whole-database backup: say which of its tables to restore with --tables`, { hint: `e.g. dbrollback restore --backup ${manifest.id} --tables '${shown[0] ?? 'public.orders'}', or restore it whole with dbrollback restore --backup ${manifest.id} --target-database URL. Nothing was changed.` });
    if (all.length === 0) throw new DbrollbackError('USAGE', `backup ${manifest.id} is partial and holds the rows of no table`, { hint });
    return all;
  }
  const same = (a: TableRef, b: TableRef) => a.schema === b.schema && a.table === b.table;
  const outside = asked.filter((t) => !coveredRefs.some((c) => same(c, t)) && (coveredRefs.length === covers.length || !covers.includes(name(t))));
  if (outside.length > 0) {
    // An unquoted name folds to lower case, as in SQL: `billing.Invoice` is billing.invoice; the backup's may be billing."Invoice".
    const folded = coveredRefs.filter((c) => outside.some((t) => c.schema.toLowerCase() === t.schema.toLowerCase() && c.table.toLowerCase() === t.table.toLowerCase()));
    const didYouMean = folded.length > 0 ? `; it holds ${folded.map(formatTableRef).join(', ')} (a name with capitals, dots, spaces or quotes is given in double quotes, as in SQL: --tables '${folded.map(formatTableRef).join(',')}')` : '';
    throw new DbrollbackError('USAGE', `--tables asks for ${outside.map(formatTableRef).join(', ')}, which ${kind} ${manifest.id} does not ${manifest.partial ? 'cover' : 'hold'}${didYouMean}`, { hint, details: { covers } });
  }
  return asked;
}

async function requireScratchDatabase(into: Db, conn: ConnInfo): Promise<void> {
  const attributes = await roleAttributes(into);
  if (mayCreateDatabase(attributes)) return;
  throw new DbrollbackError('PRIVILEGE_MISSING', `role ${attributes.role} may not create databases (no CREATEDB): restoring tables from a logical backup loads it into a scratch database on ${conn.host}:${conn.port} first. Nothing was changed.`, {
    hint: `As a superuser: ${alterRole(attributes.role, 'CREATEDB')} (the scratch database is dropped at the end); or have a superuser create an empty database owned by ${attributes.role}, restore the whole backup into it with --target-database URL (no CREATEDB needed), and copy the rows you need from there.`,
  });
}

export async function restorePartial(storage: Storage, options: RestorePartialOptions): Promise<RestorePartialReport> {
  const started = performance.now();
  const log = options.onStep ?? (() => undefined);
  const m = options.manifest;
  const tables = partialTables(m, options.tables);
  const { stamp, schema, aside } = recoverySchemas();
  const scratchName = `dbrollback_partial_${stamp}`;
  if (options.replace) await confirmReplace(tables, options.into, { state: `in backup ${m.id}`, sideBySide: 'restore', run: 'restore', aside, yes: options.yes, confirm: options.confirm });
  const report: RestorePartialReport = { ok: false, outcome: 'failed', backupId: m.id, covers: backupCovers(m), schema, replaced: false, aside: null, keptAside: [], safetyBackupId: null, tables: [], droppedKeys: [], recreatedKeys: [], durationMs: 0, steps: [], auditKey: null, error: null };
  const audit = new AuditRun('restore', describeConn(options.into), options.commandLine);
  const mode = m.partial ? 'partial-backup' : 'backup-tables';
  const facts = () => ({ mode, backupId: m.id, database: options.into.database, schema, aside, replaced: report.replaced, scratchDatabase: scratchName });
  const checklist = new Checklist(RESTORE_PARTIAL_STEPS, log, { signal: options.signal, facts });
  let journal: Journal | undefined;
  let error: DbrollbackError | null = null;
  let into: Db | undefined;
  let scratch: Db | undefined;
  let scratchMade = false;
  let file: string | undefined;
  const scratchConn = withDatabase(options.into, scratchName);
  let deferred: DeferredKeys = { sql: '', names: [] };
  try {
    into = await connect(options.into);
    // The rows are loaded into a scratch database made on this server: a role without CREATEDB is told so before anything is written.
    await requireScratchDatabase(into, options.into);
    // From here on the run is journaled in the storage as it goes.
    journal = openJournal(storage, audit, 'restore', describeConn(options.into), options.commandLine ?? [], RESTORE_PARTIAL_STEPS);
    checklist.attach(journal);
    await journal.flush();
    await checklist.run('load', async () => {
      const major = (await serverVersion(into!)).major;
      const pgRestore = await findBinary('pg_restore', { minMajor: major });
      // The dump is checked against the manifest's sha256 on the way down, before any database is touched.
      file = await downloadDump(storage, m, m.objects.find((k) => k.endsWith('.pgcustom')) ?? dumpKey(m.id), { ...(options.tempDir ? { tempDir: options.tempDir } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
      await createDatabase(into!, scratchName, m.locale ? { locale: m.locale } : {});
      scratchMade = true;
      deferred = await loadPartialDump(pgRestore, file, scratchConn, tables, {
        onlyRowsOf: !m.partial,
        // An extension a superuser installed (amcheck) cannot be made by this role in its scratch database: left out.
        leaveOutExtensions: (names) => extensionsNotCreatable(into!, names),
        onLeftOut: (names) => log(`load: left out of the scratch database: extension ${names.join(', ')} (this role may not create ${names.length > 1 ? 'them' : 'it'}; tables needing ${names.length > 1 ? 'them' : 'it'} would fail to load)`),
      });
      scratch = await connect(scratchConn);
      await addDeferredKeys(scratch, deferred, tables);
    }, () => `backup ${m.id} loaded into scratch database ${scratchName}`);
    scratch ??= await connect(scratchConn);
    await checklist.run('check-tables', async () => {
      const now = await fingerprint(scratch!, tables);
      const bad = now.filter((f) => {
        const want = m.tables.find((t) => t.schema === f.schema && t.table === f.table);
        return !want || want.hash !== f.hash || want.rows !== f.rows;
      });
      if (bad.length > 0) throw new DbrollbackError('VERIFY_FAILED', `backup ${m.id}: ${bad.map(name).join(', ')} restored differ from the manifest's fingerprints`, { hint: 'Do not use this backup. Nothing was written to the target database.' });
    }, () => `${tables.map(name).join(', ')}: rows and fingerprints as in the manifest`);
    if (options.replace) {
      // The live tables are what --replace puts aside: a verified backup of them first.
      const taken = await checklist.run('backup', () => backup({ conn: options.into, storage, headLookup: async () => ({ configured: false, reason: 'table restore' }) }, { label: `before replacing ${tables.map(name).join(', ')}`, partial: { tables, reason: `restore --replace of backup ${m.id} puts these tables aside` }, onStep: log, onProgress: options.onProgress }), (b) => `partial backup ${b.manifest.id}, sha256 verified: ${b.manifest.verified}`);
      report.safetyBackupId = taken.manifest.id;
    } else checklist.skip('backup', 'side by side: the live tables are not touched');
    const staged = await checklist.run('copy', async () => {
      const s = await copyTables(scratch!, scratchConn, options.into, tables, schema, Boolean(options.replace), into);
      // The keys to live tables were NOT VALID in the scratch database (its other tables are empty): checked now, against the live rows.
      if (options.replace) await validateCopiedKeys(into!, schema, deferred);
      return s;
    }, (s) => copyDetail(tables, schema, s));
    report.droppedKeys = staged.droppedKeys;
    if (options.replace) {
      await faultPoint('restore:before-table-swap', options.signal);
      await checklist.run('swap', async () => {
        report.recreatedKeys = await swapTables(into!, tables, schema, aside, options.lockTimeoutMs, { recreateInboundKeys: true });
        report.replaced = true;
        report.aside = aside;
      }, () => `in one transaction; the live tables are kept in schema ${aside}${report.recreatedKeys.length ? `; foreign keys made again: ${report.recreatedKeys.join(', ')}` : ''}`);
    } else checklist.skip('swap', `side by side in schema ${schema}`);
    report.tables = await compareCopies(into, tables, schema, Boolean(options.replace), staged.fingerprints);
    await checklist.run('verify', async () => assertCopiesMatch(report.tables, `restored tables differ from backup ${m.id}:`), () => copiesDetail(report.tables));
    // What the application wrote since the backup is in the tables put aside: counted, so nothing is out of service unseen.
    if (report.replaced) report.keptAside = await keptAside(into!, tables, aside);
  } catch (err) {
    error = asRunError(err);
  } finally {
    await scratch?.end().catch(() => undefined);
    await removeDump(file);
    if (scratchMade) await checklist.cleanup('cleanup', () => dropDatabase(into!, scratchName), () => `scratch database ${scratchName} dropped`).catch(() => undefined);
    else checklist.skip('cleanup', 'no scratch database was made');
    await into?.end().catch(() => undefined);
  }
  report.steps = checklist.finish();
  report.error = error;
  report.ok = error === null;
  report.outcome = outcomeOf(error);
  report.durationMs = Math.round(performance.now() - started);
  report.auditKey = await recordRun(audit, storage, report.steps, error, { backupId: m.id, extra: { mode, schema, replaced: report.replaced, aside: report.aside, keptAside: report.keptAside, safetyBackupId: report.safetyBackupId, tables: report.tables, droppedKeys: report.droppedKeys, recreatedKeys: report.recreatedKeys } }, log, journal);
  return report;
}

/**
 * The `restore` drill: the latest logical backup of the configured database
 * (or a chosen one) from the storage restored into an empty database of the throwaway server, proven
 * against its manifest (row counts and fingerprints of every table), with
 * the time it took — the measured recovery time objective — and the sizes.
 * The storage is only read.
 */
import { loadManifest } from '../../backup/catalog.js';
import { restore } from '../../backup/restore/restore.js';
import { connToUrl, withDatabase } from '../../db/conninfo.js';
import type { Storage } from '../../storage/contract.js';
import { isDbrollbackError } from '../../errors.js';
import { databaseSize, freshDatabase } from '../scratch-database.js';
import { DrillFinding, type DrillStatus, type DrillSteps } from '../steps.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';

export interface RestoreDrillOptions {
  storage: Storage;
  /** A backup id, or 'latest' (default): the newest of `of`. */
  backup?: string;
  /**
   * The configured database's name (--database-url; never connected to): 'latest' is its newest backup,
   * never another database's that shares the storage. A named backup of another database is rehearsed, and said to be.
   */
  of: string;
  /** The database created for the drill on the throwaway server. */
  database?: string;
  /** Why there is nothing to rehearse (the storage holds no logical backup at all): `all` skips it, saying so. */
  unavailable?: string;
}

export const RESTORE_NO_LOGICAL_BACKUP =
  'the storage holds no logical backup, so there is no logical restore to rehearse (take one with `dbrollback backup`; a WAL archive with a base backup is rehearsed by the pitr drill)';

/** The same when the storage holds only partial backups (the rows an undo saved), which bring back a few tables, not the database. */
export const RESTORE_ONLY_PARTIAL_BACKUPS =
  'the storage holds only partial logical backups (the rows undo saved before its downs), not one of the whole database, so there is no logical restore to rehearse (take one with `dbrollback backup`; a WAL archive with a base backup is rehearsed by the pitr drill)';

/** What a damaged or unusable backup looks like: the drill found it, it did not fail to run. */
const FINDINGS = new Set(['CHECKSUM_MISMATCH', 'RESTORE_FAILED', 'VERIFY_FAILED', 'BACKUP_INCOMPLETE', 'STORAGE_OBJECT_NOT_FOUND']);

/** The drill's steps, from the restore runbook's (its swap never happens: the target is a new database). */
const STEPS = [
  ['backup', 'find the backup'],
  ['restore', 'restore'],
  ['verify', 'verify against the manifest'],
] as const;

export function restoreScenario(options: RestoreDrillOptions): Scenario {
  return {
    name: 'restore',
    ...(options.unavailable !== undefined ? { unavailable: options.unavailable } : {}),
    run: (context, steps) => runRestoreDrill(options, context, steps),
  };
}

async function runRestoreDrill(options: RestoreDrillOptions, context: ScenarioContext, steps: DrillSteps): Promise<ScenarioOutcome> {
  const database = options.database ?? 'dbrollback_drill_restore';
  steps.plan(STEPS.map(([, name]) => name));
  // Chosen before a server starts: no backup of this database is bad input, not something to rehearse.
  const chosen = await loadManifest(options.storage, options.backup ?? 'latest', { kind: 'logical', database: options.of }).catch((err: unknown) => {
    // A damaged backup is what the drill is there to find.
    if (!isDbrollbackError(err) || !FINDINGS.has(err.code)) throw err;
    steps.record(STEPS[0][1], 'fail', performance.now(), err.message);
    throw new DrillFinding(err.message);
  });
  const server = await context.server();
  const target = withDatabase(server.conn, database);
  // Left for the restore to create, so the dump streams straight in.
  await freshDatabase(server.conn, database, { create: false });

  const report = await restore(
    { conn: target, storage: options.storage, cwd: process.cwd() },
    {
      backup: chosen.id,
      database: options.of,
      targetDatabase: connToUrl(target),
      // A throwaway server has none of production's roles.
      noOwner: true,
      noAudit: true,
      onStep: context.log,
    },
  );
  // The runbook's steps, as the drill's: 'target' (choosing a new database) is part of restoring.
  const byName = new Map(report.steps.map((s) => [s.name, s]));
  const finding = report.error !== null && FINDINGS.has(report.error.code);
  for (const [from, name] of STEPS) {
    const step = byName.get(from);
    if (!step || step.status === 'not-run') continue;
    const extra = from === 'restore' ? (byName.get('target')?.durationMs ?? 0) : 0;
    const status: DrillStatus = step.status === 'success' ? 'pass' : step.status === 'skipped' ? 'skip' : finding ? 'fail' : 'error';
    const detail = step.status === 'failed' && report.error ? report.error.message : step.detail;
    steps.record(name, status, performance.now() - step.durationMs - extra, detail);
  }
  if (report.error) {
    if (!steps.steps.some((s) => s.status === 'fail' || s.status === 'error')) {
      steps.record('restore', finding ? 'fail' : 'error', performance.now(), report.error.message);
    }
    throw finding ? new DrillFinding(report.error.message) : report.error;
  }
  const rtoMs = (['backup', 'target', 'restore', 'verify'] as const).reduce((n, s) => n + (byName.get(s)?.durationMs ?? 0), 0);
  const verifyMs = byName.get('verify')?.durationMs ?? 0;
  const restoredBytes = await databaseSize(target);
  const manifest = chosen.sizeBytes;
  return {
    detail: `backup ${report.backupId} of database "${chosen.database}"${chosen.database === options.of ? '' : ` (not the configured "${options.of}": named with --backup)`}: restored and verified in ${(rtoMs / 1000).toFixed(1)} s (RTO), dump ${formatBytes(manifest)}, database ${formatBytes(restoredBytes)}, ${report.tables} tables`,
    facts: { backupId: report.backupId, backupDatabase: chosen.database, rtoMs, restoreMs: rtoMs - verifyMs, verifyMs, dumpBytes: manifest, databaseBytes: restoredBytes, tables: report.tables },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

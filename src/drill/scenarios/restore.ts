/**
 * The `restore` drill: the latest (or a chosen) logical backup from the
 * storage restored into an empty database of the throwaway server, proven
 * against its manifest (row counts and fingerprints of every table), with
 * the time it took — the measured recovery time objective — and the sizes.
 * The storage is only read.
 */
import { loadManifest } from '../../backup/catalog.js';
import type { BackupManifest } from '../../backup/manifest.js';
import { restoreInto } from '../../backup/restore.js';
import { withDatabase } from '../../db/conninfo.js';
import { isDbrollbackError } from '../../errors.js';
import type { Storage } from '../../storage/contract.js';
import { databaseSize, freshDatabase } from '../scratch-database.js';
import { DrillFinding, type DrillSteps } from '../steps.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';

export interface RestoreDrillOptions {
  storage: Storage;
  /** A backup id, or 'latest' (default). */
  backup?: string;
  /** The database created for the drill on the throwaway server. */
  database?: string;
}

/** What a damaged or unusable backup looks like: the drill found it, it did not fail to run. */
const FINDINGS = new Set(['CHECKSUM_MISMATCH', 'RESTORE_FAILED', 'VERIFY_FAILED', 'BACKUP_INCOMPLETE', 'STORAGE_OBJECT_NOT_FOUND']);

export function restoreScenario(options: RestoreDrillOptions): Scenario {
  return {
    name: 'restore',
    run: (context, steps) => runRestoreDrill(options, context, steps),
  };
}

async function runRestoreDrill(options: RestoreDrillOptions, context: ScenarioContext, steps: DrillSteps): Promise<ScenarioOutcome> {
  const database = options.database ?? 'dbrollback_drill_restore';
  steps.plan(['find the backup', 'restore', 'verify against the manifest']);
  const manifest: BackupManifest = await steps.run(
    'find the backup',
    () => loadManifest(options.storage, options.backup ?? 'latest', { kind: 'logical' }).catch((err: unknown) => {
      throw isDbrollbackError(err) && err.code === 'BACKUP_INCOMPLETE' ? new DrillFinding(err.message) : err;
    }),
    (m) => `${m.id} (${m.createdAt}, ${m.sizeBytes} bytes, head ${m.migrationHead ?? 'none'}, PostgreSQL ${m.serverVersion})`,
  );
  const server = await context.server();
  const target = withDatabase(server.conn, database);
  // Left for the restore to create, so the dump streams straight in (an existing database is restored through a temp file).
  await freshDatabase(server.conn, database, { create: false });

  // The restore reports when it starts comparing: the split between restoring and proving it.
  let started = performance.now();
  let verifyStarted: number | null = null;
  let result;
  try {
    result = await restoreInto(options.storage, target, {
      backup: manifest.id,
      // A throwaway server has none of production's roles.
      noOwner: true,
      onStep: (line) => {
        if (line.startsWith('restore: comparing')) verifyStarted = performance.now();
        context.log(line);
      },
    });
  } catch (err) {
    const finding = isDbrollbackError(err) && FINDINGS.has(err.code);
    if (isDbrollbackError(err) && err.code === 'VERIFY_FAILED' && verifyStarted !== null) {
      steps.record('restore', 'pass', started, `restored ${manifest.id} in ${Math.round(verifyStarted - started)} ms`);
      steps.record('verify against the manifest', 'fail', verifyStarted, err.message);
    } else {
      steps.record('restore', finding ? 'fail' : 'error', started, err instanceof Error ? err.message : String(err));
    }
    throw finding ? new DrillFinding(err instanceof Error ? err.message : String(err)) : err;
  }
  const restoredAt = verifyStarted ?? performance.now();
  const restoreMs = Math.round(restoredAt - started);
  steps.record('restore', 'pass', started, `backup ${manifest.id} restored in ${restoreMs} ms (${result.jobs} job${result.jobs > 1 ? 's' : ''})`);
  started = restoredAt;
  const verifyMs = Math.round(performance.now() - restoredAt);
  steps.record('verify against the manifest', result.verify.ok ? 'pass' : 'fail', started, `${result.verify.tables} tables match the manifest (row counts and fingerprints)`);
  const restoredBytes = await databaseSize(target);
  return {
    detail: `backup ${manifest.id}: restored and verified in ${((restoreMs + verifyMs) / 1000).toFixed(1)} s (RTO), dump ${formatBytes(manifest.sizeBytes)}, database ${formatBytes(restoredBytes)}, ${result.verify.tables} tables`,
    facts: { backupId: manifest.id, rtoMs: restoreMs + verifyMs, restoreMs, verifyMs, dumpBytes: manifest.sizeBytes, databaseBytes: restoredBytes, tables: result.verify.tables },
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

/**
 * The `pitr` drill: the newest base backup plus archived WAL recovered to a
 * point in time (default: the newest archived moment) into a throwaway
 * instance, then proven usable — out of recovery, every table readable to its
 * last row — with the time it took.
 *
 * The recovery itself is point-in-time restore's (pitr-recover.ts runs
 * `restore --point-in-time` into a throwaway data directory); this scenario
 * takes it as a function, so the drill does exactly what a restore does.
 */
import { connect } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import { fingerprint } from '../../fingerprint/fingerprint.js';
import type { Storage } from '../../storage/contract.js';
import type { ProviderName } from '../providers/contract.js';
import type { DrillSteps } from '../steps.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';

/** A throwaway instance recovered to a point in time; the drill verifies it and then stops it. */
export interface PitrRecovery {
  baseBackupId: string;
  /** The moment recovery reached (ISO 8601), as the server reports it. */
  recoveredTo: string | null;
  /** WAL segments the recovery read from the archive. */
  walSegments: number;
  /**
   * How the server got its WAL: segments it restored, and how many of them it took from the spool the run staged
   * ahead of replay (the rest through a fetch of its own); why staging stopped early, if it did. Null: no staging.
   */
  walStaging: { restored: number; fromSpool: number; problem: string | null } | null;
  conn: ConnInfo;
  /** Where it recovered: a container of the drill's image, or this machine's PostgreSQL programs. */
  where: string;
  stop(): Promise<void>;
}

export interface PitrRecoverOptions {
  storage: Storage;
  /** ISO 8601; undefined = the newest archived moment. */
  pointInTime: string | undefined;
  onStep: (line: string) => void;
  signal?: AbortSignal | undefined;
  /** Where to recover: in a container of the drill's image, or with this machine's PostgreSQL programs. */
  provider: ProviderName;
  image: string | null;
  /** `provider` was chosen by --provider auto: where the container cannot be used, this machine's programs may be. */
  providerAuto?: boolean;
  /** The port the recovered copy listens on (--port's next, else a free one). */
  port?: () => Promise<number>;
}

/** Point-in-time restore into a throwaway instance (provided by #8's restore). */
export type PitrRecover = (options: PitrRecoverOptions) => Promise<PitrRecovery>;

export interface PitrDrillOptions {
  storage: Storage;
  pointInTime?: string;
  /** How to recover (undefined: nothing to rehearse, `unavailable` says why). */
  recover?: PitrRecover;
  /** Why there is nothing to rehearse (no base backup in the storage, no storage). */
  unavailable?: string;
}

export const PITR_NO_BASE_BACKUP = 'the storage holds no complete base backup, so there is no point-in-time recovery to rehearse (take one with `dbrollback base-backup`, with archive_command set to what `dbrollback archive-command` prints)';

export function pitrScenario(options: PitrDrillOptions): Scenario {
  return {
    name: 'pitr',
    ...(options.recover && !options.unavailable ? {} : { unavailable: options.unavailable ?? PITR_NO_BASE_BACKUP }),
    run: (context, steps) => runPitrDrill(options, context, steps),
  };
}

async function runPitrDrill(options: PitrDrillOptions, context: ScenarioContext, steps: DrillSteps): Promise<ScenarioOutcome> {
  const target = options.pointInTime ?? 'the newest archived moment';
  steps.plan([`recover to ${target}`, 'verify the recovered instance']);
  const recover = options.recover;
  if (!recover) {
    throw new DbrollbackError('BACKUP_NOT_FOUND', options.unavailable ?? PITR_NO_BASE_BACKUP, { hint: 'Take a base backup with `dbrollback base-backup` (archiving through the archive_command `dbrollback archive-command` prints), or drill the other scenarios: dbrollback drill migrations, dbrollback drill restore.' });
  }
  const started = performance.now();
  const recovery = await steps.run(
    `recover to ${target}`,
    () => recover({ storage: options.storage, pointInTime: options.pointInTime, onStep: context.log, signal: context.signal, provider: context.provider, providerAuto: context.providerAuto, image: context.image, port: context.port }),
    (r) => `base backup ${r.baseBackupId} + WAL recovered to ${r.recoveredTo ?? 'the end of the archive'}`,
  );
  const recoverMs = Math.round(performance.now() - started);
  try {
    const tables = await steps.run('verify the recovered instance', async () => {
      const db = await connect(recovery.conn);
      try {
        const { rows } = await db.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering');
        if (rows[0]!.recovering) throw new DbrollbackError('RESTORE_FAILED', 'the recovered instance is still in recovery (it did not reach its target)');
        // Hashing every row reads every row: a page recovery left broken fails here.
        return await fingerprint(db);
      } finally {
        await db.end().catch(() => undefined);
      }
    }, (t) => `out of recovery; ${t.length} tables read to the last row`);
    return {
      detail: `base backup ${recovery.baseBackupId} recovered to ${recovery.recoveredTo ?? 'the end of the archive'} in ${(recoverMs / 1000).toFixed(1)} s (RTO) in ${recovery.where}, ${tables.length} tables readable${stagingNote(recovery.walStaging)}`,
      facts: {
        baseBackupId: recovery.baseBackupId,
        recoveredTo: recovery.recoveredTo,
        rtoMs: recoverMs,
        walSegments: recovery.walSegments,
        walRestored: recovery.walStaging?.restored ?? null,
        walFromSpool: recovery.walStaging?.fromSpool ?? null,
        walStagingProblem: recovery.walStaging?.problem ?? null,
        tables: tables.length,
        recoveredIn: recovery.where,
      },
    };
  } finally {
    await recovery.stop();
  }
}

function stagingNote(staging: PitrRecovery['walStaging']): string {
  if (!staging) return '';
  return `; ${staging.fromSpool} of ${staging.restored} WAL segments restored from the staging spool${staging.problem ? ` (staging stopped: ${staging.problem})` : ''}`;
}

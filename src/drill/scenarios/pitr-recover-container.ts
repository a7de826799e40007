/**
 * The pitr drill's recovery inside a container (`--provider testcontainers`):
 * the same base backup and WAL `restore --point-in-time` would use, recovered
 * by the image's PostgreSQL rather than this machine's programs.
 *
 *   choose the base backup and check the WAL chain (read only, as restore does)
 *   → extract the base backup into a throwaway directory on this machine
 *   → fetch the timeline history files beside it, and start staging WAL ahead
 *     of replay as restore does (wal-stager.ts: parallel workers fetch,
 *     decompress and check each segment against its sha256 into a spool, a
 *     bounded window ahead of the server)
 *   → recovery settings: restore_command copies a staged segment into place
 *     (waiting for one the stager has planned but not staged yet), promote at
 *     the target, archiving off, listen on the container's network
 *   → start the image on the data directory, wait for the promotion; the
 *     server's log moves the staging window on
 *
 * The image's entrypoint takes an existing data directory in PGDATA and runs
 * the server on it (the official image and scripts/build-postgres-image.sh's
 * alike). The drill then verifies the copy through the mapped port, and
 * `stop()` removes the container and the directory.
 */
import { appendFile, chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import { checkWal } from '../../backup/pitr/check-wal.js';
import { chooseBase } from '../../backup/pitr/choose-base.js';
import { ensureConfigFiles } from '../../backup/pitr/config-files.js';
import { extractBase } from '../../backup/pitr/extract.js';
import { baseCandidates, baseTar, recoveryTimeline } from '../../backup/pitr/base-candidates.js';
import { confString, recoverySettings, stagedCopyCommand, writeRecoveryConfig } from '../../backup/pitr/recovery-config.js';
import { parseRecoveryTarget } from '../../backup/pitr/target.js';
import { WalStager, type StagingReport } from '../../backup/pitr/wal-stager.js';
import { fetchInto } from '../../backup/wal/fetch-into.js';
import { walNameOfKey, WAL_PREFIX } from '../../backup/wal/layout.js';
import type { ObjectInfo, Storage } from '../../storage/contract.js';
import { startTracked } from '../providers/testcontainers.js';
import type { PitrRecover } from './pitr.js';

const DATA = '/var/lib/dbrollback-recover/data';
const WAL = '/var/lib/dbrollback-recover/wal';
/** Recovery of a drill's archive: minutes at most; the container is stopped after this. */
const RECOVERY_TIMEOUT_MS = 15 * 60_000;

/** `login`: the role the copy is entered with — the production one, recovered with the data. `image`: the drill's image. */
export function containerPitrRecover(login: Pick<ConnInfo, 'user' | 'password' | 'database'>, image: string): PitrRecover {
  return async ({ storage, pointInTime, onStep, signal }) => {
    // The copy is entered from outside its container with production's role and password (md5 below): a production
    // on trust or peer gives none, and the login would fail only after the whole recovery, in the driver's words.
    if (!login.password) {
      throw new DbrollbackError('USAGE', `the recovered copy is entered from outside its container with ${login.user}'s password, recovered with the data, and the database URL (--database-url, DATABASE_URL, PGPASSWORD or ~/.pgpass) gives no password for ${login.user}`, {
        hint: `Give ${login.user}'s password the way production expects it, or drill pitr with --provider local (the copy is then entered on this machine, as production's pg_hba.conf allows).`,
      });
    }
    const target = parseRecoveryTarget(pointInTime !== undefined ? { pointInTime } : { endOfArchive: true });
    const wal = await storage.list(WAL_PREFIX);
    const { timeline, path: timelines } = await recoveryTimeline(storage, wal);
    const base = chooseBase(await baseCandidates(storage), target, timelines);
    const coverage = await checkWal(storage, base, target, timeline, wal);
    const { manifest, tarKey } = await baseTar(storage, base.id, 'Take a new base backup with `dbrollback base-backup`.');

    // A server recovers only its own major's data directory: say so before anything is downloaded.
    const backupMajor = Number(/^(\d+)/.exec(manifest.serverVersion)?.[1] ?? 0);
    const imageMajor = Number(/:(\d+)(?:[.-][^/]*)?$/.exec(image)?.[1] ?? 0);
    if (backupMajor && imageMajor && backupMajor !== imageMajor) {
      throw new DbrollbackError('USAGE', `base backup ${base.id} is of PostgreSQL ${backupMajor}; a ${image} container cannot recover it`, {
        hint: `Pass --image postgres:${backupMajor} (or set drillImage in the config), or --provider local.`,
      });
    }
    const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drill-pitr-'));
    let stager: WalStager | undefined;
    let staging: StagingReport | null = null;
    // Staging outlives no step: it ends with the promotion, a failure, or the drill's stop, and its spool goes with it.
    const stopStaging = async () => {
      const running = stager;
      stager = undefined;
      if (running) staging = await running.stop();
    };
    const remove = async () => {
      await stopStaging().catch(() => undefined);
      await rm(work, { recursive: true, force: true }).catch(() => undefined);
    };
    try {
      const dataDir = path.join(work, 'data');
      const walDir = path.join(work, 'wal');
      onStep(`extracting base backup ${base.id}`);
      await extractBase(storage, tarKey, dataDir, { osUser: undefined, sha256: manifest.sha256, sizeBytes: manifest.sizeBytes, signal });
      const histories = await fetchHistories(storage, wal, path.join(walDir, 'history'));
      // The image's postgres user only reads the spool: restore_command copies out, the server's log says what it took.
      stager = await WalStager.start({ storage, dataDir, listing: wal, timelines, fromSegment: base.base.startWal, segmentSize: base.base.walSegmentSize, spoolDir: path.join(walDir, 'spool'), copiedOut: true });
      onStep(`staging WAL from ${base.base.startWal} ahead of replay (${histories} timeline history files fetched)`);
      const settings = recoverySettings({ target, timeline, port: 5432, node: 'node', cli: 'dbrollback', storageArgs: ['--storage', storage.url], serverMajor: backupMajor });
      // The later setting wins: inside the container the WAL comes from the spool, and the host reaches the server through the mapped port.
      settings.push(['restore_command', confString(stagedCopyCommand(`${WAL}/spool`, `${WAL}/history`))], ['listen_addresses', confString('*')]);
      await writeRecoveryConfig(dataDir, settings, undefined);
      await ensureConfigFiles(dataDir, undefined);
      // Production's pg_hba.conf may admit loopback only; the drill connects from outside the container, with production's role and password.
      await appendFile(path.join(dataDir, 'pg_hba.conf'), '\n# Written by dbrollback drill (a throwaway copy)\nhost all all all md5\n');
      // The entrypoint (root) hands PGDATA to the image's postgres user; the WAL directory must be readable by it.
      await chmod(work, 0o755);
      await chmod(walDir, 0o755);

      onStep(`starting ${image} on the recovered data directory`);
      // The server's own words, for when recovery fails (a target the WAL never reaches, a setting the image lacks).
      const serverLog: string[] = [];
      let restored = 0;
      const container = await startTracked(image, (c, { Wait }) =>
        c
          .withLogConsumer((stream) => {
            stream.on('data', (chunk: Buffer | string) => {
              const lines = String(chunk).split('\n').filter((l) => l.trim() !== '');
              for (const line of lines) {
                const segment = /restored log file "([0-9A-F]{24})" from archive/.exec(line)?.[1];
                if (segment === undefined) continue;
                restored += 1;
                // The staging window moves on with the server.
                stager?.consumed(segment);
              }
              serverLog.push(...lines);
              serverLog.splice(0, Math.max(0, serverLog.length - 40));
            });
          })
          .withEnvironment({ PGDATA: DATA })
          .withBindMounts([
            { source: dataDir, target: DATA, mode: 'rw' },
            { source: walDir, target: WAL, mode: 'ro' },
          ])
          .withExposedPorts(5432)
          .withCommand(['postgres'])
          // Promotion at the target is the moment the copy is usable; a target the WAL never reaches stops the server (FATAL), and the wait fails.
          .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/))
          .withStartupTimeout(RECOVERY_TIMEOUT_MS),
        onStep,
      ).catch(async (err: unknown) => {
        await stopStaging().catch(() => undefined);
        const said = serverLog.filter((l) => /FATAL|PANIC|ERROR|LOG: {2}(recovery|redo|consistent)/.test(l)).slice(-6);
        const problem = (staging as StagingReport | null)?.problem;
        throw new DbrollbackError('RECOVERY_FAILED', `recovery in the ${image} container did not reach ${target.display}: ${said.length ? said.join(' | ') : (err as Error).message}${problem ? ` (WAL staging had stopped before: ${problem})` : ''}`, {
          hint: 'The container is removed. Run the same drill with --provider local to compare, or restore --point-in-time into a directory to inspect the server log.',
          cause: err,
        });
      });
      // Promoted: nothing more is restored from the archive.
      await stopStaging();
      const report = staging as StagingReport | null;
      onStep(`${restored} WAL segments restored, ${report?.takenByServer ?? 0} of them staged ahead by ${report?.workers ?? 0} workers`);
      const conn: ConnInfo = { host: container.host, port: container.port(5432), user: login.user, password: login.password, database: login.database, sslmode: undefined, applicationName: 'dbrollback-drill' };
      const stop = async () => {
        // The entrypoint gave the data directory to the image's postgres user: give it back, so it can be removed here.
        if (typeof process.getuid === 'function') await container.exec(['chown', '-R', `${process.getuid()}:${process.getgid!()}`, DATA]).catch(() => undefined);
        await container.stop();
        await remove();
      };
      try {
        const db = await connect(conn);
        let replayed: string | null;
        try {
          const { rows } = await db.query<{ at: Date | null }>('SELECT pg_last_xact_replay_timestamp() AS at');
          replayed = rows[0]?.at ? rows[0].at.toISOString() : null;
        } finally {
          await db.end().catch(() => undefined);
        }
        return { baseBackupId: base.id, recoveredTo: replayed ? `last transaction replayed: ${replayed}` : null, walSegments: coverage.segments, walStaging: { restored, fromSpool: report?.takenByServer ?? 0, problem: report?.problem ?? null }, conn, where: `a ${image} container`, stop };
      } catch (err) {
        await stop();
        throw err;
      }
    } catch (err) {
      await remove();
      throw err;
    }
  };
}

/** Every timeline history file in the archive, fetched and checked into `dir` (restore_command copies them; a promotion reads them). */
async function fetchHistories(storage: Storage, listing: readonly ObjectInfo[], dir: string): Promise<number> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  let count = 0;
  for (const object of listing) {
    const file = walNameOfKey(object.key);
    if (file?.kind !== 'history') continue;
    // Read by the image's postgres user, whose uid is not ours.
    await fetchInto(storage, file, path.join(dir, file.name), { mode: 0o644 });
    count++;
  }
  return count;
}

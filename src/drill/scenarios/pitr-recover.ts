/**
 * The pitr drill's recovery: exactly `restore --point-in-time` (the newest base
 * backup that fits, its WAL fetched through wal-fetch, archiving off in the
 * copy) into a throwaway data directory on a free loopback port, left running
 * for the drill to verify and then stopped and removed. Without a point in
 * time it recovers to the end of the archive — the newest archived moment.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pitrRestore } from '../../backup/pitr/pitr-restore.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { freePort, removeOnExit, serverOsUser, stopServer } from '../../pgtools/local-cluster.js';
import { faultPoint } from '../../audit/fault-point.js';
import type { PitrRecover } from './pitr.js';
import { containerPitrRecover } from './pitr-recover-container.js';

/**
 * The pitr drill's recovery where the drill runs: in a container of the drill's image
 * (testcontainers), or with this machine's PostgreSQL programs (local).
 *
 * The copy in a container is entered from outside it with production's password, recovered with the data:
 * a production on trust or peer gives none. Named with --provider testcontainers, that is refused (the
 * container's own message); chosen by --provider auto, the copy is recovered with this machine's programs
 * instead, entered as production's pg_hba.conf allows, and the step says so (the report's recoveredIn too).
 */
export function pitrRecoverFor(login: Pick<ConnInfo, 'user' | 'password' | 'database'>): PitrRecover {
  const local = localPitrRecover(login);
  return (options) => {
    if (options.provider !== 'testcontainers' || !options.image) return local(options);
    if (!login.password && options.providerAuto === true) {
      options.onStep(`the database URL gives no password for ${login.user}, with which a copy in a container would be entered: recovering it with this machine's PostgreSQL programs instead (--provider auto)`);
      return local(options);
    }
    return containerPitrRecover(login, options.image)(options);
  };
}

/** `login`: the role the copy is entered with — the production one, recovered with the data. */
export function localPitrRecover(login: Pick<ConnInfo, 'user' | 'password' | 'database'>): PitrRecover {
  return async ({ storage, pointInTime, onStep, signal, port: nextPort }) => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drill-pitr-'));
    // The server runs as the postgres OS user when we are root: it must reach its directory.
    await chmod(work, 0o755);
    const dataDir = path.join(work, 'data');
    // Stopped and removed on the way out even if the process exits first (a second Ctrl-C).
    const forget = await removeOnExit(work, dataDir, serverOsUser());
    const remove = async () => {
      await rm(work, { recursive: true, force: true }).catch(() => undefined);
      forget();
    };
    try {
      const port = await (nextPort ?? freePort)();
      const report = await pitrRestore(storage, { ...(pointInTime !== undefined ? { pointInTime } : { endOfArchive: true }), dataDir, port, keptFor: 'the drill verifies it, then removes it', login, onStep, noAudit: true, ...(signal ? { signal } : {}) });
      if (!report.ok || !report.running) {
        if (report.running) await stopServer(dataDir, { osUser: serverOsUser() }).catch(() => undefined);
        throw report.error ?? new Error('the recovered copy is not running');
      }
      return {
        baseBackupId: report.baseBackupId ?? '?',
        recoveredTo: report.recovery?.stoppedAt ?? (report.recovery?.replayLsn ? `LSN ${report.recovery.replayLsn}` : null),
        walSegments: report.wal?.segments ?? 0,
        walStaging: report.staging ? { restored: report.recovery?.segmentsFetched ?? 0, fromSpool: report.staging.takenByServer, problem: report.staging.problem } : null,
        where: 'a local cluster',
        conn: { host: '127.0.0.1', port, user: login.user, password: login.password, database: login.database, sslmode: undefined, applicationName: 'dbrollback-drill' },
        async stop() {
          // Tests stop the process here, with the copy still running (no signal ends this pause: only a kill).
          await faultPoint('drill:pitr-stop');
          await stopServer(dataDir, { osUser: serverOsUser() }).catch(() => undefined);
          await remove();
        },
      };
    } catch (err) {
      await remove();
      throw err;
    }
  };
}

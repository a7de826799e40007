/**
 * `restore … --emit cloudnative-pg --cluster NAME`: the recovery, as a
 * CloudNativePG `Cluster` manifest, to the target dbrollback resolved. It
 * restores nothing here: it reads the source cluster's Barman object store
 * (barman-cloud-backup-list) to make sure a base backup finished before the
 * target, so the operator has one to start from.
 */
import type { Archiver, ArchiverSettings } from '../../backup/archivers/contract.js';
import { cloudNativePgCluster, cloudNativePgManifest, type CnpgTarget } from '../../backup/archivers/cloudnative-pg.js';
import { parseRecoveryTarget } from '../../backup/pitr/target.js';
import { DbrollbackError } from '../../errors.js';
import type { RestoreRequest } from './restore-request.js';

export interface CloudNativePgEmit {
  /** The manifest as YAML (what is printed). */
  manifest: string;
  /** The same, as an object. */
  cluster: Record<string, unknown>;
  target: CnpgTarget;
  /** The source's base backup the operator will find for this target. */
  backupId: string;
}

export async function emitCloudNativePg(settings: ArchiverSettings, archiver: Archiver, request: RestoreRequest, annotations: Record<string, string> = {}): Promise<CloudNativePgEmit> {
  if (settings.kind !== 'barman-cloud') {
    throw new DbrollbackError('USAGE', `--emit cloudnative-pg recovers from the source cluster's Barman object store, and the archiver is ${settings.kind}`, {
      hint: 'Name the object store: --archiver barman-cloud --barman-destination s3://BUCKET/PATH --barman-server-name SOURCE_CLUSTER [--barman-endpoint URL] (or the config keys archiver, barmanDestination, barmanServerName, barmanEndpoint).',
    });
  }
  // The same checks as a local restore's input: an LSN that is one, a time with its zone and not in the future.
  const parsed = parseRecoveryTarget({ lsn: request.lsn, pointInTime: request.pointInTime, timezone: request.timezone });
  const target: CnpgTarget = parsed.kind === 'lsn' ? { lsn: parsed.setting } : { time: parsed.kind === 'time' ? parsed.time.toISOString() : parsed.setting };
  // choose-base's rule, over the source's own listing: CloudNativePG will pick the same newest backup before the target.
  const backup = await archiver.chooseBackup(parsed, undefined);
  const input = {
    name: request.cluster!,
    source: settings,
    target,
    ...(request.credentialsSecret !== undefined ? { credentialsSecret: request.credentialsSecret } : {}),
    ...(request.volumeSize !== undefined ? { volumeSize: request.volumeSize } : {}),
    annotations: { ...annotations, 'dbrollback/source-backup': backup.id },
  };
  return { manifest: cloudNativePgManifest(input), cluster: cloudNativePgCluster(input), target, backupId: backup.id };
}

/**
 * A CloudNativePG `Cluster` that recovers from the source cluster's Barman
 * object store to a target dbrollback resolved (`restore --before-migration
 * X --emit cloudnative-pg --cluster NAME`): the operator then runs the same
 * barman-cloud-restore and barman-cloud-wal-restore dbrollback drives locally.
 *
 * The target is `targetLSN`, not `targetName`, because CloudNativePG chooses
 * the base backup by itself only for targetTime and targetLSN: with
 * targetName and no `backupID` it starts from the newest backup, which may
 * have been taken after the restore point — recovery would then never reach
 * it. dbrollback's catalog knows the restore point's LSN (what
 * pg_create_restore_point returned: the end of its WAL record), so the
 * target is that LSN, exclusive: recovery stops before the first record
 * after the restore point — the migration's — exactly where recovering to
 * the restore point's name stops. A migration applied without `migrate` has
 * no restore point: its applied-at time is the target (targetTime), as
 * approximate as the tool's own record.
 */
import { createRequire } from 'node:module';
import type { ArchiverSettings } from './contract.js';

export type CnpgTarget = { lsn: string } | { time: string };

export interface CnpgClusterInput {
  /** metadata.name of the new Cluster (--cluster NAME). */
  name: string;
  namespace?: string;
  /** The source cluster's object store (the archiver settings of kind barman-cloud). */
  source: Extract<ArchiverSettings, { kind: 'barman-cloud' }>;
  target: CnpgTarget;
  /** A Secret holding ACCESS_KEY_ID and ACCESS_SECRET_KEY (CloudNativePG's convention); without it, the workload's cloud identity (inheritFromIAMRole). */
  credentialsSecret?: string;
  /** spec.storage.size (default 10Gi). */
  volumeSize?: string;
  instances?: number;
  /** Said in the manifest's annotations: which migration, which restore point. */
  annotations?: Record<string, string>;
}

export function cloudNativePgCluster(input: CnpgClusterInput): Record<string, unknown> {
  // The external cluster is named after the source server: CloudNativePG also uses `source` as the folder name.
  const origin = input.source.serverName;
  const credentials = input.credentialsSecret
    ? { accessKeyId: { name: input.credentialsSecret, key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: input.credentialsSecret, key: 'ACCESS_SECRET_KEY' } }
    : { inheritFromIAMRole: true };
  const recoveryTarget = 'lsn' in input.target ? { targetLSN: input.target.lsn, exclusive: true } : { targetTime: input.target.time };
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: input.name, ...(input.namespace ? { namespace: input.namespace } : {}), ...(input.annotations ? { annotations: input.annotations } : {}) },
    spec: {
      instances: input.instances ?? 1,
      storage: { size: input.volumeSize ?? '10Gi' },
      bootstrap: { recovery: { source: origin, recoveryTarget } },
      externalClusters: [
        {
          name: origin,
          barmanObjectStore: {
            destinationPath: input.source.destination,
            ...(input.source.endpoint ? { endpointURL: input.source.endpoint } : {}),
            serverName: input.source.serverName,
            s3Credentials: credentials,
            wal: { maxParallel: 8 },
          },
        },
      ],
    },
  };
}

/** yaml (260 kB) is loaded when a manifest is printed, not with the CLI: every command would otherwise compile it at start-up. */
const loadYaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

export function cloudNativePgManifest(input: CnpgClusterInput): string {
  const { stringify } = loadYaml();
  return stringify(cloudNativePgCluster(input), { lineWidth: 0 });
}

/**
 * Barman Cloud (Debian's barman-cli-cloud) as the archiver, against s3rver:
 * CloudNativePG's object-store layout. And `--emit cloudnative-pg`: the
 * Cluster manifest validates against CloudNativePG's CRD schema, and the
 * recovery it describes — done here as the operator does it, with
 * barman-cloud-restore and barman-cloud-wal-restore and the manifest's
 * recoveryTarget — lands exactly before the migration.
 */
import { readFile, writeFile, appendFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { parse } from 'yaml';
import { expect, it } from 'vitest';
import { freePort } from '../../harness/cluster.js';
import { PROJECT_ROOT } from '../../harness/cli.js';
import { BAD, contents } from '../before-migration/support.js';
import { chownToServer, osUser, pgCtlPath, query } from '../pitr/support.js';
import { archiverSuite } from './suite.js';
import { barmanCloudPrimary } from './support.js';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown };

/** The API server's strict field validation: an object schema that lists its fields accepts no others. */
function closed(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, closed(v)]));
    if (schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (schema.items) out.items = closed(schema.items);
  return out;
}

async function crdValidator() {
  const schema = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'test/fixtures/cloudnative-pg/cluster-v1-schema.json'), 'utf8')) as Schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Kubernetes' formats that the schema names (int32/int64 are checked by type).
  for (const format of ['int32', 'int64', 'date-time', 'byte']) ajv.addFormat(format, true);
  return ajv.compile(closed(schema));
}

async function asServer(argv: string[], env: Record<string, string> = {}): Promise<void> {
  const [file, ...args] = argv as [string, ...string[]];
  await (osUser ? execa('runuser', ['-u', osUser, '--', file, ...args], { env }) : execa(file, args, { env }));
}

archiverSuite('Barman Cloud', barmanCloudPrimary, (ctx) => {
  it('--emit cloudnative-pg --before-migration prints a Cluster valid under CloudNativePG\'s CRD schema; recovering it as the operator would lands exactly before the migration', async () => {
    const r = await ctx.run(['restore', '--before-migration', BAD, '--emit', 'cloudnative-pg', '--cluster', 'shop-before-004', '--credentials-secret', 'backup-creds', ...ctx.shopArgs()]);
    expect(r.exitCode, r.stderr).toBe(0);
    const manifest = parse(r.stdout) as { apiVersion: string; kind: string; metadata: { annotations: Record<string, string> }; spec: { bootstrap: { recovery: { source: string; recoveryTarget: Record<string, unknown> } }; externalClusters: Array<{ name: string; barmanObjectStore: { destinationPath: string; endpointURL: string; serverName: string } }> } };
    const validate = await crdValidator();
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    // A misspelt field is caught: the validation is not a formality.
    expect(validate({ ...manifest, spec: { ...manifest.spec, bootstrap: { recovery: { ...manifest.spec.bootstrap.recovery, recoveryTarget: { targetLsn: ctx.restorePointLsn() } } } } })).toBe(false);
    expect(manifest).toMatchObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster' });
    // By LSN, exclusive: CloudNativePG picks the base backup itself for an LSN target (not for a name) and stops right after the restore point.
    expect(manifest.spec.bootstrap.recovery.recoveryTarget).toEqual({ targetLSN: ctx.restorePointLsn(), exclusive: true });
    const store = manifest.spec.externalClusters[0]!;
    expect(store.name).toBe(manifest.spec.bootstrap.recovery.source);
    expect(store.barmanObjectStore).toMatchObject({ destinationPath: 's3://barman/clusters', serverName: 'pg-main' });
    const backupId = manifest.metadata.annotations['dbrollback/source-backup']!;

    // What the operator runs: barman-cloud-restore of that backup, barman-cloud-wal-restore as restore_command, the target as recovery settings.
    const archived = ctx.archived();
    const dataDir = path.join(ctx.work(), 'cnpg');
    const { endpointURL, destinationPath, serverName } = store.barmanObjectStore;
    await asServer(['barman-cloud-restore', '--endpoint-url', endpointURL, destinationPath, serverName, backupId, dataDir], archived.env);
    await chmod(dataDir, 0o700);
    await chownToServer(dataDir);
    const port = await freePort();
    const target = manifest.spec.bootstrap.recovery.recoveryTarget;
    await appendFile(path.join(dataDir, 'postgresql.auto.conf'), [
      '',
      `restore_command = 'barman-cloud-wal-restore --endpoint-url ${endpointURL} ${destinationPath} ${serverName} %f %p'`,
      `recovery_target_lsn = '${String(target.targetLSN)}'`,
      `recovery_target_inclusive = ${target.exclusive ? 'off' : 'on'}`,
      "recovery_target_action = 'promote'",
      "archive_mode = 'off'",
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      '',
    ].join('\n'));
    await writeFile(path.join(dataDir, 'recovery.signal'), '');
    await execa('sh', ['-c', `mkdir -p ${dataDir}/pg_wal/archive_status && chown -R ${osUser ?? '$(id -u)'} ${dataDir}`]);
    await asServer([pgCtlPath(), '-D', dataDir, '-l', path.join(ctx.work(), 'cnpg.log'), '-w', '-t', '240', 'start'], archived.env);
    try {
      const shop = ctx.shopArgs().at(-1)!;
      const url = shop.replace(`:${archived.primary.port}/`, `:${port}/`);
      const deadline = Date.now() + 240_000;
      while ((await query<{ r: boolean }>(url, 'SELECT pg_is_in_recovery() AS r'))[0]!.r) {
        if (Date.now() > deadline) throw new Error('the copy did not promote');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(await contents(url)).toEqual(ctx.shopBefore());
    } finally {
      await asServer([pgCtlPath(), '-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    }
  });

  it('--emit cloudnative-pg refuses what it cannot express, before reading anything (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--before-migration', BAD, '--emit', 'cloudnative-pg'], /needs --cluster NAME/],
      [['--before-migration', BAD, '--emit', 'cloudnative-pg', '--cluster', 'Bad_Name'], /is not a Kubernetes name/],
      [['--before-migration', BAD, '--emit', 'cloudnative-pg', '--cluster', 'x', '--data-dir', '/tmp/x'], /--data-dir do not apply/],
      [['--restore-point', 'p', '--emit', 'cloudnative-pg', '--cluster', 'x'], /not --restore-point/],
      [['--before-migration', BAD, '--emit', 'helm', '--cluster', 'x'], /only manifest dbrollback emits is cloudnative-pg/],
    ];
    for (const [flags, message] of cases) {
      const r = await ctx.run(['restore', ...flags, ...ctx.shopArgs()]);
      expect(r.exitCode, `${flags.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });
});

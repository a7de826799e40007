/**
 * Every Job and CronJob of deploy/kubernetes, run as rendered — command,
 * args, environment, volumes, security context — in the built image with
 * Docker (test/harness/pod-in-docker.ts), against a test cluster that
 * archives its WAL through dbrollback into a loopback S3 server. The test's
 * overlay is what a user's is: the image, the storage URL, and the Secret
 * (here from a secretGenerator) with the database URL and the encryption key.
 * The workload identity's S3 credentials and the user image's migrations
 * (bind-mounted at /app/migrations) are the two things the harness supplies.
 * The overlays change only annotations (manifests.test.ts checks that), so
 * the argocd rendering's jobs are the jobs of every overlay.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { IMAGE, imageGate } from '../../harness/image.js';
import { DEPLOY_DIR, describeObject, kustomizeGate, render, RENDERED_OBJECTS, type K8sObject } from '../../harness/kubernetes.js';
import { failJobExitCodes, runPod, type PodRun } from '../../harness/pod-in-docker.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';
import { archivingCluster, s3Archive, switchWal, type ArchiveTarget } from '../../integration/wal/support.js';

const image = await imageGate();
const kustomize = await kustomizeGate();
const SHOP = path.join(PROJECT_ROOT, 'migrations-fixtures', 'sql', 'shop');
const SEED = await readFile(path.join(PROJECT_ROOT, 'migrations-fixtures', 'seed.sql'), 'utf8');
const KEY = randomBytes(32).toString('hex');

let s3: S3Server;
let archive: ArchiveTarget;
let cluster: Cluster;
let databaseUrl: string;
let work: string;
let migrations: string;
let objects: K8sObject[];
const runs: PodRun[] = [];

function job(name: string): K8sObject {
  const o = objects.find((x) => x.metadata.name === name && (x.kind === 'Job' || x.kind === 'CronJob'));
  if (!o) throw new Error(`no Job or CronJob ${name} in the rendering`);
  return o;
}

async function run(name: string): Promise<PodRun> {
  const r = await runPod(job(name), {
    image: IMAGE,
    objects,
    // What EKS's identity webhook would inject: here, the loopback S3 server's credentials.
    identityEnv: s3.env,
    // What the user's image (FROM dbrollback) would hold: the migrations.
    imageFiles: { '/app/migrations': migrations },
    timeoutMs: 600_000,
  });
  runs.push(r);
  return r;
}

const said = (r: PodRun) => `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

async function cliJson<T>(args: string[]): Promise<T> {
  const r = await runBuiltCli([...args, '--json'], { env: { ...archive.env, DBROLLBACK_ENCRYPTION_KEY: KEY } });
  if (r.exitCode !== 0) throw new Error(`dbrollback ${args.join(' ')}: exit ${r.exitCode}\n${r.stdout}\n${r.stderr}`);
  return r.json<T>();
}

// A container start copies the image's root (Docker's vfs driver): minutes on a loaded machine.
describe.skipIf((!image.run && !image.mustRun) || (!kustomize.command && !kustomize.mustRun))('deploy/kubernetes jobs in the built image', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    if (!image.run) throw new Error(`the image tests must run in CI: ${image.why}`);
    if (!kustomize.command) throw new Error('kustomize is needed: run scripts/install-kustomize.sh (or set DBROLLBACK_KUSTOMIZE)');
    s3 = await startS3Server(['backups']);
    archive = s3Archive(s3, 'backups', 'shop');
    archive.env.DBROLLBACK_ENCRYPTION_KEY = KEY;
    cluster = await archivingCluster(archive);
    const db = await cluster.createDatabase('shop');
    databaseUrl = cluster.url(db.database);

    work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-k8s-'));
    migrations = path.join(work, 'migrations');
    await mkdir(migrations, { mode: 0o755 });
    for (const n of ['001_create-tables', '002_add-customer-phone', '003_index-orders-customer']) {
      for (const dir of ['up', 'down']) await copyFile(path.join(SHOP, `${n}.${dir}.sql`), path.join(migrations, `${n}.${dir}.sql`));
    }
    // The user's overlay: the image, the storage (the loopback S3 server), and the Secret.
    const overlay = path.join(work, 'overlay');
    await mkdir(overlay);
    const [name, tag] = IMAGE.split(':');
    await writeFile(
      path.join(overlay, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${path.relative(overlay, path.join(DEPLOY_DIR, 'overlays', 'argocd'))}`,
        'images:',
        '  - name: dbrollback',
        `    newName: ${name}`,
        `    newTag: "${tag}"`,
        'configMapGenerator:',
        '  - name: dbrollback-settings',
        '    behavior: merge',
        '    literals:',
        `      - DBROLLBACK_STORAGE=${s3.storageUrl('backups', 'shop')}`,
        'secretGenerator:',
        '  - name: dbrollback',
        '    options:',
        '      disableNameSuffixHash: true',
        '    literals:',
        `      - database-url=${databaseUrl}`,
        `      - encryption-key=${KEY}`,
        '',
      ].join('\n'),
    );
    objects = await render(kustomize.command, overlay);
  });
  afterAll(async () => {
    for (const r of runs) await r.cleanup();
    await cluster?.stop();
    await s3?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the rendering holds the four jobs, the settings and the Secret, and the jobs run the built image', () => {
    expect(objects.map(describeObject).sort()).toEqual([...RENDERED_OBJECTS, 'Secret/dbrollback'].sort());
  });

  it('migrate (PreSync): applies the pending migrations with a restore point before each, exit 0; run again it applies nothing, exit 0', async () => {
    const first = await run('dbrollback-migrate');
    expect(first.exitCode, said(first)).toBe(0);
    // The password reaches the container through its environment, never the command line.
    expect(first.argv.join(' ')).not.toContain(cluster.password);
    const status = await cliJson<{ head: string; migrations: Array<{ name: string; applied: boolean; restorePoint: { name: string } | null }> }>(['status', '--database-url', databaseUrl, '--migrations', migrations, '--storage', archive.url]);
    expect(status.head).toBe('003_index-orders-customer');
    expect(status.migrations.map((m) => [m.name, m.applied, m.restorePoint?.name ?? null])).toEqual([
      ['001_create-tables', true, 'dbrollback:before:001_create-tables'],
      ['002_add-customer-phone', true, 'dbrollback:before:002_add-customer-phone'],
      ['003_index-orders-customer', true, 'dbrollback:before:003_index-orders-customer'],
    ]);

    const again = await run('dbrollback-migrate');
    expect(again.exitCode, said(again)).toBe(0);
    const after = await cliJson<{ head: string; migrations: Array<{ appliedAt: string | null }> }>(['status', '--database-url', databaseUrl, '--migrations', migrations]);
    expect(after.head).toBe('003_index-orders-customer');
    expect(after.migrations.map((m) => m.appliedAt)).toEqual(status.migrations.map((m) => (m as unknown as { appliedAt: string | null }).appliedAt));
  });

  it('migrate: a pending breaking or destructive migration is refused with exit 4, which the Job fails on at once, and nothing is applied', async () => {
    for (const n of ['004_rename-order-note', '005_drop-customer-legacy-code']) {
      for (const dir of ['up', 'down']) await copyFile(path.join(SHOP, `${n}.${dir}.sql`), path.join(migrations, `${n}.${dir}.sql`));
    }
    try {
      const refused = await run('dbrollback-migrate');
      expect(refused.exitCode, said(refused)).toBe(4);
      expect(failJobExitCodes(job('dbrollback-migrate'))).toContain(4);
      expect(refused.stderr + refused.stdout).toMatch(/rename-column[\s\S]*drop-column|drop-column[\s\S]*rename-column/);
      const status = await cliJson<{ head: string }>(['status', '--database-url', databaseUrl, '--migrations', migrations]);
      expect(status.head).toBe('003_index-orders-customer');
    } finally {
      for (const n of ['004_rename-order-note', '005_drop-customer-legacy-code']) {
        for (const dir of ['up', 'down']) await rm(path.join(migrations, `${n}.${dir}.sql`));
      }
    }
  });

  it('verify (PostSync): exit 0 on a sound database; exit 3 (the Job fails at once: no traffic) when a sequence is behind its column', async () => {
    await cluster.sql('shop', SEED);
    const ok = await run('dbrollback-verify');
    expect(ok.exitCode, said(ok)).toBe(0);

    await cluster.sql('shop', "SELECT setval('customers_id_seq', 1)");
    try {
      const broken = await run('dbrollback-verify');
      expect(broken.exitCode, said(broken)).toBe(3);
      expect(failJobExitCodes(job('dbrollback-verify'))).toContain(3);
      expect(broken.stdout + broken.stderr).toMatch(/customers_id_seq/);
    } finally {
      await cluster.sql('shop', "SELECT setval('customers_id_seq', (SELECT max(id) FROM customers))");
    }
  });

  it('base-backup (CronJob): stores a base backup of the archiving cluster, exit 0', async () => {
    const r = await run('dbrollback-base-backup');
    expect(r.exitCode, said(r)).toBe(0);
    const listing = await cliJson<{ backups: Array<{ kind: string; label?: string }> }>(['backups', '--storage', archive.url]);
    expect(listing.backups.filter((b) => b.kind === 'base')).toHaveLength(1);
    // Something to replay after the base backup, archived before the drill looks.
    await cluster.sql('shop', "INSERT INTO customers (email, name) VALUES ('after-base@example.com', 'After Base')");
    const segment = await switchWal(cluster, 'shop');
    // The server's own word that archive_command stored it (this process has no S3 credentials).
    for (const deadline = Date.now() + 60_000; ; ) {
      const [row] = await cluster.sql<{ last: string | null; failed: string | null }>('postgres', 'SELECT last_archived_wal AS last, last_failed_wal AS failed FROM pg_stat_archiver');
      if (row!.last !== null && row!.last >= segment) break;
      if (Date.now() > deadline) throw new Error(`${segment} was not archived within 60 s (last archived ${row!.last}, last failed ${row!.failed})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  it('drill (CronJob): every migration walked up, down and up, the latest backup restored, the WAL archive replayed — in the pod, as its non-root user — exit 0 with a JUnit report', async () => {
    const r = await run('dbrollback-drill');
    expect(r.exitCode, said(r)).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/local/);
    const junit = await readFile(path.join(r.emptyDirs.reports!, 'drill.xml'), 'utf8');
    expect(junit).toMatch(/<testsuites/);
    // Each scenario ran (none skipped: there is a logical backup from migrate and a base backup) and passed.
    for (const scenario of ['migrations', 'restore', 'pitr']) {
      const suite = new RegExp(`<testsuite name="drill ${scenario}" tests="(\\d+)" failures="0" errors="0" skipped="0"`).exec(junit);
      expect(suite, `${scenario} in\n${junit}`).not.toBeNull();
      expect(Number(suite![1]), scenario).toBeGreaterThan(0);
    }
    expect(junit).not.toMatch(/<failure|<error/);
  });
});

import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../dist/pgtools/local-cluster.js';
const migrations = path.resolve('migrations-fixtures/node-pg-migrate/real-ts');
const c = await startCluster({ settings: { wal_level: 'replica' } });
const storage = await mkdtemp(path.join(os.tmpdir(), 'rt-journey-'));
try {
  await c.createDatabase('app');
  const env = { ...process.env, DATABASE_URL: c.url('app'), DBROLLBACK_STORAGE: storage };
  const run = async (label, argv) => {
    const t0 = performance.now();
    const r = await execa(process.execPath, ['dist/cli/main.js', ...argv, '--migrations', migrations, '--migrator', 'node-pg-migrate'], { env, reject: false });
    console.log(`=== ${label}: exit ${r.exitCode}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(r.stdout.split('\n').slice(0, 400).join('\n'));
    if (r.stderr.trim()) console.log('--- stderr (tail)\n' + r.stderr.split('\n').slice(-6).join('\n'));
  };
  await run('classify', ['classify', migrations]);
  await run('migrate', ['migrate', '--backup', 'always']);
  await run('plan --count 1', ['plan', '--count', '1']);
  await run('plan --to 040 (the defect and 046)', ['plan', '--to', '1707436800000_create-invoice-number-seq']);
  await run('plan --to 045 (046 only)', ['plan', '--to', '1707868800000_comments-body-not-empty']);
  await run('undo --count 1', ['undo', '--count', '1', '--yes']);
  await run('drill all --keep-going', ['drill', 'all', '--keep-going', '--provider', 'local']);
} finally { await c.stop(); }

import { startCluster } from '../dist/pgtools/local-cluster.js';
import { openAdapter } from '../dist/tools/registry.js';
const t0 = performance.now();
const lap = (s) => console.log(s, ((performance.now() - t0) / 1000).toFixed(2));
const c = await startCluster();
lap('cluster');
try {
  const conn = await c.createDatabase('t');
  lap('db');
  const a = await openAdapter({ conn, migrationsDir: 'migrations-fixtures/node-pg-migrate/real-ts', migrator: 'node-pg-migrate', migrationsTable: undefined, migrationsSchema: undefined, configModule: undefined });
  await a.up(62); lap('up62');
  await a.up(1); lap('up1');
  await a.down({ count: 1 }); lap('down1');
  await a.status(); lap('status');
} finally { await c.stop(); lap('stop'); }

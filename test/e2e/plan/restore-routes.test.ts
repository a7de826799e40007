/**
 * A `restore` plan keeps later writes where it can (issue 25, part 5): it
 * names the tables the migrations being undone touched — DDL targets and the
 * tables their data statements wrote — and recommends `restore
 * --before-migration X --tables …` first and the whole database second, each
 * with what it discards, in the text and in --json. A migration touching more
 * tables than the table route is offered for gets the whole-database restore
 * alone, and the plan says why.
 */
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, suggested } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { archivingCluster, baseBackup, sharedDir } from '../../integration/pitr/support.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

interface Route {
  route: 'tables' | 'whole-database';
  command: string;
  alternative: string | null;
  tables: string[];
  discards: string;
  replaceBlockedBy: string[];
}

interface PlanDoc {
  type: string;
  recommendation: string;
  touchedTables: { existing: string[]; created: string[]; reshaped: string[]; droppedColumns: Array<{ table: string; column: string }>; droppedTables: string[] } | null;
  restoreRoutes: Route[];
  tableRouteNote: string | null;
  steps: Array<{ action: string; detail: string; discards?: string }>;
}

const SCHEMA = `CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers (id), status text NOT NULL DEFAULT 'open');
CREATE TABLE order_events (id serial PRIMARY KEY, kind text NOT NULL);
CREATE TABLE carts (id serial PRIMARY KEY, customer_id int);
CREATE TABLE products (id serial PRIMARY KEY, sku text NOT NULL);
`;

describe('plan for a restore-type rollback: the table route first, the whole database second', () => {
  let cluster: Cluster;
  let storage: string;

  beforeAll(async () => {
    // A production with a WAL archive and a base backup in the storage: both routes are point-in-time restores, and
    // the plan offers them only where the storage shows one can reach the moment (plan.pitrUnreachable).
    storage = await sharedDir('dbrollback-routes-storage-');
    cluster = await archivingCluster(pathToFileURL(storage).href);
    const { database } = await cluster.createDatabase();
    await baseBackup(pathToFileURL(storage).href, cluster.url(database));
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  async function migrated(files: Record<string, string>): Promise<string[]> {
    const project = await dirWith(files);
    const { database } = await cluster.createDatabase();
    const args = ['--migrations', project, '--database-url', cluster.url(database), '--storage', storage];
    const run = await runBuiltCli(['migrate', '--backup', 'never', ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    await cluster.sql(database, "INSERT INTO customers (email) VALUES ('a@example.com'); INSERT INTO products (sku) VALUES ('p1')");
    return args;
  }

  /** SCHEMA (or `schema`, dropped by `schemaDown`) migrated, then `name` whose up is `up` and whose down is irreversible: the plan for it (--json). */
  async function restorePlan(name: string, up: string, schema = SCHEMA, schemaDown = 'DROP TABLE products, carts, order_events, orders, customers;\n'): Promise<{ args: string[]; doc: PlanDoc }> {
    const args = await migrated({ '001_schema.up.sql': schema, '001_schema.down.sql': schemaDown, [`${name}.up.sql`]: up, [`${name}.down.sql`]: '-- dbrollback:irreversible\nSELECT 1;\n' });
    const run = await runBuiltCli(['plan', '--count', '1', '--json', ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    return { args, doc: run.json<PlanDoc>() };
  }

  it('a data-only migration (UPDATE, DELETE, INSERT): its three target tables, the --tables command first, each route with what it discards (--json)', async () => {
    const { args, doc } = await restorePlan('002_void-open-orders', "UPDATE orders SET status = 'void' WHERE status = 'open';\nDELETE FROM carts;\nINSERT INTO order_events (kind) VALUES ('voided');\n");
    expect(doc.type).toBe('restore');
    expect(doc.touchedTables).toEqual({ existing: ['public.carts', 'public.order_events', 'public.orders'], created: [], reshaped: [], droppedColumns: [], droppedTables: [] });
    expect(doc.tableRouteNote).toBeNull();
    expect(doc.restoreRoutes.map((r) => r.route)).toEqual(['tables', 'whole-database']);
    const [tables, whole] = doc.restoreRoutes as [Route, Route];
    // The commands carry the flags this run was given, as people's text does.
    expect(tables.command).toBe(`${suggested(args)} restore --before-migration 002_void-open-orders --tables public.carts,public.order_events,public.orders --into-database URL`);
    expect(tables.tables).toEqual(['public.carts', 'public.order_events', 'public.orders']);
    expect(tables.discards).toMatch(/^nothing by itself: .* land in a new schema dbrollback_recovered_<time>.*With --replace it discards every write to public\.carts, public\.order_events, public\.orders since just before 002_void-open-orders .*every write to the other tables is kept either way/);
    expect(tables.replaceBlockedBy).toEqual([]);
    expect(doc.recommendation).toContain('(add --replace to swap them in place)');
    expect(whole.command).toBe(`${suggested(args)} restore --before-migration 002_void-open-orders --data-dir DIR`);
    expect(whole.discards).toMatch(/^every write to every table since just before 002_void-open-orders — the other tables' later writes included/);
    // The steps say the same, in order, each with what it discards.
    const restores = doc.steps.filter((s) => s.action === 'restore');
    expect(restores).toHaveLength(2);
    expect(restores[0]!.detail).toMatch(/^first choice, only the touched tables public\.carts, public\.order_events, public\.orders .*--tables public\.carts,public\.order_events,public\.orders .* — discards nothing by itself/);
    expect(restores[1]!.detail).toMatch(/^second choice, the whole database .* — discards every write to every table/);
    expect(restores.map((s) => s.discards)).toEqual([tables.discards, whole.discards]);
    // The recommendation: the table route first, the whole database second, each with what it discards.
    const first = doc.recommendation.indexOf('--tables public.carts,public.order_events,public.orders');
    const second = doc.recommendation.indexOf('Second, the whole database');
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(doc.recommendation.match(/It discards/g)).toHaveLength(2);
  });

  it('the text output says the same: both routes, in order, with what each discards', async () => {
    const args = await migrated({
      '001_schema.up.sql': SCHEMA,
      '001_schema.down.sql': 'DROP TABLE products, carts, order_events, orders, customers;\n',
      '002_void-open-orders.up.sql': "UPDATE orders SET status = 'void' WHERE status = 'open';\n",
      '002_void-open-orders.down.sql': '-- dbrollback:irreversible\nSELECT 1;\n',
    });
    const run = await runBuiltCli(['plan', '--count', '1', ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    // The suggested commands carry the flags this run was given (given-flags.ts), in the options table's order, the
    // password left out: a copied one acts on the same database and storage.
    const flag = (name: string) => args[args.indexOf(name) + 1]!;
    const given = `--database-url ${flag('--database-url').replace(/:[^:@/]+@/, '@')} --storage ${flag('--storage')} --migrations ${flag('--migrations')}`;
    expect(run.stdout).toContain(`First, only public.orders (the table the migrations touched), keeping every later write to the other tables: dbrollback ${given} restore --before-migration 002_void-open-orders --tables public.orders --into-database URL`);
    expect(run.stdout).toContain(`Second, the whole database: dbrollback ${given} restore --before-migration 002_void-open-orders --data-dir DIR.`);
    // undo refuses and its hint is the plan's: the table route first.
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', ...args]);
    expect(undo.exitCode).toBe(4);
    expect(undo.stderr).toContain('hint: Down migrations cannot bring the data back: restore to the moment before 002_void-open-orders. First, only public.orders');
    expect(undo.stderr).toContain('Nothing was changed.');
    expect(run.stdout).toMatch(/1\. pause-traffic[\s\S]*restore: first choice, only the touched tables public\.orders[\s\S]*— discards nothing by itself[\s\S]*restore: second choice, the whole database[\s\S]*— discards every write to every table/);
  });

  it('a table other tables point at: --replace is not offered (it would be refused), the keys are named, copying back is suggested', async () => {
    const { doc } = await restorePlan('002_reset-emails', "UPDATE customers SET email = lower(email);\n");
    const tables = doc.restoreRoutes.find((r) => r.route === 'tables')!;
    expect(tables.tables).toEqual(['public.customers']);
    expect(tables.replaceBlockedBy).toEqual(['public.orders.orders_customer_id_fkey → public.customers']);
    expect(tables.discards).toContain('--replace would be refused: foreign keys from public.orders point at it');
    expect(tables.discards).toContain('UPDATE … FROM dbrollback_recovered_<time>.customers');
    expect(doc.recommendation).not.toContain('add --replace');
  });

  it('a table in a schema whose quoted name holds a dot and capitals: the foreign keys into it are found, and the --tables command names it as parseTableRefs reads it', async () => {
    const { doc } = await restorePlan('002_rename-accounts', 'UPDATE "Sales.EU"."Accounts" SET name = upper(name);\n', `${SCHEMA}CREATE SCHEMA "Sales.EU";\nCREATE TABLE "Sales.EU"."Accounts" (id serial PRIMARY KEY, name text);\nCREATE TABLE "Sales.EU".invoices (id serial PRIMARY KEY, account_id int REFERENCES "Sales.EU"."Accounts" (id));\n`, 'DROP SCHEMA "Sales.EU" CASCADE;\nDROP TABLE products, carts, order_events, orders, customers;\n');
    const tables = doc.restoreRoutes.find((r) => r.route === 'tables')!;
    expect(tables.tables).toEqual(['"Sales.EU"."Accounts"']);
    // Split at the first dot, the lookup asked for schema "Sales", table "EU.Accounts", and found no key.
    expect(tables.replaceBlockedBy).toEqual(['"Sales.EU".invoices.invoices_account_id_fkey → "Sales.EU"."Accounts"']);
    expect(tables.command).toContain(`--tables '"Sales.EU"."Accounts"' --into-database URL`);
  });

  it('migrations that changed a touched table\'s definition: --replace is not offered (the history would still record them), copying back is', async () => {
    const { doc } = await restorePlan('002_products-price', 'ALTER TABLE products ADD COLUMN price_cents int;\nUPDATE products SET sku = upper(sku);\n');
    expect(doc.touchedTables).toEqual({ existing: ['public.products'], created: [], reshaped: ['public.products'], droppedColumns: [], droppedTables: [] });
    const tables = doc.restoreRoutes.find((r) => r.route === 'tables')!;
    expect(tables.replaceBlockedBy).toEqual(['public.products: its definition was changed by the migrations']);
    expect(tables.discards).toContain('--replace is not offered: the migrations changed the definition of public.products');
    expect(tables.discards).toContain('UPDATE … FROM dbrollback_recovered_<time>.products');
    expect(doc.recommendation).not.toContain('add --replace');
  });

  it('a migration that dropped a column: copying back says to re-add the column first (the live table no longer has it), in the plan and in undo\'s refusal', async () => {
    const { args, doc } = await restorePlan('002_drop-order-status', 'ALTER TABLE orders DROP COLUMN status;\n');
    expect(doc.type).toBe('restore');
    expect(doc.touchedTables).toMatchObject({ existing: ['public.orders'], droppedColumns: [{ table: 'public.orders', column: 'status' }], droppedTables: [] });
    const advice = 're-add it first (ALTER TABLE public.orders ADD COLUMN status <its type in dbrollback_recovered_<time>.orders>), then copy the values (e.g. UPDATE public.orders SET status = r.status FROM dbrollback_recovered_<time>.orders r WHERE …)';
    const tables = doc.restoreRoutes.find((r) => r.route === 'tables')!;
    expect(tables.discards).toContain(`the live table no longer has public.orders.status, which the migrations dropped: ${advice}`);
    expect(tables.discards).not.toContain('UPDATE … FROM');
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(undo.exitCode).toBe(4);
    expect(undo.json<{ error: { hint: string } }>().error.hint).toContain(advice);
  });

  it('a migration touching six tables: no table route (more than five), the plan says why and offers the whole database alone', async () => {
    const six = ['t1', 't2', 't3', 't4', 't5', 't6'];
    const { doc } = await restorePlan('002_reset-values', six.map((t) => `UPDATE ${t} SET v = NULL;\n`).join(''), `${SCHEMA}${six.map((t) => `CREATE TABLE ${t} (id int PRIMARY KEY, v text);\n`).join('')}`, `DROP TABLE ${six.join(', ')}, products, carts, order_events, orders, customers;\n`);
    expect(doc.type).toBe('restore');
    expect(doc.touchedTables?.existing).toEqual(six.map((t) => `public.${t}`));
    expect(doc.restoreRoutes.map((r) => r.route)).toEqual(['whole-database']);
    expect(doc.tableRouteNote).toMatch(/^the table route is not offered: the migrations touched 6 tables \(public\.t1, .*public\.t6\), more than 5/);
    expect(doc.recommendation).not.toContain('--tables');
    expect(doc.recommendation).toContain(doc.tableRouteNote!);
    expect(doc.recommendation).toContain('It discards every write to every table since just before 002_reset-values');
    expect(doc.steps.filter((s) => s.action === 'restore')).toHaveLength(1);
  });
});

describe('plan for a restore-type rollback on a server that archives no WAL', () => {
  let cluster: Cluster;
  let storage: string;

  beforeAll(async () => {
    cluster = await startCluster();
    storage = await sharedDir('dbrollback-routes-nowal-');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('only the logical backup migrate took is offered (and what to apply again): no table route, no --data-dir, each saying why', async () => {
    const project = await dirWith({
      '001_schema.up.sql': SCHEMA,
      '001_schema.down.sql': 'DROP TABLE products, carts, order_events, orders, customers;\n',
      '002_void-open-orders.up.sql': "UPDATE orders SET status = 'void' WHERE status = 'open';\n",
      '002_void-open-orders.down.sql': '-- dbrollback:irreversible\nSELECT 1;\n',
    });
    const { database } = await cluster.createDatabase();
    const args = ['--migrations', project, '--database-url', cluster.url(database), '--storage', storage];
    // One run, one logical backup (auto, no WAL archive), taken before 001: at no migration.
    const migrate = await runBuiltCli(['migrate', '--json', ...args]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    const backupId = migrate.json<{ backupId: string }>().backupId;
    const run = await runBuiltCli(['plan', '--count', '1', '--json', ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    const doc = run.json<PlanDoc & { pitrUnreachable: string | null }>();
    expect(doc.type).toBe('restore');
    expect(doc.pitrUnreachable).toMatch(/^the restore point migrate made before 002_void-open-orders \(\S+\) was made while the server was not archiving WAL$/);
    expect(doc.restoreRoutes.map((r) => [r.route, r.command, r.alternative])).toEqual([['whole-database', `${suggested(args)} restore --backup ${backupId}`, null]]);
    expect(doc.restoreRoutes[0]!.discards).toContain(`apply them again with ${suggested(args)} migrate --to 001_schema`);
    expect(doc.tableRouteNote).toBe(`only the touched tables is not offered: they are recovered through a point-in-time restore, and none can reach the moment before 002_void-open-orders (${doc.pitrUnreachable}); nor from a logical backup, as none was taken at the head before 002_void-open-orders (backup ${backupId} is at head (no migration))`);
    expect(doc.recommendation).not.toContain('--data-dir');
    expect(doc.recommendation).not.toContain('--tables');
  });

  it('logtables: with the logical backup migrate took at the head before the migration, the touched tables come from it (--backup auto --tables), and that command restores them', async () => {
    const project = await dirWith({
      '001_schema.up.sql': SCHEMA,
      '001_schema.down.sql': 'DROP TABLE products, carts, order_events, orders, customers;\n',
      '002_void-open-orders.up.sql': "UPDATE orders SET status = 'void' WHERE status = 'open';\n",
      '002_void-open-orders.down.sql': '-- dbrollback:irreversible\nSELECT 1;\n',
    });
    const { database } = await cluster.createDatabase();
    const args = ['--migrations', project, '--database-url', cluster.url(database), '--storage', storage];
    expect((await runBuiltCli(['migrate', '--count', '1', ...args])).exitCode).toBe(0);
    await cluster.sql(database, "INSERT INTO customers (email) VALUES ('a@example.com'); INSERT INTO orders (customer_id) SELECT 1 FROM generate_series(1, 12)");
    // The second run's logical backup is at head 001_schema, right before 002.
    const migrate = await runBuiltCli(['migrate', '--json', ...args]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    const backupId = migrate.json<{ backupId: string }>().backupId;
    const run = await runBuiltCli(['plan', '--count', '1', '--json', ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    const doc = run.json<PlanDoc & { pitrUnreachable: string | null }>();
    expect(doc.pitrUnreachable).toMatch(/was made while the server was not archiving WAL$/);
    expect(doc.tableRouteNote).toBeNull();
    expect(doc.restoreRoutes.map((r) => [r.route, r.command])).toEqual([
      ['tables', `${suggested(args)} restore --before-migration 002_void-open-orders --backup auto --tables public.orders --into-database URL`],
      ['whole-database', `${suggested(args)} restore --backup ${backupId}`],
    ]);
    const tables = doc.restoreRoutes[0]!;
    expect(tables.discards).toContain(`With --replace it discards every write to public.orders since backup ${backupId} was taken`);
    expect(tables.replaceBlockedBy).toEqual([]);
    expect(doc.recommendation).toContain('First, only public.orders');
    expect(doc.recommendation).toContain('--backup auto --tables public.orders');
    expect(doc.recommendation).not.toContain('--data-dir');
    // The command the plan offers runs: the orders as they were before 002, beside the live ones.
    const restore = await runBuiltCli([...tables.command.split(' ').slice(1).map((a) => (a === 'URL' ? cluster.url(database) : a)), '--json', ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const schema = restore.json<{ schema: string; backupId: string }>();
    expect(schema.backupId).toBe(backupId);
    expect(await cluster.sql(database, `SELECT status, count(*)::int AS n FROM "${schema.schema}".orders GROUP BY 1`)).toEqual([{ status: 'open', n: 12 }]);
  });
});

describe('plan for a restore-type rollback whose only base backup ended after the restore point', () => {
  let cluster: Cluster;
  let storage: string;

  beforeAll(async () => {
    // The server archives WAL, but the storage's one base backup is taken after migrate made its restore point:
    // recovery starts at that backup's end, past the point, so no point-in-time restore reaches it.
    storage = await sharedDir('dbrollback-routes-late-base-');
    cluster = await archivingCluster(pathToFileURL(storage).href);
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  it('says no point-in-time restore can reach the moment and why, and offers neither --data-dir nor --tables', async () => {
    const project = await dirWith({
      '001_schema.up.sql': SCHEMA,
      '001_schema.down.sql': 'DROP TABLE products, carts, order_events, orders, customers;\n',
      '002_void-open-orders.up.sql': "UPDATE orders SET status = 'void' WHERE status = 'open';\n",
      '002_void-open-orders.down.sql': '-- dbrollback:irreversible\nSELECT 1;\n',
    });
    const { database } = await cluster.createDatabase();
    const args = ['--migrations', project, '--database-url', cluster.url(database), '--storage', storage];
    // No base backup yet: migrate takes a logical backup (auto) and makes its restore points in the archived WAL.
    const migrate = await runBuiltCli(['migrate', '--json', ...args]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    const backupId = migrate.json<{ backupId: string }>().backupId;
    const baseId = await baseBackup(pathToFileURL(storage).href, cluster.url(database));
    const run = await runBuiltCli(['plan', '--count', '1', '--json', ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    const doc = run.json<PlanDoc & { pitrUnreachable: string | null }>();
    expect(doc.type).toBe('restore');
    expect(doc.pitrUnreachable).toMatch(
      new RegExp(`^every base backup in the storage ended after the restore point migrate made before 002_void-open-orders \\(\\S+; the earliest, ${baseId}, at \\S+\\), and recovery cannot stop before the end of the base backup it starts from$`),
    );
    expect(doc.restoreRoutes.map((r) => [r.route, r.command, r.alternative])).toEqual([['whole-database', `${suggested(args)} restore --backup ${backupId}`, null]]);
    expect(doc.restoreRoutes[0]!.discards).toContain(`(no point-in-time restore can reach the moment before 002_void-open-orders: ${doc.pitrUnreachable})`);
    // Nor the logical table route: the one backup was taken before 001 ran (its head is the empty history), not at 001.
    expect(doc.tableRouteNote).toBe(`only the touched tables is not offered: they are recovered through a point-in-time restore, and none can reach the moment before 002_void-open-orders (${doc.pitrUnreachable}); nor from a logical backup, as none was taken at the head before 002_void-open-orders (backup ${backupId} is at head (no migration))`);
    expect(doc.recommendation).not.toContain('--data-dir');
    expect(doc.recommendation).not.toContain('--tables');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { classifySqlSync, failingFindings } from '../../../src/classify/classify-sql.js';
import type { SchemaSnapshot } from '../../../src/db/schema/snapshot.js';
import { initParser } from '../../../src/sql/parser.js';

beforeAll(async () => {
  await initParser();
});

const rules = (sql: string, options = {}) => classifySqlSync(sql, options).statements.map((s) => s.findings.map((f) => f.rule));

describe('classifySql verdicts', () => {
  it('judges each statement on independent axes and the whole as the worst of them', () => {
    const r = classifySqlSync('ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users RENAME COLUMN name TO full_name;\nUPDATE users SET full_name = upper(full_name);\nALTER TABLE orders DROP COLUMN note;');
    expect(r.statements.map((s) => [s.compatibility, s.dataLoss, s.reversible])).toEqual([
      ['additive', 'none', true],
      ['breaking', 'none', true],
      ['additive', 'rewrite', false],
      ['breaking', 'destructive', false],
    ]);
    expect(r).toMatchObject({ compatibility: 'breaking', dataLoss: 'destructive', reversible: false, lock: 'ACCESS EXCLUSIVE', transactional: true });
  });

  it('an empty text is additive, lossless and reversible', () => {
    expect(classifySqlSync('-- nothing')).toMatchObject({ compatibility: 'additive', dataLoss: 'none', reversible: true, lock: null, statements: [] });
  });

  it('exempts objects created earlier in the same file from breaking and data-loss findings, and reports no lock on them', () => {
    const r = classifySqlSync('CREATE TABLE t (id bigint, a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\nALTER TABLE t DROP COLUMN a;\nCREATE INDEX t_id ON t (id);\nDROP TABLE t;');
    expect(r).toMatchObject({ compatibility: 'additive', dataLoss: 'none', reversible: true, lock: null });
    expect(r.statements.flatMap((s) => s.findings)).toEqual([]);
  });

  it('the exemption does not reach objects that existed before (same name in another schema)', () => {
    expect(classifySqlSync('CREATE TABLE audit.t (id int);\nDROP TABLE public.t;').dataLoss).toBe('destructive');
  });

  it('marks DO blocks as unknown (reversible null) unless something else decides', () => {
    expect(classifySqlSync('DO $$ BEGIN PERFORM 1; END $$;').reversible).toBeNull();
    expect(classifySqlSync('DO $$ BEGIN PERFORM 1; END $$;\nDROP TABLE t;').reversible).toBe(false);
  });

  it('keeps suppressed findings in the verdict but out of --fail-on', () => {
    const r = classifySqlSync('-- dbrollback-ignore drop-column\nALTER TABLE t DROP COLUMN c;\nALTER TABLE t RENAME TO u;');
    expect(r.dataLoss).toBe('destructive');
    expect(r.statements[0]!.suppressed.map((f) => f.rule)).toEqual(['drop-column']);
    expect(failingFindings(r.statements, ['destructive'])).toEqual([]);
    expect(failingFindings(r.statements, ['breaking']).map((f) => [f.statement.line, f.finding.rule])).toEqual([[3, 'rename-table']]);
  });

  it('refuses a server version that is not a major version', () => {
    expect(() => classifySqlSync('SELECT 1', { serverVersion: 150004 })).toThrow(/PostgreSQL major version/);
  });
});

describe('server-version awareness', () => {
  it('PostgreSQL 11 made constant defaults free; before that every default rewrites', () => {
    const sql = "ALTER TABLE t ADD COLUMN s text DEFAULT 'x';";
    expect(classifySqlSync(sql, { serverVersion: 10 }).rewritesTable).toBe(true);
    expect(classifySqlSync(sql, { serverVersion: 11 }).rewritesTable).toBe(false);
    expect(classifySqlSync('ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();', { serverVersion: 17 }).rewritesTable).toBe(true);
  });

  it('PostgreSQL 12 lets SET NOT NULL use a validated CHECK instead of scanning', () => {
    const sql = 'ALTER TABLE t ADD CONSTRAINT c_nn CHECK (c IS NOT NULL) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c_nn;\nALTER TABLE t ALTER COLUMN c SET NOT NULL;';
    expect(classifySqlSync(sql, { serverVersion: 12 }).statements[2]).toMatchObject({ findings: [], longValidation: false });
    expect(classifySqlSync(sql, { serverVersion: 11 }).statements[2]).toMatchObject({ longValidation: true, findings: [expect.objectContaining({ rule: 'set-not-null' })] });
  });

  it('PostgreSQL 14 DETACH ... CONCURRENTLY takes SHARE UPDATE EXCLUSIVE and cannot run in a transaction', () => {
    const sql = 'ALTER TABLE m DETACH PARTITION m2020 CONCURRENTLY;';
    expect(classifySqlSync(sql, { serverVersion: 14 }).statements[0]).toMatchObject({ lock: 'SHARE UPDATE EXCLUSIVE', transactional: false, compatibility: 'breaking' });
    expect(classifySqlSync(sql, { serverVersion: 13 }).statements[0]).toMatchObject({ lock: 'ACCESS EXCLUSIVE' });
  });

  it('enum ADD VALUE is non-transactional before PostgreSQL 12', () => {
    expect(classifySqlSync("ALTER TYPE s ADD VALUE 'x';", { serverVersion: 11 }).transactional).toBe(false);
    expect(classifySqlSync("ALTER TYPE s ADD VALUE 'x';", { serverVersion: 12 }).transactional).toBe(true);
  });

  it('a file is "not transactional" only when it runs CONCURRENTLY outside a transaction block, not when it is sent inside one (where it fails)', () => {
    const several = 'ALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY i ON t (b);';
    // golang-migrate, Prisma: several statements sent as one query are one implicit transaction block.
    const oneQuery = classifySqlSync(several, { inTransaction: 'several-statements' });
    expect(oneQuery.transactional).toBe(true);
    expect(oneQuery.statements[1]).toMatchObject({ transactional: false, findings: [expect.objectContaining({ rule: 'concurrently-in-transaction' })] });
    expect(classifySqlSync(several, { inTransaction: true }).transactional).toBe(true);
    expect(classifySqlSync(`BEGIN;\n${several}\nCOMMIT;`).transactional).toBe(true);
    // Alone, or statement by statement, it runs outside one.
    expect(classifySqlSync('CREATE INDEX CONCURRENTLY i ON t (b);', { inTransaction: 'several-statements' }).transactional).toBe(false);
    expect(classifySqlSync(several).transactional).toBe(false);
  });
});

describe('lock levels and transactions', () => {
  it.each([
    ['CREATE INDEX i ON t (a);', 'SHARE', true],
    ['CREATE INDEX CONCURRENTLY i ON t (a);', 'SHARE UPDATE EXCLUSIVE', false],
    ['ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID;', 'SHARE ROW EXCLUSIVE', true],
    ['ALTER TABLE t VALIDATE CONSTRAINT f;', 'SHARE UPDATE EXCLUSIVE', true],
    ['ALTER TABLE t ALTER COLUMN a SET STATISTICS 500;', 'SHARE UPDATE EXCLUSIVE', true],
    ['ALTER TABLE t ADD COLUMN b int;', 'ACCESS EXCLUSIVE', true],
    ['VACUUM t;', 'SHARE UPDATE EXCLUSIVE', false],
    ['VACUUM FULL t;', 'ACCESS EXCLUSIVE', false],
    ['UPDATE t SET a = 1;', 'ROW EXCLUSIVE', true],
    ['LOCK TABLE t IN SHARE MODE;', 'SHARE', true],
    ['REFRESH MATERIALIZED VIEW CONCURRENTLY m;', 'EXCLUSIVE', true],
    ['CREATE TABLE c (id int REFERENCES p (id));', 'SHARE ROW EXCLUSIVE', true],
    ['GRANT SELECT ON t TO r;', null, true],
  ])('%s takes %s', (sql, lock, transactional) => {
    expect(classifySqlSync(sql).statements[0]).toMatchObject({ lock, transactional });
  });

  it('an explicit BEGIN in the file makes CONCURRENTLY a finding; a COMMIT ends it', () => {
    expect(rules('BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;')[1]).toContain('concurrently-in-transaction');
    expect(rules('BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);')[2]).not.toContain('concurrently-in-transaction');
  });
});

describe('with the live schema', () => {
  const schema = {
    serverVersion: 15,
    schemas: {},
    enums: {},
    domains: {},
    functions: {},
    extensions: {},
    relations: {
      'public.users': {
        columns: {
          name: { type: 'character varying(50)' },
          id: { type: 'integer' },
          at: { type: 'timestamp with time zone' },
        },
      },
    },
  } as unknown as SchemaSnapshot;

  it('knows a widening from a narrowing and a binary-coercible change from a rewrite', () => {
    const widen = classifySqlSync('ALTER TABLE users ALTER COLUMN name TYPE varchar(100);', { schema });
    expect(widen).toMatchObject({ compatibility: 'additive', rewritesTable: false, dataLoss: 'none' });
    const narrow = classifySqlSync('ALTER TABLE users ALTER COLUMN name TYPE varchar(20);', { schema });
    expect(narrow).toMatchObject({ compatibility: 'breaking', rewritesTable: true });
    const bigint = classifySqlSync('ALTER TABLE users ALTER COLUMN id TYPE bigint;', { schema });
    expect(bigint).toMatchObject({ compatibility: 'additive', rewritesTable: true, dataLoss: 'none' });
    const lossy = classifySqlSync('ALTER TABLE users ALTER COLUMN at TYPE date;', { schema });
    expect(lossy).toMatchObject({ compatibility: 'breaking', dataLoss: 'rewrite' });
  });

  it('an integer narrowed through a plain cast (as Knex\'s .alter() writes it) alters no value: a value that does not fit fails the migration', () => {
    const narrowed = classifySqlSync('ALTER TABLE users ALTER COLUMN id TYPE smallint USING (id::smallint);', { schema });
    expect(narrowed).toMatchObject({ compatibility: 'breaking', dataLoss: 'none' });
    expect(narrowed.statements[0]!.findings.map((f) => f.rule)).not.toContain('lossy-type-change');
    // A shorter varchar through an explicit cast truncates: a rewrite.
    expect(classifySqlSync('ALTER TABLE users ALTER COLUMN name TYPE varchar(20) USING name::varchar(20);', { schema })).toMatchObject({ dataLoss: 'rewrite' });
    expect(classifySqlSync('ALTER TABLE users ALTER COLUMN id TYPE smallint USING (id / 2)::smallint;', { schema })).toMatchObject({ dataLoss: 'rewrite' });
  });

  it('without it, judges an unknown type change conservatively', () => {
    expect(classifySqlSync('ALTER TABLE users ALTER COLUMN name TYPE varchar(100);')).toMatchObject({ compatibility: 'breaking', rewritesTable: true });
  });
});

describe('data changes relative to what the migration itself created (issue #15)', () => {
  const verdict = (sql: string, options = {}) => {
    const r = classifySqlSync(sql, options);
    return [r.compatibility, r.dataLoss, r.reversible];
  };

  it('a new column filled from other tables in the same migration is not a rewrite, and is recorded as a fill', () => {
    const r = classifySqlSync('ALTER TABLE orders ADD COLUMN customer_email text;\nUPDATE orders o SET customer_email = (SELECT c.email FROM customers c WHERE c.id = o.customer_id);');
    expect(r).toMatchObject({ compatibility: 'additive', dataLoss: 'none', reversible: true });
    expect(r.statements[1]!.findings.map((f) => f.rule)).toEqual(['backfill-new-column']);
    expect(r.fills).toEqual([expect.objectContaining({ object: 'column', table: 'public.orders', column: 'customer_email', alias: 'o', line: 2, kind: 'UpdateStmt' })]);
  });

  it('an UPDATE that also writes a pre-existing column stays a rewrite', () => {
    expect(verdict('ALTER TABLE users ADD COLUMN email_lower text;\nUPDATE users SET email_lower = lower(email), email = lower(email);')).toEqual(['additive', 'rewrite', false]);
    expect(classifySqlSync('ALTER TABLE users ADD COLUMN email_lower text;\nUPDATE users SET email_lower = lower(email), email = lower(email);').fills).toEqual([]);
  });

  it('DELETE and TRUNCATE of pre-existing rows stay destructive; of a new table\'s rows they are part of creating it', () => {
    expect(verdict("DELETE FROM sessions WHERE expires_at < now() - interval '90 days';")).toEqual(['additive', 'destructive', false]);
    expect(verdict('ALTER TABLE sessions ADD COLUMN device text;\nTRUNCATE sessions;')).toEqual(['additive', 'destructive', false]);
    expect(verdict("CREATE TABLE staging (id int);\nINSERT INTO staging VALUES (1);\nDELETE FROM staging WHERE id = 1;")).toEqual(['additive', 'none', true]);
  });

  it('MERGE and upserts that update existing columns are rewrites; MERGE filling only a new column is not', () => {
    expect(verdict('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v;')).toEqual(['additive', 'rewrite', false]);
    expect(verdict("INSERT INTO settings (key, value) VALUES ('a', 'b') ON CONFLICT (key) DO UPDATE SET value = excluded.value;")).toEqual(['additive', 'rewrite', false]);
    expect(verdict('ALTER TABLE t ADD COLUMN w int;\nMERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET w = s.v;')).toEqual(['additive', 'none', true]);
    expect(verdict('ALTER TABLE t ADD COLUMN w int;\nMERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;')).toEqual(['additive', 'rewrite', false]);
  });

  it('a new table seeded with INSERTs, its serial sequence realigned with setval, is additive and reversible', () => {
    const r = classifySqlSync("CREATE TABLE plans (id serial PRIMARY KEY, name text NOT NULL);\nINSERT INTO plans (id, name) VALUES (1, 'free'), (2, 'pro');\nSELECT setval(pg_get_serial_sequence('plans', 'id'), (SELECT max(id) FROM plans));\nSELECT setval('plans_id_seq', 10);");
    expect(r).toMatchObject({ compatibility: 'additive', dataLoss: 'none', reversible: true });
    expect(r.fills).toEqual([expect.objectContaining({ object: 'table', table: 'public.plans', columns: ['id', 'name'] })]);
    // A sequence the migration did not create stays opaque.
    expect(classifySqlSync("SELECT setval('orders_id_seq', 1000);").reversible).toBeNull();
  });

  it('objects a catalog diff shows as created count as the migration\'s own (code migrations)', () => {
    const sql = "DO $$ BEGIN EXECUTE 'ALTER TABLE orders ADD COLUMN region text'; END $$;\nUPDATE orders SET region = 'eu';";
    expect(classifySqlSync(sql).dataLoss).toBe('rewrite');
    expect(classifySqlSync(sql, { created: ['column:public.orders.region'] }).dataLoss).toBe('none');
  });
});

describe('Prisma Migrate shapes', () => {
  it("a rename Prisma generated as DROP + ADD in one ALTER TABLE is destructive, and the help names the RENAME COLUMN that keeps the values", () => {
    const r = classifySqlSync('ALTER TABLE "Instructor" DROP COLUMN "bio",\nADD COLUMN     "about" TEXT;');
    expect(r).toMatchObject({ compatibility: 'breaking', dataLoss: 'destructive' });
    const finding = r.statements[0]!.findings.find((f) => f.rule === 'drop-column')!;
    expect(finding.help).toContain('edit the migration to ALTER TABLE ... RENAME COLUMN "bio" TO "about", which keeps the values');
    // A plain drop keeps the rule's own help.
    expect(classifySqlSync('ALTER TABLE "Member" DROP COLUMN "phone";').statements[0]!.findings[0]!.help).not.toContain('RENAME COLUMN');
  });

  it("Prisma's enum value-removal dance is breaking for the type change alone and rewrites no value: the renames keep the name, the old type's drop and the default dropped and set again in the block break nothing", () => {
    // As prisma migrate diff 6.19 writes it, sent as one query.
    const dance = [
      '-- AlterEnum',
      'BEGIN;',
      'CREATE TYPE "BookingStatus_new" AS ENUM (\'PENDING\', \'CONFIRMED\', \'CANCELLED\');',
      'ALTER TABLE "Booking" ALTER COLUMN "status" DROP DEFAULT;',
      'ALTER TABLE "Booking" ALTER COLUMN "status" TYPE "BookingStatus_new" USING ("status"::text::"BookingStatus_new");',
      'ALTER TYPE "BookingStatus" RENAME TO "BookingStatus_old";',
      'ALTER TYPE "BookingStatus_new" RENAME TO "BookingStatus";',
      'DROP TYPE "BookingStatus_old";',
      'ALTER TABLE "Booking" ALTER COLUMN "status" SET DEFAULT \'PENDING\';',
      'COMMIT;',
    ].join('\n');
    const r = classifySqlSync(dance, { inTransaction: 'several-statements' });
    // Each row keeps its label through text, or the statement fails: no value is rewritten.
    expect(r).toMatchObject({ compatibility: 'breaking', dataLoss: 'none' });
    expect(r.statements.filter((s) => s.findings.length > 0).map((s) => [s.kind, s.findings.map((f) => f.rule)])).toEqual([['AlterTableStmt', ['change-column-type', 'narrowing-column-type']]]);
    // A rename that is not given back, and a default not set again, still are.
    expect(rules('ALTER TYPE "BookingStatus" RENAME TO "BookingStatus_old";\nDROP TYPE "BookingStatus_old";')).toEqual([['rename-object'], ['drop-type']]);
    expect(rules('BEGIN;\nALTER TABLE "Booking" ALTER COLUMN "status" DROP DEFAULT;\nCOMMIT;')).toEqual([[], ['drop-default'], []]);
  });

  it('the enum swap names quoted CamelCase types as written (was: public.bookingstatus_new)', () => {
    const r = classifySqlSync('ALTER TABLE "public"."Booking" ALTER COLUMN "status" TYPE "public"."BookingStatus_new" USING ("status"::text::"public"."BookingStatus_new");');
    expect(r.statements[0]!.findings.map((f) => f.message)).toContain('changes the type of Booking.status to public.BookingStatus_new: the table and its indexes are rewritten while every query waits (ACCESS EXCLUSIVE)');
  });
});

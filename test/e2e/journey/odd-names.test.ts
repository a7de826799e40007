/**
 * The on-call journey on a history whose identifiers are hard:
 * `migrations-fixtures/journey/emporium`, a dbmate project written the way
 * ORMs write PostgreSQL — quoted "PascalCase" tables and "camelCase" columns,
 * a `billing` schema (one migration through search_path), a schema and a
 * table with a dot and a space ("Sales.EU"."Order Line"), a table whose name
 * holds a double quote and a dot ("Tag""s.v2"), reserved words as columns
 * ("order", "user"), German names quoted and not (Änderungsprotokoll keeps
 * its Ä: PostgreSQL folds only ASCII letters), an enum in billing, foreign
 * keys across schemas, a 62-byte index re-declared IF NOT EXISTS, and a
 * partitioned table. classify → migrate → plan → undo (refused, then with the
 * at-risk tables backed up) → restore of that partial backup → backup →
 * restore --backup --tables (side by side, --replace) → verify --baseline /
 * --expect-changed → restore --before-migration --tables → drill; every
 * answer checked against the catalog and the rows themselves.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { archiveCurrentSegment, cli, query } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';

const PROJECT = path.join(FIXTURES, 'journey', 'emporium');
const MIGRATIONS = path.join(PROJECT, 'db', 'migrations');
const PAYMENT = '20250407090000_create_payment_partitioned';
const DUE_NOTE = '20250408090000_add_invoice_due_note';
/** The tables a user names on the command line, as --tables and --expect-changed read them (single quotes for the shell). */
const ODD_TABLES = '"Sales.EU"."Order Line",public."Tag""s.v2",Änderungsprotokoll,billing."Invoice"';

interface ClassifyDoc {
  files: Array<{ path: string; compatibility: string; dataLoss: string; reversible: boolean | null; down: { kind: string; dropsExisting?: string[] } | null }>;
}
interface PlanDoc {
  type: string;
  migrations: Array<{ name: string; atRisk: { rows: number; bytes: number; objects: Array<{ schema: string; table: string; column: string | null; rows: number; bytes: number }> } }>;
}
interface TablesDoc {
  ok: boolean;
  schema: string;
  tables: Array<{ table: string; now: string; rows: number; matches: boolean }>;
}
interface VerifyDoc {
  ok: boolean;
  checks: Array<{ id: string; status: string; problems?: string[] }>;
}
interface Manifest {
  partial?: { tables: string[] };
  tables: Array<{ schema: string; table: string; rows: number }>;
}

const one = async (url: string, sql: string): Promise<string | null> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0] as string | null;
/** Every row of a table (a relation named as SQL names it) as text, in id order. */
const rowsOf = async (url: string, relation: string): Promise<string[]> => (await query<{ r: string }>(url, `SELECT t::text AS r FROM ${relation} t ORDER BY id`)).map((row) => row.r);

describe('the journey on a history with quoted, dotted, spaced, reserved, unicode and partitioned names', () => {
  let primary: Cluster;
  let storage: string;
  let url: string;
  let args: string[];

  beforeAll(async () => {
    ({ primary, storage, url, args } = await journeyProduction('dbrollback-journey-oddnames-', ['--migrations', MIGRATIONS]));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('classify, migrate, plan, undo, backups, restore (partial, --tables side by side and --replace), verify, restore --before-migration --tables, drill: each answer as the catalog says', async () => {
    // classify: a dot in a schema or table name is not a different table — every down drops what its up made.
    const classify = await cli(['classify', MIGRATIONS, '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const verdicts = Object.fromEntries(classify.json<ClassifyDoc>().files.map((f) => [path.basename(f.path, '.sql'), [f.compatibility, f.dataLoss, f.reversible]]));
    expect(verdicts).toEqual({
      '20250401090000_create_customer_and_billing': ['additive', 'none', true],
      '20250402090000_create_sales_eu_order_line': ['additive', 'none', true],
      '20250403090000_create_tags_and_notes': ['additive', 'none', true],
      '20250404090000_index_invoice_customer_status': ['additive', 'none', true],
      '20250405090000_rename_customer_email': ['breaking', 'none', true],
      '20250406090000_create_ledger_entry': ['additive', 'none', true],
      [PAYMENT]: ['additive', 'none', true],
      [DUE_NOTE]: ['additive', 'none', true],
    });

    // migrate to the partitioned table, seed, then the due note, which the application fills in.
    const toPayment = await cli(['migrate', '--to', PAYMENT, ...args]);
    expect(toPayment.exitCode, toPayment.stderr).toBe(0);
    await primary.sql(new URL(url).pathname.slice(1), await readFile(path.join(PROJECT, 'seed.sql'), 'utf8'));
    expect((await cli(['migrate', ...args])).exitCode).toBe(0);
    await query(url, `UPDATE billing."Invoice" SET "dueNote" = 'due in ' || id || ' days' WHERE id % 3 = 0`);
    expect(await one(url, `SELECT to_regclass('billing."LedgerEntry"')::text`)).toBe('billing."LedgerEntry"');
    expect(await one(url, `SELECT count(*) FROM pg_indexes WHERE indexname = 'Invoice_customerId_status_totalCents_order_covering_lookup_idx'`)).toBe('1');

    const status = await cli(['status', '--json', ...args]);
    const migrations = status.json<{ migrations: Array<{ name: string; applied: boolean; restorePoint: { name: string } | null }> }>().migrations;
    expect(migrations.map((m) => [m.applied, m.restorePoint !== null])).toEqual(Array(8).fill([true, true]));

    // plan: the column the down drops, in its schema, with its live values counted.
    const plan = await cli(['plan', '--count', '1', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.json<PlanDoc>().migrations[0]!.atRisk.objects.map((o) => [o.schema, o.table, o.column, o.rows])).toEqual([['billing', 'Invoice', 'dueNote', Number(await one(url, 'SELECT count("dueNote") FROM billing."Invoice"'))]]);

    // undo: refused without --accept-data-loss, nothing touched; then done with the at-risk table backed up.
    const refused = await cli(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(refused.exitCode).toBe(4);
    expect(await one(url, `SELECT count(*) FROM information_schema.columns WHERE table_schema = 'billing' AND table_name = 'Invoice' AND column_name = 'dueNote'`)).toBe('1');
    const undo = await cli(['undo', '--count', '1', '--yes', '--accept-data-loss', '--backup', 'tables', '--json', ...args]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(await one(url, `SELECT count(*) FROM information_schema.columns WHERE table_schema = 'billing' AND table_name = 'Invoice' AND column_name = 'dueNote'`)).toBe('0');
    // The index the undone migration re-declared IF NOT EXISTS is an earlier migration's: still there.
    expect(await one(url, `SELECT count(*) FROM pg_indexes WHERE schemaname = 'billing' AND indexname = 'Invoice_customerId_status_totalCents_order_covering_lookup_idx'`)).toBe('1');
    const invoiceBackup = JSON.parse(await readFile(new URL(`backups/${undo.json<{ backupId: string }>().backupId}/manifest.json`, `${storage}/`), 'utf8')) as Manifest;
    expect(invoiceBackup.partial!.tables).toEqual(['billing.Invoice']);
    expect(invoiceBackup.tables.map((t) => [t.schema, t.table, t.rows])).toEqual([['billing', 'Invoice', 30]]);

    // The partitioned table: its rows and bytes are its partitions'.
    const paymentPlan = await cli(['plan', '--count', '1', '--json', ...args]);
    expect(paymentPlan.exitCode, paymentPlan.stderr).toBe(0);
    const atRisk = paymentPlan.json<PlanDoc>().migrations[0]!.atRisk.objects;
    expect(atRisk.map((o) => [o.schema, o.table, o.rows])).toEqual([['billing', 'Payment', 16]]);
    expect(atRisk[0]!.bytes).toBe(Number(await one(url, `SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('billing."Payment"')`)));
    expect(atRisk[0]!.bytes).toBeGreaterThan(0);
    // DROP TABLE of the parent drops its partitions: the round trip holds, and the safety backup holds their rows.
    const paymentsBefore = await rowsOf(url, 'billing."Payment"');
    const undoPayment = await cli(['undo', '--count', '1', '--yes', '--accept-data-loss', '--backup', 'tables', '--json', ...args]);
    expect(undoPayment.exitCode, undoPayment.stdout + undoPayment.stderr).toBe(0);
    expect(await one(url, `SELECT count(*) FROM pg_class WHERE relname LIKE 'Payment%'`)).toBe('0');
    const paymentBackupId = undoPayment.json<{ backupId: string }>().backupId;
    const paymentBackup = JSON.parse(await readFile(new URL(`backups/${paymentBackupId}/manifest.json`, `${storage}/`), 'utf8')) as Manifest;
    expect(paymentBackup.tables.map((t) => [t.schema, t.table, t.rows])).toEqual([['billing', 'Payment_2024', 8], ['billing', 'Payment_2025', 8]]);

    // backups: the partial one names what it holds.
    const backups = await cli(['backups', ...args]);
    expect(backups.stdout).toMatch(new RegExp(`${paymentBackupId} +logical .*partial: rows of billing\\.Payment_2024, billing\\.Payment_2025`));

    // restore of that partial backup, side by side: the partitions' rows, each as it was.
    const partial = await cli(['restore', '--backup', paymentBackupId, '--yes', '--json', ...args]);
    expect(partial.exitCode, partial.stdout + partial.stderr).toBe(0);
    const partialDoc = partial.json<TablesDoc>();
    expect(partialDoc.tables.map((t) => [t.table, t.rows, t.matches])).toEqual([['billing."Payment_2024"', 8, true], ['billing."Payment_2025"', 8, true]]);
    const recovered = [...(await rowsOf(url, partialDoc.tables[0]!.now)), ...(await rowsOf(url, partialDoc.tables[1]!.now))].sort();
    expect(recovered).toEqual([...paymentsBefore].sort());

    // migrate back: the partitioned table, its rows again, the due note, filled.
    expect((await cli(['migrate', '--count', '1', ...args])).exitCode).toBe(0);
    await query(url, `INSERT INTO billing."Payment" ("invoiceId", "paidAt", "amountCents") SELECT 1 + g % 30, DATE '2024-11-01' + g * 7, g * 100 FROM generate_series(1, 16) g`);
    expect((await cli(['migrate', ...args])).exitCode).toBe(0);
    await query(url, `UPDATE billing."Invoice" SET "dueNote" = 'again ' || id WHERE id % 5 = 0`);

    // A whole backup: every table fingerprinted under its own name, with the catalog's row counts.
    const backup = await cli(['backup', '--json', ...args]);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const backupId = backup.json<{ backup: { id: string } }>().backup.id;
    const whole = JSON.parse(await readFile(new URL(`backups/${backupId}/manifest.json`, `${storage}/`), 'utf8')) as Manifest;
    const counts = Object.fromEntries(whole.tables.map((t) => [`${t.schema}|${t.table}`, t.rows]));
    expect(counts).toMatchObject({ 'Sales.EU|Order Line': 40, 'public|Tag"s.v2': 7, 'public|Änderungsprotokoll': 5, 'public|Kundennotiz_Größe': 9, 'billing|Invoice': 30, 'billing|LedgerEntry': 25, 'billing|Payment_2024': 8 });

    // restore --backup --tables: names quoted as in SQL, a dot inside a quoted part, a doubled quote, an unquoted Ä.
    const sideBySide = await cli(['restore', '--backup', backupId, '--tables', ODD_TABLES, '--yes', '--json', ...args]);
    expect(sideBySide.exitCode, sideBySide.stdout + sideBySide.stderr).toBe(0);
    const sideDoc = sideBySide.json<TablesDoc>();
    expect(sideDoc.tables.map((t) => [t.table, t.rows, t.matches])).toEqual([
      ['"Sales.EU"."Order Line"', 40, true],
      ['public."Tag""s.v2"', 7, true],
      ['public."Änderungsprotokoll"', 5, true],
      ['billing."Invoice"', 30, true],
    ]);
    // The names it prints are SQL: each copy holds the rows of the table it is named after.
    for (const [i, live] of ['"Sales.EU"."Order Line"', '"Tag""s.v2"', 'Änderungsprotokoll', 'billing."Invoice"'].entries()) {
      expect(await rowsOf(url, sideDoc.tables[i]!.now)).toEqual(await rowsOf(url, live));
    }

    // An unquoted name folds as SQL folds it, and the refusal names the table the user meant, quoted.
    const folded = await cli(['restore', '--backup', backupId, '--tables', 'billing.Invoice', '--yes', ...args]);
    expect(folded.exitCode).toBe(2);
    expect(folded.stderr).toContain(`--tables asks for billing.invoice, which backup ${backupId} does not hold; it holds billing."Invoice"`);
    expect(folded.stderr).toContain(`"Sales.EU"."Order Line", billing."Invoice"`);
    // Something that is not a name is refused as one, before anything runs.
    const injected = await cli(['restore', '--backup', backupId, '--tables', 'billing."Invoice"; DROP TABLE "Customer"', '--yes', ...args]);
    expect(injected.exitCode).toBe(2);
    expect(injected.stderr).toContain('is not a table name');
    expect(await one(url, `SELECT count(*) FROM "Customer"`)).toBe('12');

    // verify --baseline: the changed tables named so they can be pasted back into --expect-changed.
    const tagsBefore = await rowsOf(url, '"Tag""s.v2"');
    const linesBefore = await rowsOf(url, '"Sales.EU"."Order Line"');
    await query(url, `UPDATE "Tag""s.v2" SET label = label || '!' WHERE id = 1`);
    await query(url, `DELETE FROM "Sales.EU"."Order Line" WHERE id = 40`);
    await query(url, `UPDATE Änderungsprotokoll SET eintrag = 'geändert' WHERE id = 1`);
    const failing = await cli(['verify', '--baseline', backupId, '--json', ...args]);
    expect(failing.exitCode).toBe(3);
    const problems = failing.json<VerifyDoc>().checks.find((c) => c.id === 'fingerprints')!.problems!;
    expect(problems).toEqual([
      '"Sales.EU"."Order Line": content differs (40 rows in the baseline, 39 now)',
      'public."Tag""s.v2": content differs (same 7 rows: values changed)',
      'public."Änderungsprotokoll": content differs (same 5 rows: values changed)',
    ]);
    const named = problems.map((p) => p.slice(0, p.indexOf(': content differs'))).join(',');
    const expected = await cli(['verify', '--baseline', backupId, '--expect-changed', named, '--json', ...args]);
    expect(expected.exitCode, expected.stdout).toBe(0);
    // Typed by hand: Änderungsprotokoll unquoted is the same table.
    const byHand = await cli(['verify', '--baseline', backupId, '--expect-changed', '"Sales.EU"."Order Line","Tag""s.v2",Änderungsprotokoll', '--json', ...args]);
    expect(byHand.exitCode, byHand.stdout).toBe(0);

    // --replace: the backup's rows back in place under the same names, the live ones set aside.
    const replace = await cli(['restore', '--backup', backupId, '--tables', '"Tag""s.v2","Sales.EU"."Order Line",Änderungsprotokoll', '--replace', '--yes', '--json', ...args]);
    expect(replace.exitCode, replace.stdout + replace.stderr).toBe(0);
    expect(replace.json<TablesDoc & { replaced: boolean }>().replaced).toBe(true);
    expect(await rowsOf(url, '"Tag""s.v2"')).toEqual(tagsBefore);
    expect(await rowsOf(url, '"Sales.EU"."Order Line"')).toEqual(linesBefore);
    expect(await one(url, `SELECT eintrag FROM Änderungsprotokoll WHERE id = 1`)).toBe('Eintrag 1');

    // restore --before-migration --tables: the partitioned table with its partitions' rows, beside the live one.
    await archiveCurrentSegment(url);
    const paymentsLive = await rowsOf(url, 'billing."Payment"');
    const pitr = await cli(['restore', '--before-migration', DUE_NOTE, '--tables', 'billing."Payment","Sales.EU"."Order Line"', '--into-database', url, '--json', ...args]);
    expect(pitr.exitCode, pitr.stdout + pitr.stderr).toBe(0);
    const pitrDoc = pitr.json<TablesDoc>();
    expect(pitrDoc.tables.map((t) => [t.table, t.rows, t.matches])).toEqual([['billing."Payment"', 16, true], ['"Sales.EU"."Order Line"', 40, true]]);
    expect(await rowsOf(url, pitrDoc.tables[0]!.now)).toEqual(paymentsLive);
    // In place, a partitioned table is refused (its partitions would stay behind), the live one untouched.
    const pitrReplace = await cli(['restore', '--before-migration', DUE_NOTE, '--tables', 'billing."Payment"', '--into-database', url, '--replace', '--yes', ...args]);
    expect(pitrReplace.exitCode).toBe(4);
    expect(pitrReplace.stderr).toContain('refusing to replace billing."Payment": a partitioned table or a partition is not swapped in place');
    expect(await rowsOf(url, 'billing."Payment"')).toEqual(paymentsLive);

    // plan back to the first migration: each dropped table measured where it is — "Sales.EU"."Order Line" split
    // on no dot, "LedgerEntry" found in billing, where the down's own search_path puts it.
    const planAll = await cli(['plan', '--to', '20250401090000_create_customer_and_billing', '--json', ...args]);
    expect(planAll.exitCode, planAll.stderr).toBe(0);
    const objects = Object.fromEntries(planAll.json<PlanDoc>().migrations.map((m) => [m.name, m.atRisk.objects.map((o) => [o.schema, o.table, o.rows])]));
    expect(objects['20250406090000_create_ledger_entry']).toEqual([['billing', 'LedgerEntry', Number(await one(url, 'SELECT count(*) FROM billing."LedgerEntry"'))]]);
    expect(objects['20250402090000_create_sales_eu_order_line']).toEqual([['Sales.EU', 'Order Line', Number(await one(url, 'SELECT count(*) FROM "Sales.EU"."Order Line"'))]]);
    // So undo of the search_path migration refuses for its rows, and backs them up once they are accepted.
    const toRename = ['undo', '--to', '20250405090000_rename_customer_email', '--yes', '--json', ...args];
    const refusedLedger = await cli(toRename);
    expect(refusedLedger.exitCode).toBe(4);
    expect(refusedLedger.json<{ error: { message: string } }>().error.message).toContain('drop-table billing.LedgerEntry (25 rows)');
    const undoLedger = await cli([...toRename, '--accept-data-loss', '--backup', 'tables']);
    expect(undoLedger.exitCode, undoLedger.stdout + undoLedger.stderr).toBe(0);
    expect(await one(url, `SELECT to_regclass('billing."LedgerEntry"')::text`)).toBeNull();
    const ledgerBackup = JSON.parse(await readFile(new URL(`backups/${undoLedger.json<{ backupId: string }>().backupId}/manifest.json`, `${storage}/`), 'utf8')) as Manifest;
    expect(ledgerBackup.tables.map((t) => [t.schema, t.table, t.rows])).toEqual([['billing', 'Invoice', 30], ['billing', 'LedgerEntry', 25], ['billing', 'Payment_2024', 8], ['billing', 'Payment_2025', 8]]);
    // Back to the first migration: the tables with dots in their names are the ones the downs were expected to
    // drop, and verify passes (was: "missing", exit 3 after a correct undo).
    const undoAll = await cli(['undo', '--to', '20250401090000_create_customer_and_billing', '--yes', '--accept-data-loss', '--backup', 'tables', '--json', ...args]);
    expect(undoAll.exitCode, undoAll.stdout + undoAll.stderr).toBe(0);
    expect(await one(url, `SELECT count(*) FROM pg_namespace WHERE nspname = 'Sales.EU'`)).toBe('0');
    expect(await one(url, `SELECT to_regclass('"Tag""s.v2"')::text`)).toBeNull();
    expect((await query<{ t: string }>(url, `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname IN ('public', 'billing') ORDER BY 1`)).map((r) => r.t)).toEqual(['billing."Invoice"', 'public."Customer"', 'public.schema_migrations']);

    // drill: round trips, the latest backup, PITR, in a local cluster.
    const drill = await cli(['drill', 'all', '--provider', 'local', '--json', ...args]);
    expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
    expect(drill.json<{ ok: boolean; scenarios: Array<{ name: string; status: string }> }>().scenarios.map((s) => [s.name, s.status])).toEqual([['migrations', 'pass'], ['restore', 'pass'], ['pitr', 'pass']]);
  }, 900_000);
});

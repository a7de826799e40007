import { describe, expect, it } from 'vitest';
import { judgedByCatalog } from '../../../src/classify/catalog-decides.js';
import { classifySql } from '../../../src/classify/classify-sql.js';
import type { SchemaDiff } from '../../../src/db/schema/diff.js';

/** What Sequelize's changeColumn sends for { type: STRING(1024), allowNull: false }. */
const TRIPLE = 'ALTER TABLE "hooks" ALTER COLUMN "url" SET NOT NULL;ALTER TABLE "hooks" ALTER COLUMN "url" DROP DEFAULT;ALTER TABLE "hooks" ALTER COLUMN "url" TYPE VARCHAR(1024);';

const widenedOnly: SchemaDiff = {
  identical: false,
  changes: [{ kind: 'column', object: 'public.hooks.url', change: 'altered', detail: 'type', before: 'character varying(255)', after: 'character varying(1024)' }],
};

const rules = (c: { statements: Array<{ findings: Array<{ rule: string }> }> }) => c.statements.flatMap((s) => s.findings.map((f) => f.rule));

describe('judgedByCatalog: the catalog decides findings about the catalog', () => {
  it('a changeColumn triple that only widened a varchar is not breaking and rewrote nothing', async () => {
    const parsed = await classifySql(TRIPLE);
    expect(parsed).toMatchObject({ compatibility: 'breaking', rewritesTable: true });
    const { classification, overruled } = judgedByCatalog(parsed, widenedOnly);
    expect(classification).toMatchObject({ compatibility: 'additive', dataLoss: 'none', rewritesTable: false });
    expect(rules(classification)).toEqual([]);
    expect(overruled.map((o) => o.rule).sort()).toEqual(['change-column-type', 'drop-default', 'narrowing-column-type', 'set-not-null']);
    expect(overruled.find((o) => o.rule === 'drop-default')!.why).toBe('the default of public.hooks.url did not change (it had none)');
  });

  it('keeps what the catalog confirms: a default really dropped, a real rewrite, a narrowing', async () => {
    const parsed = await classifySql(TRIPLE);
    const diff: SchemaDiff = {
      identical: false,
      changes: [
        { kind: 'column', object: 'public.hooks.url', change: 'altered', detail: 'default', before: "'x'::character varying", after: null },
        { kind: 'column', object: 'public.hooks.url', change: 'altered', detail: 'type', before: 'character varying(2048)', after: 'character varying(1024)' },
        { kind: 'table', object: 'public.hooks', change: 'rewritten', detail: 'relfilenode', before: 1, after: 2 },
      ],
    };
    const { classification, overruled } = judgedByCatalog(parsed, diff);
    expect(rules(classification).sort()).toEqual(['change-column-type', 'drop-default', 'narrowing-column-type']);
    expect(overruled.map((o) => o.rule)).toEqual(['set-not-null']);
    expect(classification).toMatchObject({ compatibility: 'breaking', rewritesTable: true });
  });

  /** What Knex 3 sends for `table.string('name').notNullable().alter()` on a nullable varchar(255) without a default. */
  const KNEX_ALTER =
    'alter table "t" alter column "name" drop default;alter table "t" alter column "name" drop not null;alter table "t" alter column "name" type varchar(255) using ("name"::varchar(255));alter table "t" alter column "name" set not null;';

  it("Knex's .alter() restating a column only to make it NOT NULL: no value rewritten, no NOT NULL dropped (was: data loss rewrite, irreversible)", async () => {
    const parsed = await classifySql(KNEX_ALTER);
    expect(parsed).toMatchObject({ dataLoss: 'rewrite' });
    const diff: SchemaDiff = { identical: false, changes: [{ kind: 'column', object: 'public.t.name', change: 'altered', detail: 'notNull', before: false, after: true }] };
    const { classification, overruled } = judgedByCatalog(parsed, diff);
    expect(classification).toMatchObject({ compatibility: 'breaking', dataLoss: 'none', reversible: true });
    expect(rules(classification)).toEqual(['set-not-null']);
    expect(overruled.find((o) => o.rule === 'lossy-type-change')!.why).toBe('the type of public.t.name did not change and public.t was not rewritten (same relfilenode): no stored value was converted');
    expect(overruled.find((o) => o.rule === 'drop-not-null')!.why).toBe('public.t.name ended NOT NULL (it was nullable before)');
  });

  it("Knex's .alter() restating a default (dropped, then set again): the column still has one, so the previous app's inserts are fine", async () => {
    const parsed = await classifySql('alter table "t" alter column "n" drop default;alter table "t" alter column "n" type bigint using ("n"::bigint);alter table "t" alter column "n" set default \'1\';');
    const diff: SchemaDiff = {
      identical: false,
      changes: [
        { kind: 'column', object: 'public.t.n', change: 'altered', detail: 'type', before: 'integer', after: 'bigint' },
        { kind: 'column', object: 'public.t.n', change: 'altered', detail: 'default', before: '1', after: "'1'::bigint" },
        { kind: 'table', object: 'public.t', change: 'rewritten', detail: 'relfilenode', before: 1, after: 2 },
      ],
    };
    const { classification, overruled } = judgedByCatalog(parsed, diff);
    expect(overruled.find((o) => o.rule === 'drop-default')!.why).toBe("public.t.n still has a default ('1'::bigint): it was set again");
    expect(rules(classification)).toEqual(['change-column-type']);
    expect(classification).toMatchObject({ compatibility: 'additive', dataLoss: 'none', rewritesTable: true });
  });

  it("Knex's .alter() narrowing an integer (USING a plain cast, the table rewritten): every value fit or the migration failed, so no rewrite of values; a varchar narrowing (an explicit cast truncates) or another USING stays one", async () => {
    const rewrittenTo = (before: string, after: string): SchemaDiff => ({
      identical: false,
      changes: [
        { kind: 'column', object: 'public.classes.capacity', change: 'altered', detail: 'type', before, after },
        { kind: 'table', object: 'public.classes', change: 'rewritten', detail: 'relfilenode', before: 1, after: 2 },
      ],
    });
    const narrowed = judgedByCatalog(await classifySql('alter table "classes" alter column "capacity" type smallint using ("capacity"::smallint);'), rewrittenTo('integer', 'smallint'));
    expect(narrowed.classification.dataLoss).toBe('none');
    expect(rules(narrowed.classification)).toContain('narrowing-column-type');
    expect(narrowed.overruled.find((o) => o.rule === 'lossy-type-change')!.why).toBe('integer → smallint through a plain cast keeps every value or fails: the migration ran, so no value of public.classes.capacity was changed');
    const halved = judgedByCatalog(await classifySql('alter table "classes" alter column "capacity" type smallint using ("capacity" / 2);'), rewrittenTo('integer', 'smallint'));
    expect(halved.classification.dataLoss).toBe('rewrite');
    const truncated = judgedByCatalog(await classifySql('alter table "classes" alter column "capacity" type varchar(2) using ("capacity"::varchar(2));'), rewrittenTo('character varying(10)', 'character varying(2)'));
    expect(truncated.classification.dataLoss).toBe('rewrite');
  });

  it('a USING that converted values (the table rewritten) stays a rewrite', async () => {
    const parsed = await classifySql('alter table "t" alter column "name" type varchar(255) using (lower("name"));');
    const diff: SchemaDiff = { identical: false, changes: [{ kind: 'table', object: 'public.t', change: 'rewritten', detail: 'relfilenode', before: 1, after: 2 }] };
    const { classification, overruled } = judgedByCatalog(parsed, diff);
    expect(rules(classification)).toContain('lossy-type-change');
    expect(classification.dataLoss).toBe('rewrite');
    expect(overruled.map((o) => o.rule)).not.toContain('lossy-type-change');
  });
});

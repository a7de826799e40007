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
});

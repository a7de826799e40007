import { beforeAll, describe, expect, it } from 'vitest';
import { initParser } from '../../../src/sql/parser.js';
import { reconcile } from '../../../src/classify/reconcile.js';
import type { SchemaDiff } from '../../../src/db/schema/diff.js';

beforeAll(async () => {
  await initParser();
});

const additive = { compatibility: 'additive', dataLoss: 'none', reversible: null, rewritesTable: false } as const;

describe('reconcile', () => {
  it('takes the worse of static and catalog, and says what the statements missed', () => {
    const diff: SchemaDiff = {
      identical: false,
      changes: [
        { kind: 'column', object: 'public.users.email', change: 'removed', detail: 'text' },
        { kind: 'table', object: 'public.orders', change: 'rewritten', detail: 'relfilenode', before: 1, after: 2 },
      ],
    };
    const r = reconcile(additive, diff);
    expect(r).toMatchObject({ compatibility: 'breaking', dataLoss: 'destructive', reversible: false, rewritesTable: true });
    expect(r.disagreements).toEqual([
      expect.stringMatching(/^the catalog shows breaking changes the statements did not: breaking: column public.users.email removed/),
      expect.stringMatching(/^the catalog shows data loss the statements did not/),
      expect.stringMatching(/^the catalog shows a table rewrite the statements did not/),
    ]);
  });

  it('ignores changes inside tables the migration created, and agrees when both say the same', () => {
    const diff: SchemaDiff = {
      identical: false,
      changes: [
        { kind: 'table', object: 'public.coupons', change: 'added', detail: 'table' },
        { kind: 'constraint', object: 'public.coupons.coupons_pkey', change: 'added', detail: '' },
      ],
    };
    expect(reconcile({ ...additive, reversible: true }, diff)).toMatchObject({ compatibility: 'additive', reversible: true, disagreements: [] });
  });

  it('notes a static "breaking" the catalog does not show (row-level effects are invisible to it)', () => {
    const r = reconcile({ compatibility: 'breaking', dataLoss: 'none', reversible: true, rewritesTable: false }, { identical: true, changes: [] });
    expect(r.compatibility).toBe('breaking');
    expect(r.disagreements).toEqual([expect.stringMatching(/static analysis judged a change breaking/)]);
  });
});

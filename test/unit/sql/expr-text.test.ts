/**
 * exprText writes a CHECK's condition back as SQL that PostgreSQL's parser
 * reads as the same tree, every name and literal quoted anew; a form it does
 * not write (a subquery, CASE) gives undefined, never a guess.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { alterCmds, as } from '../../../src/sql/ast.js';
import { exprText } from '../../../src/sql/expr-text.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';

beforeAll(() => initParser());

function condition(check: string): unknown {
  const node = parseSql(`ALTER TABLE t ADD CONSTRAINT c CHECK (${check})`).statements[0]!.node;
  return as(alterCmds(node)[0]!.def, 'Constraint')!.raw_expr;
}

/** The tree without positions. */
const shape = (tree: unknown): unknown => JSON.parse(JSON.stringify(tree, (k, v: unknown) => (k === 'location' ? undefined : v)));

describe('exprText', () => {
  it('writes the forms CHECKs take so that they parse back to the same tree', () => {
    for (const check of [
      "status IN ('new', 'paid')",
      "status NOT IN ('void')",
      "(status)::text = ANY ((ARRAY['new'::character varying, 'it''s'::character varying])::text[])",
      'price >= 0 AND price < 1000.50 OR price IS NULL',
      'NOT (a = b)',
      'char_length(name) <= 255',
      'lower(email) = email',
      'qty BETWEEN 1 AND 99',
      'qty NOT BETWEEN -5 AND 0',
      "code LIKE 'A%'",
      "code NOT ILIKE 'x%'",
      "email ~ '^[^@]+@[^@]+$'",
      'flag = true',
      'x::numeric(10, 2) > 0',
      '"Weird Col" <> 0',
      'a - b >= 0',
    ]) {
      const tree = condition(check);
      const text = exprText(tree);
      expect(text, check).toBeDefined();
      expect(shape(condition(text!)), `${check} → ${text}`).toEqual(shape(tree));
    }
  });

  it('quotes names and literals: a quote inside a literal or an identifier stays inside it', () => {
    expect(exprText(condition(`"a""b" = 'x'' OR 1=1 --'`))).toBe(`("a""b" = 'x'' OR 1=1 --')`);
  });

  it('gives undefined for forms it does not write', () => {
    expect(exprText(condition('(SELECT count(*) FROM u) > 0'))).toBeUndefined();
    expect(exprText(condition("CASE WHEN a THEN b ELSE c END"))).toBeUndefined();
    expect(exprText(condition('a IS DISTINCT FROM b'))).toBeUndefined();
  });
});

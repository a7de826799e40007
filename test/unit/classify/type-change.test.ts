import { beforeAll, describe, expect, it } from 'vitest';
import { parseTypeText } from '../../../src/classify/classify-sql.js';
import { initParser } from '../../../src/sql/parser.js';
import { compareTypes } from '../../../src/classify/type-change.js';

beforeAll(async () => {
  await initParser();
});

const cmp = (from: string, to: string) => compareTypes(parseTypeText(from), parseTypeText(to)!);

describe('compareTypes', () => {
  it.each([
    ['character varying(20)', 'character varying(50)', { coercible: true, widening: true, lossy: false }],
    ['character varying(50)', 'character varying(20)', { coercible: false, widening: false }],
    ['character varying(50)', 'text', { coercible: true, widening: true }],
    ['text', 'character varying', { coercible: true, widening: true }],
    ['text', 'character varying(10)', { coercible: false, widening: false }],
    ['numeric(10,2)', 'numeric(12,2)', { coercible: true, widening: true, lossy: false }],
    ['numeric(10,2)', 'numeric(10,1)', { widening: false, lossy: true }],
    ['numeric(10,2)', 'numeric', { coercible: true, widening: true }],
    ['integer', 'bigint', { coercible: false, widening: true, lossy: false }],
    ['bigint', 'integer', { widening: false }],
    ['timestamp without time zone', 'timestamp with time zone', { coercible: false, widening: true }],
    ['timestamp with time zone', 'date', { widening: false, lossy: true }],
    ['timestamp(6) with time zone', 'timestamp(3) with time zone', { lossy: true }],
    ['text', 'integer', { widening: false, lossy: true }],
    ['cidr', 'inet', { coercible: true, widening: true }],
    ['integer[]', 'integer', { widening: false }],
  ])('%s → %s', (from, to, expected) => {
    expect(cmp(from, to)).toMatchObject({ known: true, ...expected });
  });

  it('without the old type, only changes to catch-all types count as widening', () => {
    expect(compareTypes(undefined, parseTypeText('text')!)).toMatchObject({ known: false, widening: true, coercible: false });
    expect(compareTypes(undefined, parseTypeText('varchar(10)')!)).toMatchObject({ known: false, widening: false });
  });
});

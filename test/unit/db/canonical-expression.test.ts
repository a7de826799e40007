import { describe, expect, it } from 'vitest';
import { canonicalExpression } from '../../../src/db/schema/canonical-expression.js';

describe('canonicalExpression', () => {
  it('rewrites a cast array of cast literals as parsing it again gives (quotes, several arrays)', () => {
    expect(canonicalExpression("CHECK (((state)::text = ANY ((ARRAY['open'::character varying, 'it''s'::character varying])::text[])))")).toBe(
      "CHECK (((state)::text = ANY (ARRAY[('open'::character varying)::text, ('it''s'::character varying)::text])))",
    );
    expect(canonicalExpression("((a)::text = ANY ((ARRAY['x'::character varying])::text[])) AND ((b)::text = ANY ((ARRAY['y, z'::character varying, 'w'::character varying])::text[]))")).toBe(
      "((a)::text = ANY (ARRAY[('x'::character varying)::text])) AND ((b)::text = ANY (ARRAY[('y, z'::character varying)::text, ('w'::character varying)::text]))",
    );
  });

  it('leaves every other shape as it is', () => {
    for (const text of [
      "CHECK (((state)::text = ANY (ARRAY[('open'::character varying)::text, ('paid'::character varying)::text])))",
      '(x = ANY (ARRAY[1, 2]))',
      "(status = ANY (ARRAY['a'::mood, 'b'::mood]))",
      "((ARRAY[lower(name), 'x'::text])::text[] && tags)",
      "(ARRAY['a'::text, 'b'::text])",
    ]) expect(canonicalExpression(text)).toBe(text);
  });
});

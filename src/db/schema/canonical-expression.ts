/**
 * PostgreSQL's deparsed expressions (pg_get_constraintdef, pg_get_indexdef,
 * pg_get_viewdef) are not always what parsing them again gives back. The
 * common case: a `varchar` column compared with a list (`state IN ('open',
 * 'paid')`, how Knex's enu, Rails and Django write an enum-like CHECK) reads
 *
 *   (state)::text = ANY ((ARRAY['open'::character varying, 'paid'::character varying])::text[])
 *
 * and that text, parsed again — by pg_restore after pg_dump, by a table
 * recovery — becomes
 *
 *   (state)::text = ANY (ARRAY[('open'::character varying)::text, ('paid'::character varying)::text])
 *
 * The same constraint, the same rows allowed. Schema comparisons read both
 * in the second form, so a database restored from a logical backup is not
 * "different" from the schema recorded before it was dumped.
 */

/** The expression with every cast array of cast literals in the form parsing it again gives. */
export function canonicalExpression(text: string): string {
  if (!text.includes('(ARRAY[')) return text;
  let out = '';
  let from = 0;
  for (;;) {
    const start = text.indexOf('(ARRAY[', from);
    if (start < 0) break;
    const rewritten = castArrayAt(text, start);
    if (rewritten === null) {
      out += text.slice(from, start + 1);
      from = start + 1;
      continue;
    }
    out += text.slice(from, start) + rewritten.text;
    from = rewritten.end;
  }
  return out + text.slice(from);
}

/** `'it''s'::character varying`: a quoted literal and its cast's type (no comma, bracket or parenthesis in it). */
const ELEMENT = /^'(?:[^']|'')*'::[A-Za-z_"][A-Za-z0-9_ ."]*/;
/** `)::text[]` after the closing bracket. */
const CAST = /^\)::([A-Za-z_"][A-Za-z0-9_ ."]*)\[\]/;

/** `(ARRAY[e1, e2])::T[]` at `start` as `ARRAY[(e1)::T, (e2)::T]`, or null when it is not that shape. */
function castArrayAt(text: string, start: number): { text: string; end: number } | null {
  let at = start + '(ARRAY['.length;
  const elements: string[] = [];
  for (;;) {
    const m = ELEMENT.exec(text.slice(at));
    if (!m) return null;
    elements.push(m[0].trimEnd());
    at += m[0].length;
    if (text.startsWith(', ', at)) {
      at += 2;
      continue;
    }
    if (text[at] !== ']') return null;
    at += 1;
    break;
  }
  const cast = CAST.exec(text.slice(at));
  if (!cast) return null;
  const type = cast[1]!;
  return { text: `ARRAY[${elements.map((e) => `(${e})::${type}`).join(', ')}]`, end: at + cast[0].length };
}

/**
 * What changing a column from one type to another does: whether PostgreSQL
 * can skip the table rewrite (binary-coercible), whether every old value fits
 * the new type (widening), and whether values are altered on the way (lossy).
 * Statically the old type is often unknown; callers that have the catalog
 * (plan, drills) pass it in and get exact answers.
 */
import type { TypeInfo } from '../sql/ast.js';

export interface TypeChange {
  /** The old type was known. */
  known: boolean;
  /** PostgreSQL keeps the table as is (no rewrite, indexes may still be rebuilt). */
  coercible: boolean;
  /** Every value of the old type is representable unchanged in the new one. */
  widening: boolean;
  /** Some values are changed by the conversion (rounding, truncation, time-zone reinterpretation). */
  lossy: boolean;
}

const INT_RANK: Record<string, number> = { int2: 1, int4: 2, int8: 3 };
const TEXTLIKE = new Set(['text', 'varchar']);

/** Types any value converts to without a failure: judged widening even when the old type is unknown. */
const WIDE_TARGETS = new Set(['text', 'int8', 'numeric', 'float8', 'jsonb']);

export function compareTypes(from: TypeInfo | undefined, to: TypeInfo): TypeChange {
  if (!from) {
    const wide = !to.array && WIDE_TARGETS.has(to.name) && (to.mods === null || to.mods.length === 0);
    const unboundedText = to.name === 'varchar' && to.mods !== null && to.mods.length === 0;
    return { known: false, coercible: false, widening: wide || unboundedText, lossy: false };
  }
  if (from.array !== to.array) return { known: true, coercible: false, widening: false, lossy: true };
  const fm = from.mods ?? [];
  const tm = to.mods ?? [];
  if (from.name === to.name) {
    if (from.name === 'varchar' || from.name === 'bpchar' || from.name === 'varbit' || from.name === 'bit') {
      const fl = fm[0];
      const tl = tm[0];
      const grows = tl === undefined || (fl !== undefined && tl >= fl);
      return { known: true, coercible: grows && from.name !== 'bpchar', widening: grows, lossy: false };
    }
    if (from.name === 'numeric') {
      const [fp, fs = 0] = fm;
      const [tp, ts = 0] = tm;
      if (tp === undefined) return { known: true, coercible: true, widening: true, lossy: false };
      if (fp === undefined) return { known: true, coercible: false, widening: false, lossy: true };
      const coercible = ts === fs && tp >= fp;
      return { known: true, coercible, widening: tp - ts >= fp - fs && ts >= fs, lossy: ts < fs };
    }
    if (['timestamp', 'timestamptz', 'time', 'timetz', 'interval'].includes(from.name)) {
      const fpz = fm[0] ?? 6;
      const tpz = tm[0] ?? 6;
      return { known: true, coercible: tpz >= fpz, widening: tpz >= fpz, lossy: tpz < fpz };
    }
    return { known: true, coercible: true, widening: true, lossy: false };
  }
  if (TEXTLIKE.has(from.name) && TEXTLIKE.has(to.name)) {
    const unbounded = to.name === 'text' || tm.length === 0;
    return { known: true, coercible: unbounded, widening: unbounded, lossy: false };
  }
  if (from.name === 'bpchar' && TEXTLIKE.has(to.name)) return { known: true, coercible: false, widening: true, lossy: true };
  if (from.name === 'cidr' && to.name === 'inet') return { known: true, coercible: true, widening: true, lossy: false };
  const fi = INT_RANK[from.name];
  const ti = INT_RANK[to.name];
  if (fi !== undefined && ti !== undefined) return { known: true, coercible: false, widening: ti >= fi, lossy: false };
  if (fi !== undefined && to.name === 'numeric') return { known: true, coercible: false, widening: true, lossy: false };
  if (from.name === 'float4' && to.name === 'float8') return { known: true, coercible: false, widening: true, lossy: false };
  if (from.name === 'float8' && to.name === 'float4') return { known: true, coercible: false, widening: false, lossy: true };
  if (from.name === 'json' && to.name === 'jsonb') return { known: true, coercible: false, widening: true, lossy: true };
  if (from.name === 'timestamp' && to.name === 'timestamptz') return { known: true, coercible: false, widening: true, lossy: false };
  if (from.name === 'timestamptz' && (to.name === 'timestamp' || to.name === 'date')) return { known: true, coercible: false, widening: false, lossy: true };
  if (from.name === 'timestamp' && to.name === 'date') return { known: true, coercible: false, widening: false, lossy: true };
  if (to.name === 'text' || (to.name === 'varchar' && tm.length === 0)) return { known: true, coercible: false, widening: true, lossy: false };
  // Anything else changes the value domain (text → int, int → bool, enum swaps ...).
  return { known: true, coercible: false, widening: false, lossy: true };
}

/**
 * `USING col::newtype` (or `CAST(col AS newtype)`, or `USING col`) is the
 * conversion PostgreSQL applies anyway: it changes no value beyond what the
 * type change itself does, so it is judged as if no USING were written.
 */
export function isPlainUsing(using: unknown, column: string, to: TypeInfo, typeOf: (typeName: unknown) => TypeInfo | undefined): boolean {
  if (using === undefined || using === null) return true;
  const node = using as Record<string, Record<string, unknown> | undefined>;
  const cast = node.TypeCast;
  const target = cast ? cast.arg : using;
  const ref = (target as Record<string, Record<string, unknown> | undefined> | undefined)?.ColumnRef;
  const fields = (ref?.fields as Array<{ String?: { sval?: string } }> | undefined) ?? [];
  if (fields.at(-1)?.String?.sval !== column) return false;
  if (!cast) return true;
  const castTo = typeOf(cast.typeName);
  return castTo !== undefined && castTo.text === to.text;
}

/**
 * `USING col::text::new_enum` onto an enum the same file created (Prisma's value-removal dance, an enum rebuilt by
 * hand): each value keeps its label, or the statement fails on one the new type lacks — no value is changed.
 */
export function isRelabelIntoEnum(using: unknown, column: string, enumKey: string | undefined, createdEnum: (key: string) => boolean): boolean {
  if (!enumKey || !createdEnum(enumKey)) return false;
  const outer = (using as Record<string, Record<string, unknown> | undefined> | null | undefined)?.TypeCast;
  const inner = (outer?.arg as Record<string, Record<string, unknown> | undefined> | undefined)?.TypeCast;
  const ref = (inner?.arg as Record<string, Record<string, unknown> | undefined> | undefined)?.ColumnRef;
  const fields = (ref?.fields as Array<{ String?: { sval?: string } }> | undefined) ?? [];
  const viaText = (inner?.typeName as { names?: Array<{ String?: { sval?: string } }> } | undefined)?.names?.map((n) => n.String?.sval).at(-1);
  return fields.at(-1)?.String?.sval === column && (viaText === 'text' || viaText === 'varchar');
}

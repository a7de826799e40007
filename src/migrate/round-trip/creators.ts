/**
 * Which earlier migration created an object, read from the earlier ups' SQL
 * (as the tool would run it, where that can be known without running it):
 * the first up whose CREATE / ALTER ... ADD names it. Unknown (null) when no
 * readable up does — a name PostgreSQL generated, or a code migration.
 */
import { creates, type ObjectRef } from '../../sql/creates.js';
import { parsedSqlOf } from '../../tools/parsed-sql.js';
import type { MigrationInfo, MigratorAdapter } from '../../tools/contract.js';

/** object key → creating migration, for every ref whose creator is found among `earlier` (oldest first). */
export async function findCreators(adapter: Pick<MigratorAdapter, 'sqlOf'>, earlier: readonly MigrationInfo[], refs: readonly ObjectRef[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const wanted = refs.filter((r) => r.kind !== 'grant' && r.kind !== 'extension');
  if (wanted.length === 0) return out;
  for (const m of earlier) {
    if (out.size === wanted.length) break;
    const statements = await parsedSqlOf(adapter, m.name, 'up');
    if (statements === null) continue;
    for (const ref of wanted) {
      const key = refKey(ref);
      if (!out.has(key) && statements.some((s) => creates(s, ref))) out.set(key, m.name);
    }
  }
  return out;
}

export function refKey(ref: ObjectRef): string {
  return `${ref.kind}:${ref.object}`;
}

/**
 * Which earlier migration created an object, read from the earlier ups' SQL
 * (as the tool would run it, where that can be known without running it):
 * the first up whose CREATE / ALTER ... ADD names it. Unknown (null) when no
 * readable up does — a name PostgreSQL generated, or a code migration.
 */
import type { SchemaChangeKind } from '../../db/schema/diff.js';
import { as, list, names, str } from '../../sql/ast.js';
import { initParser, parseSql, type ParsedStatement } from '../../sql/parser.js';
import type { MigrationInfo, MigratorAdapter } from '../../tools/contract.js';

export interface ObjectRef {
  kind: SchemaChangeKind;
  object: string;
}

/** object key → creating migration, for every ref whose creator is found among `earlier` (oldest first). */
export async function findCreators(adapter: Pick<MigratorAdapter, 'sqlOf'>, earlier: readonly MigrationInfo[], refs: readonly ObjectRef[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const wanted = refs.filter((r) => r.kind !== 'grant' && r.kind !== 'extension');
  if (wanted.length === 0) return out;
  await initParser();
  for (const m of earlier) {
    if (out.size === wanted.length) break;
    const sql = await adapter.sqlOf(m.name, 'up').catch(() => null);
    if (!sql || sql.source === 'unknown' || sql.sql.trim() === '') continue;
    let statements: ParsedStatement[];
    try {
      statements = parseSql(sql.sql, sql.path ?? m.name).statements;
    } catch {
      continue;
    }
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

/** Whether a statement creates (or adds) the object. */
export function creates(stmt: ParsedStatement, ref: ObjectRef): boolean {
  const parts = ref.object.split('.');
  const node = stmt.node;
  switch (ref.kind) {
    case 'index':
      return stmt.kind === 'IndexStmt' && str(node.idxname) === parts.at(-1);
    case 'table':
    case 'view':
    case 'sequence': {
      const rv = (node.relation ?? node.view ?? node.sequence ?? as(node.into, 'IntoClause')?.rel ?? (node.into as Record<string, unknown> | undefined)?.rel) as Record<string, unknown> | undefined;
      const created = ['CreateStmt', 'ViewStmt', 'CreateSeqStmt', 'CreateTableAsStmt'].includes(stmt.kind);
      return created && str(rv?.relname) === parts[1] && (str(rv?.schemaname) ?? 'public') === parts[0];
    }
    case 'column': {
      const table = str((node.relation as Record<string, unknown> | undefined)?.relname);
      if (table !== parts[1]) return false;
      if (stmt.kind === 'CreateStmt') return list(node.tableElts).some((e) => str(as(e, 'ColumnDef')?.colname) === parts[2]);
      if (stmt.kind === 'AlterTableStmt') {
        return list(node.cmds).some((c) => {
          const cmd = as(c, 'AlterTableCmd');
          return str(cmd?.subtype) === 'AT_AddColumn' && str(as(cmd?.def, 'ColumnDef')?.colname) === parts[2];
        });
      }
      return false;
    }
    case 'constraint':
      return (stmt.kind === 'CreateStmt' || stmt.kind === 'AlterTableStmt' || stmt.kind === 'CreateDomainStmt' || stmt.kind === 'AlterDomainStmt') && JSON.stringify(node).includes(`"conname":${JSON.stringify(parts.at(-1))}`);
    case 'trigger':
      return stmt.kind === 'CreateTrigStmt' && str(node.trigname) === parts.at(-1);
    case 'enum':
      return stmt.kind === 'CreateEnumStmt' && names(node.typeName).at(-1) === parts.at(-1);
    case 'domain':
      return stmt.kind === 'CreateDomainStmt' && names(node.domainname).at(-1) === parts.at(-1);
    case 'function':
      return stmt.kind === 'CreateFunctionStmt' && names(node.funcname).at(-1) === ref.object.slice(ref.object.indexOf('.') + 1, ref.object.indexOf('('));
    case 'schema':
      return stmt.kind === 'CreateSchemaStmt' && str(node.schemaname) === ref.object;
    default:
      return false;
  }
}

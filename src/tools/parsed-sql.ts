/**
 * A migration's statements as its tool would send them, parsed without running anything: where the tool
 * can give the SQL (its files, or what a code migration sent when captured). null when it cannot be had
 * (code whose SQL is only known by running it), is empty, or does not parse: the callers then know nothing
 * of it, and say nothing of it.
 */
import { initParser, parseSql, type ParsedStatement } from '../sql/parser.js';
import type { MigratorAdapter } from './contract.js';

export async function parsedSqlOf(adapter: Pick<MigratorAdapter, 'sqlOf'>, name: string, direction: 'up' | 'down'): Promise<ParsedStatement[] | null> {
  const sql = await adapter.sqlOf(name, direction).catch(() => null);
  if (!sql || sql.source === 'unknown' || sql.sql.trim() === '') return null;
  await initParser();
  try {
    return parseSql(sql.sql, sql.path ?? name).statements;
  } catch {
    return null;
  }
}

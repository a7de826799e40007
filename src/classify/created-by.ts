/**
 * The objects statements create (`table:public.t`, `column:public.t.c`,
 * `index:public.i`, ...), as a file's state records them while it is
 * classified: SQL read after them that writes only into these changes no
 * value that existed before them (a column added by one migration and
 * backfilled by the next).
 */
import type { ParsedStatement } from '../sql/parser.js';
import { FileState, type ObjectKey } from './file-state.js';

export function createdBy(statements: readonly ParsedStatement[]): ObjectKey[] {
  const state = new FileState();
  for (const stmt of statements) state.record(stmt);
  return state.createdKeys();
}

/**
 * Statements of an SQL migration file, found with the real PostgreSQL parser:
 * where each one starts and ends (a file that cannot run in a transaction
 * must be sent one statement at a time — a multi-statement simple query is an
 * implicit transaction), and whether any of them refuses a transaction block.
 */
import { initParser, parseTree } from '../../sql/parser.js';
import { DbrollbackError } from '../../errors.js';

/** `-- dbrollback:no-transaction` on a line of its own: run this file outside a transaction. */
export const NO_TRANSACTION_MARKER = /^\s*--\s*dbrollback:no-transaction\s*$/im;

export interface ParsedSql {
  /** Each statement's text, in order. */
  statements: string[];
  /** Why the file cannot run inside a transaction block, or null when it can. */
  noTransactionReason: string | null;
  /**
   * Whether the file mixes statements PostgreSQL refuses in a transaction
   * block with statements it allows there (Flyway's `mixed` setting decides
   * whether such a file may run): the first refused statement, else null.
   */
  mixedWith: string | null;
}

/** Parse a migration file; a syntax error is bad input (exit 2) naming the file. */
export async function parseSqlFile(text: string, file: string, serverMajor: number): Promise<ParsedSql> {
  await initParser();
  let tree: { stmts?: Array<{ stmt: Record<string, Record<string, unknown>>; stmt_location?: number; stmt_len?: number }> };
  try {
    tree = parseTree(text) as typeof tree;
  } catch (cause) {
    throw new DbrollbackError('SQL_SYNTAX', `${file}: ${(cause as Error).message}`, {
      hint: 'Fix the SQL in the file named above; nothing was run.',
      cause,
    });
  }
  // The parser reports byte offsets into the UTF-8 text.
  const bytes = Buffer.from(text, 'utf8');
  const statements: string[] = [];
  let reason: string | null = NO_TRANSACTION_MARKER.test(text) ? 'it is marked -- dbrollback:no-transaction' : null;
  let refused: string | null = null;
  let allowed = false;
  for (const entry of tree.stmts ?? []) {
    const start = entry.stmt_location ?? 0;
    const end = entry.stmt_len ? start + entry.stmt_len : bytes.length;
    const sql = bytes.subarray(start, end).toString('utf8').trim();
    statements.push(sql);
    const blocker = transactionBlocker(entry.stmt, serverMajor);
    reason ??= blocker;
    if (blocker !== null && !('TransactionStmt' in entry.stmt)) refused ??= sql;
    else if (blocker === null) allowed = true;
  }
  return { statements: statements.filter((s) => s !== ''), noTransactionReason: reason, mixedWith: refused !== null && allowed ? refused : null };
}

/** The statements PostgreSQL refuses inside a transaction block (PreventInTransactionBlock). */
function transactionBlocker(stmt: Record<string, Record<string, unknown>>, serverMajor: number): string | null {
  const [type, node] = Object.entries(stmt)[0] ?? [];
  if (type === undefined || node === undefined) return null;
  switch (type) {
    case 'IndexStmt':
      return node.concurrent ? 'it runs CREATE INDEX CONCURRENTLY' : null;
    case 'DropStmt':
      return node.concurrent ? 'it runs DROP INDEX CONCURRENTLY' : null;
    case 'ReindexStmt': {
      const params = (node.params as Array<{ DefElem?: { defname?: string } }> | undefined) ?? [];
      return params.some((p) => p.DefElem?.defname === 'concurrently') ? 'it runs REINDEX CONCURRENTLY' : null;
    }
    case 'VacuumStmt':
      return node.is_vacuumcmd ? 'it runs VACUUM' : null;
    case 'AlterEnumStmt':
      // ALTER TYPE ... ADD VALUE may run in a transaction block since PostgreSQL 12.
      return node.newVal !== undefined && serverMajor < 12 ? 'it runs ALTER TYPE ... ADD VALUE (PostgreSQL < 12)' : null;
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
    case 'AlterSystemStmt':
      return `it runs ${type.replace(/Stmt$/, '')}`;
    case 'TransactionStmt':
      return 'it controls transactions itself (BEGIN/COMMIT)';
    default:
      return null;
  }
}

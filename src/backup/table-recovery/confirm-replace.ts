/**
 * `--replace` swaps live tables for their recovered state: table recovery
 * (state at a point in time) and the restore of a partial backup (state in
 * the backup) ask the same question, before anything runs, and go on only
 * with --yes or a yes at the terminal.
 */
import type { ConnInfo } from '../../db/conninfo.js';
import { describeConn } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';

export interface ReplaceQuestion {
  /** The state the tables are brought back to: "at 2026-…" or "in backup ID". */
  state: string;
  /** What leaving out --replace does: "recover" or "restore" them side by side. */
  sideBySide: 'recover' | 'restore';
  /** What is cancelled at a no: "table recovery" or "restore". */
  run: string;
  /** The schema the live tables are kept in. */
  aside: string;
  yes?: boolean | undefined;
  confirm?: ((question: string) => Promise<boolean>) | undefined;
}

export async function confirmReplace(tables: readonly TableRef[], into: ConnInfo, q: ReplaceQuestion): Promise<void> {
  if (q.yes) return;
  const names = tables.map((t) => `${t.schema}.${t.table}`).join(', ');
  if (!q.confirm) {
    throw new DbrollbackError('CONFIRMATION_REQUIRED', `--replace swaps the live ${names} of ${describeConn(into)} for their state ${q.state}, and there is no terminal to confirm on`, {
      hint: `Pass --yes to replace them (the live tables are kept in schema ${q.aside}, after a verified backup), or leave out --replace to ${q.sideBySide} them side by side. Nothing was changed.`,
    });
  }
  if (!(await q.confirm(`Replace the live ${names} of ${describeConn(into)} with their state ${q.state}? (the live tables are kept in schema ${q.aside}, after a backup)`))) {
    throw new DbrollbackError('REFUSED', `${q.run} cancelled at the confirmation prompt`, { hint: 'Nothing was changed.' });
  }
}

/**
 * The refusal every adapter makes before touching anything: a selected
 * migration without a usable down cannot be undone by the tool. (umzug would
 * silently drop the record of a migration without `down`; node-pg-migrate
 * would fail halfway.) Shared so the message is the same for every tool.
 */
import { DbrollbackError } from '../errors.js';
import { hasUsableDown, type MigrationInfo } from './contract.js';

export function assertReversible(selection: readonly MigrationInfo[]): void {
  const blocked = selection.filter((m) => !hasUsableDown(m.down));
  if (blocked.length === 0) return;
  const lines = blocked.map((m) => `${m.name} (${downReason(m)})`);
  throw new DbrollbackError(
    'IRREVERSIBLE',
    `refusing to undo: ${blocked.length === 1 ? 'this migration has' : 'these migrations have'} no usable down migration: ${lines.join('; ')}. Nothing was changed.`,
    {
      // The selection is newest first; `--to X` keeps X applied, so the newest blocked one names exactly the migrations after it.
      hint: `${selection.indexOf(blocked[0]!) > 0 ? `Undo only the migrations after it (--to ${blocked[0]!.name}), or restore` : 'Restore'} from a backup taken before it (\`dbrollback plan\` shows the restore option).`,
      details: { migrations: blocked.map((m) => ({ name: m.name, down: m.down, path: m.path })) },
    },
  );
}

/** Why a migration cannot be undone, in the words status and plan use too. */
export function downReason(m: Pick<MigrationInfo, 'down' | 'downNote' | 'path'>): string {
  if (m.path === null && m.down === 'missing') return 'recorded as applied but its definition is not on disk';
  switch (m.down) {
    case 'irreversible':
      return m.downNote ? `irreversible: ${m.downNote}` : 'declared irreversible';
    case 'empty':
      return `empty: ${m.downNote ?? 'its down does nothing'}, so undoing it would only remove its history record`;
    case 'missing':
      return m.downNote ?? 'no down written';
    default:
      return m.downNote ?? 'has a down';
  }
}


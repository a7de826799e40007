/**
 * The refusal every adapter makes before touching anything: a selected
 * migration without a usable down cannot be undone by the tool. (umzug would
 * silently drop the record of a migration without `down`; node-pg-migrate
 * would fail halfway.) Shared so the message is the same for every tool.
 */
import { DbrollbackError } from '../errors.js';
import type { MigrationInfo } from './contract.js';

export function assertReversible(selection: readonly MigrationInfo[]): void {
  const blocked = selection.filter((m) => m.down === 'irreversible' || m.down === 'missing');
  if (blocked.length === 0) return;
  const lines = blocked.map((m) => `${m.name} (${reason(m)})`);
  throw new DbrollbackError(
    'IRREVERSIBLE',
    `refusing to undo: ${blocked.length === 1 ? 'this migration has' : 'these migrations have'} no usable down migration: ${lines.join('; ')}. Nothing was changed.`,
    {
      hint: 'Undo only the migrations after it (--to NAME), or restore from a backup taken before it (`dbrollback plan` shows the restore option).',
      details: { migrations: blocked.map((m) => ({ name: m.name, down: m.down, path: m.path })) },
    },
  );
}

function reason(m: MigrationInfo): string {
  if (m.path === null) return 'recorded as applied but its definition is not on disk';
  return m.down === 'irreversible' ? 'declared irreversible' : 'no down written';
}

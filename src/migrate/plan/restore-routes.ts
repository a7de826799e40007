/**
 * The ways back a `restore` plan offers, in the order to try them, each with
 * what it discards:
 *
 *   1. only the tables the migrations touched (their DDL targets and the
 *      tables their data statements wrote), recovered to the moment before the
 *      oldest one: `restore --before-migration X --tables … --into-database
 *      URL` — every later write to every other table is kept. Where no
 *      point-in-time restore can reach that moment, the same tables from the
 *      logical backup taken at the head before X (`… --backup auto --tables
 *      …`), which discards the writes to those tables since it was taken;
 *   2. the whole database: a logical backup, or the WAL archive to the same
 *      moment — every write since is discarded.
 *
 * The table route is offered for 1 to FEW_TABLES tables that all existed
 * before the migrations, and fewer than the database holds. Why at most
 * FEW_TABLES: `--replace` swaps the recovered tables in one transaction that
 * holds an ACCESS EXCLUSIVE lock on each and refuses any foreign key from a
 * table outside the set, and each recovered table is one more whose later
 * writes the on-call engineer has to weigh by hand. Past a handful of tables
 * both grow faster than what keeping the other tables' writes saves, and a
 * whole-database restore is the simpler, safer answer; the plan then says why
 * the table route is not offered.
 */
import type { TouchedTables } from './touched-tables.js';
import { shellQuote } from '../../backup/pitr/recovery-config.js';
import { formatNamePart, parseTableRefs } from '../../verify/baseline.js';
import { FEW_TABLES } from './touched-tables.js';

export interface RestoreRoute {
  route: 'tables' | 'whole-database';
  /** The command to run. */
  command: string;
  /** The same from the other source (the WAL archive when the command restores a logical backup), if any. */
  alternative: string | null;
  /** The tables it brings back (the table route); empty for the whole database. */
  tables: string[];
  /** What it throws away, in words. */
  discards: string;
  /**
   * The table route: why `--replace` is not offered — a touched table whose
   * definition the migrations changed (`schema.table: its definition was
   * changed by the migrations`), or a foreign key from a table outside the
   * set (`schema.table.constraint → schema.table`), which makes it refuse.
   */
  replaceBlockedBy: string[];
}

export interface RestoreRoutes {
  routes: RestoreRoute[];
  /** Why the table route is not among them, when it is not. */
  tableRouteNote: string | null;
}

export interface RouteInputs {
  /** The oldest migration being undone: the routes go back to the moment before it. */
  oldest: string;
  touched: TouchedTables | null;
  /** User tables the database holds now (the table route must leave some out to be worth it). */
  liveTables: number;
  /** The logical backup to restore (at the target head, else the newest taken before the oldest migration ran), if there is one. */
  backup: { backupId: string; createdAt: string; migrationHead?: string | null; atTargetHead?: boolean } | null;
  /** The head the rollback aims at (null: no migration applied); with the backup's head, says when they differ. */
  targetHead?: string | null;
  /** Foreign keys from other tables into the touched ones (read when the table route is offered). */
  inboundKeys?: readonly InboundKey[];
  /** Why no point-in-time restore can reach the moment before `oldest`, where the storage shows it (null: it may). */
  pitrUnreachable?: string | null;
}

export interface InboundKey {
  constraint: string;
  from: string;
  to: string;
}

export function restoreRoutes(input: RouteInputs): RestoreRoutes {
  const { oldest, touched } = input;
  const pitr = `dbrollback restore --before-migration ${oldest} --data-dir DIR`;
  // A point-in-time restore the storage shows cannot reach that moment is not offered as a way (it would be refused).
  const unreachable = input.pitrUnreachable ?? null;
  const whole: RestoreRoute = input.backup
    ? {
        route: 'whole-database',
        command: `dbrollback restore --backup ${input.backup.backupId}`,
        alternative: unreachable === null ? pitr : null,
        tables: [],
        replaceBlockedBy: [],
        discards: `every write to every table since backup ${input.backup.backupId} was taken (${input.backup.createdAt})${earlierHead(input.backup, input.targetHead)}${unreachable === null ? `; from the WAL archive (${pitr}), every write since just before ${oldest}` : ` (no point-in-time restore can reach the moment before ${oldest}: ${unreachable})`}`,
      }
    : {
        route: 'whole-database',
        command: pitr,
        // `--backup auto` finds the backup this plan looked for and did not find: it would be refused.
        alternative: null,
        tables: [],
        replaceBlockedBy: [],
        discards: `every write to every table since just before ${oldest}${unreachable === null ? '' : ` — but it cannot run: ${unreachable}, and no logical backup at the head before ${oldest} was found`}`,
      };
  const note = tableRouteNote(touched, input.liveTables);
  if (note !== null) return { routes: [whole], tableRouteNote: note };
  // The table route recovers the tables in a throwaway point-in-time restore: where none can reach the moment, it
  // restores them from the logical backup at the head before `oldest` (what `--backup auto` finds), if there is one.
  const logical = unreachable !== null && input.backup !== null && input.backup.atTargetHead !== false ? input.backup : null;
  if (unreachable !== null && logical === null) {
    const other = input.backup ? ` (backup ${input.backup.backupId} is at head ${input.backup.migrationHead ?? '(no migration)'})` : '';
    return { routes: [whole], tableRouteNote: `only the touched tables is not offered: they are recovered through a point-in-time restore, and none can reach the moment before ${oldest} (${unreachable}); nor from a logical backup, as none was taken at the head before ${oldest}${other}` };
  }
  const tables = touched!.existing;
  // From a logical backup, --replace makes the foreign keys from other tables again (restore-partial.ts): they do not block it.
  const inbound = logical === null ? (input.inboundKeys ?? []) : [];
  const keys = inbound.map((k) => `${k.from}.${k.constraint} → ${k.to}`);
  const holders = [...new Set(inbound.map((k) => k.from))];
  const reshaped = touched!.reshaped;
  const it = tables.length === 1 ? 'it' : 'them';
  const they = tables.length === 1 ? 'it' : 'they';
  const copyBack = copyBackAdvice(touched!);
  const since = logical === null ? `since just before ${oldest}` : `since backup ${logical.backupId} was taken (${logical.createdAt})`;
  const remade = logical !== null && (input.inboundKeys ?? []).length > 0 ? `; the foreign keys from ${[...new Set(input.inboundKeys!.map((k) => k.from))].join(', ')} into ${it} are made again on the restored ${tables.length === 1 ? 'table' : 'tables'} (the swap is refused, nothing changed, where their rows point at rows the backup lacks)` : '';
  const replace =
    reshaped.length > 0
      ? `--replace is not offered: the migrations changed the definition of ${reshaped.join(', ')}, so swapped in place ${they} would have ${tables.length === 1 ? 'its' : 'their'} shape from before ${oldest} while the migration history still records those migrations as applied; ${copyBack}`
      : keys.length > 0
        ? `--replace would be refused: foreign keys from ${holders.join(', ')} point at ${it} (${keys.join('; ')}); ${copyBack}`
        : `With --replace it discards every write to ${tables.join(', ')} ${since} (the live ${tables.length === 1 ? 'table is' : 'tables are'} kept aside, not dropped)${remade}; every write to the other tables is kept either way`;
  const blocked = [...reshaped.map((t) => `${t}: its definition was changed by the migrations`), ...keys];
  const state = logical === null ? `before ${oldest}` : `in backup ${logical.backupId}, taken at the head before ${oldest} (${logical.createdAt}),`;
  return {
    routes: [
      {
        route: 'tables',
        // Quoted for the shell when a name is: `public."Orders"` must reach parseTableRefs with its quotes.
        command: `dbrollback restore --before-migration ${oldest}${logical === null ? '' : ' --backup auto'} --tables ${shellQuote(tables.join(','))} --into-database URL`,
        alternative: null,
        tables,
        replaceBlockedBy: blocked,
        discards: `nothing by itself: ${tables.join(', ')} as ${tables.length === 1 ? 'it was' : 'they were'} ${state} ${tables.length === 1 ? 'lands' : 'land'} in a new schema dbrollback_recovered_<time>, beside the live ${tables.length === 1 ? 'table' : 'tables'}. ${replace}`,
      },
      { ...whole, discards: `${whole.discards} — the other tables' later writes included` },
    ],
    tableRouteNote: null,
  };
}

/**
 * How to copy values back from the recovered schema by hand, keeping every later write: an UPDATE … FROM the
 * recovered table — into a live table that still has the columns. A column the migrations dropped must be
 * re-added first, and a dropped table has no live table at all: its recovered copy is moved back instead.
 */
function copyBackAdvice(touched: TouchedTables): string {
  const { existing, droppedColumns, droppedTables } = touched;
  const recovered = (table: string) => `dbrollback_recovered_<time>.${formatNamePart(parseTableRefs(table)[0]!.table)}`;
  const parts: string[] = [];
  if (droppedTables.length > 0) {
    const one = droppedTables.length === 1;
    parts.push(
      `${droppedTables.join(', ')} ${one ? 'no longer exists' : 'no longer exist'} (the migrations dropped ${one ? 'it' : 'them'}): move the recovered ${one ? 'copy' : 'copies'} back, e.g. ${droppedTables.map((t) => `ALTER TABLE ${recovered(t)} SET SCHEMA ${formatNamePart(parseTableRefs(t)[0]!.schema)}`).join('; ')}`,
    );
  }
  const live = existing.filter((t) => !droppedTables.includes(t));
  if (droppedColumns.length > 0) {
    const one = droppedColumns.length === 1;
    const table = droppedColumns[0]!.table;
    const named = droppedColumns.map((c) => `${c.table}.${formatNamePart(c.column)}`).join(', ');
    const adds = droppedColumns.map((c) => `ALTER TABLE ${c.table} ADD COLUMN ${formatNamePart(c.column)} <its type in ${recovered(c.table)}>`).join('; ');
    parts.push(
      `the live ${one ? 'table no longer has' : 'tables no longer have'} ${named}, which the migrations dropped: re-add ${one ? 'it' : 'them'} first (${adds}), then copy the values (e.g. UPDATE ${table} SET ${formatNamePart(droppedColumns[0]!.column)} = r.${formatNamePart(droppedColumns[0]!.column)} FROM ${recovered(table)} r WHERE …)`,
    );
  } else if (live.length > 0) {
    parts.push(`e.g. UPDATE … FROM ${recovered(live[0]!)} …`);
  }
  return `copy what you need from the recovered schema by hand instead (${parts.join('; ')}), which keeps every later write`;
}

/**
 * A backup taken before the oldest migration ran, but not right before it (no backup at the target head):
 * restoring it also takes back the migrations applied between the two, which must then be applied again.
 */
function earlierHead(backup: { migrationHead?: string | null; atTargetHead?: boolean }, targetHead: string | null | undefined): string {
  if (backup.atTargetHead !== false || backup.migrationHead === undefined || targetHead === undefined) return '';
  const reapply = targetHead === null ? '' : ` (apply them again with dbrollback migrate --to ${targetHead})`;
  return `, and it holds the database at head ${backup.migrationHead ?? '(no migration)'}, not ${targetHead ?? '(no migration)'}: the migrations applied after ${backup.migrationHead ?? 'it was taken'} are undone too${reapply}`;
}

function tableRouteNote(touched: TouchedTables | null, liveTables: number): string | null {
  if (touched === null) return 'the table route is not offered: which tables the migrations touched is unknown (some migration\'s SQL cannot be read)';
  if (touched.created.length > 0) return `the table route is not offered: the migrations created ${touched.created.join(', ')}, which a table-level restore cannot take back`;
  const n = touched.existing.length;
  if (n === 0) return 'the table route is not offered: the migrations touched no table that existed before them';
  if (n > FEW_TABLES) return `the table route is not offered: the migrations touched ${n} tables (${touched.existing.join(', ')}), more than ${FEW_TABLES} — swapping that many in one transaction locks them all and trips over foreign keys from the rest; restore the whole database`;
  if (n >= liveTables) return `the table route is not offered: the migrations touched every table the database holds (${touched.existing.join(', ')}), so it would be the whole database`;
  return null;
}

/**
 * `dbrollback plan`: what rolling back the last N migrations (or back to NAME)
 * means — the rollback type from the decision matrix, each migration's
 * verdict, the live data its down would destroy, and the steps in order.
 * It reads only: nothing in the database or the storage changes.
 */
import { restorePointBefore } from '../../backup/restore-points.js';
import { pointReach } from '../../backup/pitr/point-reach.js';
import { backupBefore, takenAt, wholeBackupsOf } from '../backup-at-head.js';
import { inboundForeignKeys, type InboundForeignKey } from '../../backup/table-recovery/inbound-foreign-keys.js';
import { parseTableRefs } from '../../verify/baseline.js';
import type { ResolvedConfig } from '../../run/config.js';
import { serverVersion, type Db } from '../../db/connection.js';
import { hasUsableDown, type DownKind, type DownTarget, type MigrationInfo, type MigrationSql, type MigratorAdapter } from '../../tools/contract.js';
import { classifySql } from '../../classify/classify-sql.js';
import { dropsExisting } from '../../classify/drops-existing.js';
import { createdBy } from '../../classify/created-by.js';
import { rowWrites } from '../../classify/writes.js';
import { toolOf } from '../../tools/registry.js';
import { judgedByCatalog } from '../../classify/catalog-decides.js';
import { addedObjects, type SchemaDiff } from '../../db/schema/diff.js';
import { reconcile } from '../../classify/reconcile.js';
import { initParser, type ParsedStatement } from '../../sql/parser.js';
import type { Compatibility, DataLoss, SqlClassification } from '../../classify/types.js';
import type { RunContext } from '../../run/run-context.js';
import { selectWithStaying } from '../../tools/select.js';
import { assertNotBlocked } from '../../tools/blocked.js';
import { measureAtRisk, riskTargets, type AtRisk, type RiskTarget } from './at-risk.js';
import { catalogWrites } from './catalog-writes.js';
import { blockerProbes, measureBlockers, RunSoFar, type RowBlocker } from './row-blockers.js';
import { stayingDependents } from './staying-dependents.js';
import { decide, type PlanType } from './decide.js';
import { touchedTables, type TouchedTables } from './touched-tables.js';
import { restoreRoutes, type RestoreRoute, type RestoreRoutes } from './restore-routes.js';
import { proveRoundTrip, type RoundTrip } from '../round-trip/round-trip.js';

export interface PlanOptions {
  /** Default: the last applied migration ({ count: 1 }). */
  target?: DownTarget;
  /** Hook commands, so the steps say where traffic pauses and resumes. */
  pauseTraffic?: string;
  resumeTraffic?: string;
  /** Use this adapter instead of the run's (a dry run passes the one it holds). */
  adapter?: MigratorAdapter;
}

export interface PlanMigration {
  name: string;
  appliedAt: string | null;
  down: DownKind;
  /** Why `down` is not `yes` (a down that throws, an empty one, down = false). */
  downNote?: string;
  /** The up's verdict; null when its SQL cannot be seen without running it. */
  compatibility: Compatibility | null;
  dataLoss: DataLoss | null;
  /** Can the down restore the prior state without losing data (null: unknown). */
  reversible: boolean | null;
  /** Rule ids the up's statements triggered. */
  rules: string[];
  /** Live data the down would drop or rewrite; null when the down's SQL is unknown. */
  atRisk: AtRisk | null;
  /**
   * The down's statements that validate the rows a table holds now (a re-added CHECK, NOT NULL, UNIQUE,
   * PRIMARY KEY, FOREIGN KEY), each with the rows it would reject, asked of the live database: any such
   * row stops the down partway, and undo refuses it up front. null when the down's SQL is unknown.
   */
  blockers: RowBlocker[] | null;
  /** The down's SQL as dbrollback sees it (file, or built by the tool), for --dry-run and review. */
  downSql: MigrationSql;
  /** Why something above is unknown. */
  notes: string[];
  /** System catalogs its down writes directly (`DELETE FROM pg_catalog.pg_enum`): no way back (catalog-writes.ts). Absent when none. */
  downWritesCatalog?: string[];
}

export interface PlanArchive {
  archiver: string;
  location: string;
  backups: number;
  newestBackup: { id: string; stopTime: string } | null;
  /** The WAL range the tool reports holding (null: it lists none). */
  wal: { min: string; max: string } | null;
  /** Why the tool's listing could not be read (the plan is made anyway). */
  problem: string | null;
}

export interface PlanStep {
  action: 'pause-traffic' | 'backup' | 'down' | 'restore' | 'verify' | 'resume-traffic' | 'keep-schema' | 'none';
  detail: string;
  /** A restore step: what it throws away. */
  discards?: string;
}

export interface Plan {
  type: PlanType;
  reasons: string[];
  /** One sentence for the person on call. */
  recommendation: string;
  /** The migration tool's kind. */
  migrator: string;
  database: string;
  head: string | null;
  /** The head after the rollback. */
  targetHead: string | null;
  /**
   * Applied after the oldest migration to undo, and left applied by the undo
   * (MigrationInfo.staysApplied: a Flyway repeatable), oldest first, with
   * why; empty for a restore (it goes back past them too).
   */
  staysApplied: Array<{ name: string; note: string }>;
  /** Newest first: the order they would be undone in. */
  migrations: PlanMigration[];
  /** Totals over every migration (unknown ones excluded; see `atRiskUnknown`); `derived`: the part the migrations computed themselves. */
  atRisk: { rows: number; bytes: number; derived: { rows: number; bytes: number } };
  /** Migrations whose down's effect on data could not be measured. */
  atRiskUnknown: string[];
  /** Whether the tool has down migrations at all (false: Drizzle, Prisma — every way back is a restore). */
  toolHasDowns: boolean;
  /**
   * The tables the migrations' ups touched (DDL targets and data written), read from their SQL;
   * null when some up's SQL cannot be seen. A `restore` plan recommends bringing back only these
   * when they are few and all existed before the migrations.
   */
  touchedTables: TouchedTables | null;
  /**
   * For `restore` with the team's own archiver (--archiver pgbackrest|barman-cloud): that tool's view of
   * its archive — the backups a point-in-time restore can start from — or why it could not be read.
   */
  archive: PlanArchive | null;
  /** For `restore`: the newest complete backup taken at the target head (or before the first migration to undo). */
  /** `atTargetHead`: taken at the head the rollback aims at; false: taken earlier, so restoring it takes back more migrations. */
  restoreFrom: { backupId: string; createdAt: string; migrationHead: string | null; atTargetHead: boolean } | null;
  /**
   * For `restore`: the ways back in the order to try them, each with what it discards — only the
   * touched tables first when that route is offered, the whole database second (restore-routes.ts).
   */
  restoreRoutes: RestoreRoute[];
  /** For `restore`: why the table route is not offered, when it is not. */
  tableRouteNote: string | null;
  /**
   * Why no point-in-time restore can reach the moment before the oldest selected migration, where dbrollback's
   * storage shows it (point-reach.ts: its restore point made while the server was not archiving WAL, no base backup, or
   * none that ended before the point); null: it may.
   */
  pitrUnreachable: string | null;
  steps: PlanStep[];
  /** Set by undo once its safety backup is taken: what was taken and why (undo --backup). */
  safetyBackup?: { mode: string; taken: string; reason: string; backupId: string | null; tables: string[]; restorePoint: unknown };
  /**
   * Code migrations seen by running them in a scratch database: how many ran (replayed) and how
   * many captures came from the capture cache; null when nothing had to be captured.
   */
  capture: { replayed: number; cached: number; cacheDir: string | null } | null;
  /**
   * Whether the downs bring the schema back to what it was before the migrations, by name
   * (against the schema migrate recorded, or rehearsed in a throwaway database); null when
   * no down would run (app-only, restore).
   */
  roundTrip: RoundTrip | null;
}

export async function plan(run: RunContext, options: PlanOptions = {}): Promise<Plan> {
  const config = run.config;
  const adapter = options.adapter ?? (await run.adapter());
  // The parser's WASM loads while the history is read.
  const parserReady = initParser();
  const status = await adapter.status();
  assertNotBlocked(status);
  const { selected, staying } = selectWithStaying(status.applied, options.target ?? { count: 1 }, status.migrations);
  await parserReady;
  const db = await run.session.db();
  const major = (await serverVersion(db)).major;
  const captured = await captureCodeMigrations(config, adapter.kind, status.head, status.migrations, selected);
  const migrations: PlanMigration[] = [];
  // Each up parsed once, by its classification: the touched tables and the round trip read the same statements.
  const ups: Array<ParsedStatement[] | null> = [];
  // The downs run newest first: what each changes decides which later down's checks can be asked of the tables as they are.
  const soFar = new RunSoFar();
  const downTargets: RiskTarget[][] = [];
  const rejudge: Array<PlannedMigration['rejudge']> = [];
  for (const m of selected) {
    const planned = await planMigration(db, adapter, m, major, captured, soFar);
    migrations.push(planned.plan);
    ups.push(planned.upStatements);
    downTargets.push(planned.downTargets);
    rejudge.push(planned.rejudge);
  }
  await backfillsOfUndone(migrations, ups, rejudge);
  const tool = toolOf(adapter.kind);
  const toolHasDowns = tool?.hasDowns ?? true;
  const decision = decide(migrations, { hasDowns: toolHasDowns, name: tool?.displayName ?? adapter.kind });
  // The way back, if the schema must go: a restore where the plan is one, or where the schema may stay but no down could take it back.
  const wayBackIsRestore = decision.type === 'restore' || (decision.type === 'schema-stays' && !migrations.every((m) => hasUsableDown(m.down)));
  if (!wayBackIsRestore) {
    // A down that drops what a view left applied through the undo uses (a Flyway repeatable's) fails on it: said before anything runs.
    for (const [i, m] of migrations.entries()) m.notes.push(...(await stayingDependents(db, adapter, staying, m.name, downTargets[i]!)));
  }
  // A restore goes back to the moment before the oldest selected migration, what stays applied by an undo included.
  const restoreHead = headBefore(status.applied, selected);
  const targetHead = wayBackIsRestore ? (restoreHead?.name ?? null) : headAfter(status.applied, selected);
  const restoreFrom = wayBackIsRestore ? await findRestoreBackup(run, status.migrator, restoreHead, selected.at(-1), status.applied) : null;
  const archive = wayBackIsRestore ? await archiveView(run) : null;
  const touched = touchedBy(ups);
  const oldest = migrations.at(-1)?.name;
  const unreachable = await pitrUnreachable(run, selected.at(-1));
  const routes: RestoreRoutes =
    wayBackIsRestore && oldest !== undefined
      ? restoreRoutes({ oldest, touched, liveTables: await countUserTables(db), backup: restoreFrom, targetHead, inboundKeys: await inboundKeysOf(db, touched), pitrUnreachable: unreachable })
      : { routes: [], tableRouteNote: null };
  const known = migrations.filter((m) => m.atRisk !== null);
  // Only where downs would run: the round trip is what undo must prove before it touches the database.
  const roundTrip = (decision.type === 'undo' || decision.type === 'schema-stays') && selected.every((m) => hasUsableDown(m.down))
    ? await proveRoundTrip({
        settings: config,
        adapter,
        storage: run.hasStorage ? run.storage : null,
        database: config.conn.database,
        applied: status.applied,
        selected,
        staying,
        db,
        downSql: new Map(migrations.map((m) => [m.name, m.downSql])),
        upStatements: new Map(selected.flatMap((m, i) => (ups[i] ? [[m.name, ups[i]!] as const] : []))),
      })
    : null;
  return {
    type: decision.type,
    reasons: decision.reasons,
    recommendation: recommendation(decision.type, restoreFrom, config, oldest, toolHasDowns ? null : (tool?.displayName ?? adapter.kind), routes, wayBackIsRestore, undoRefusesWithout(migrations)),
    migrator: adapter.kind,
    database: config.conn.database,
    head: status.head,
    targetHead,
    staysApplied: wayBackIsRestore ? [] : staying.map((m) => ({ name: m.name, note: m.staysApplied! })),
    migrations,
    atRisk: {
      rows: known.reduce((n, m) => n + m.atRisk!.rows, 0),
      bytes: known.reduce((n, m) => n + m.atRisk!.bytes, 0),
      derived: { rows: known.reduce((n, m) => n + m.atRisk!.derived.rows, 0), bytes: known.reduce((n, m) => n + m.atRisk!.derived.bytes, 0) },
    },
    atRiskUnknown: migrations.filter((m) => m.atRisk === null).map((m) => m.name),
    toolHasDowns,
    touchedTables: touched,
    archive,
    restoreFrom,
    restoreRoutes: routes.routes,
    tableRouteNote: routes.tableRouteNote,
    pitrUnreachable: unreachable,
    steps: steps(decision.type, migrations, options, targetHead, routes, roundTrip, archive, wayBackIsRestore),
    capture: captured.stats,
    roundTrip,
  };
}

/** The tables the ups touched, when every up's SQL is known (each up's statements as its classification parsed them). */
function touchedBy(ups: ReadonlyArray<readonly ParsedStatement[] | null>): TouchedTables | null {
  if (ups.length === 0 || ups.some((u) => u === null)) return null;
  return touchedTables(ups.flatMap((u) => u!));
}

/** Foreign keys from other tables into the tables the migrations touched (they decide whether --replace can swap them). */
async function inboundKeysOf(db: Db, touched: TouchedTables | null): Promise<InboundForeignKey[]> {
  if (touched === null || touched.existing.length === 0) return [];
  // The touched tables are written as parseTableRefs reads them: quoted parts keep their dots and capitals.
  return inboundForeignKeys(db, parseTableRefs(touched.existing.join(',')));
}

/** Ordinary and partitioned tables outside the system schemas: what a table-level restore would leave out. */
async function countUserTables(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'",
  );
  return Number(rows[0]!.n);
}

interface PlannedMigration {
  plan: PlanMigration;
  upStatements: ParsedStatement[] | null;
  downTargets: RiskTarget[];
  /** The up classified again knowing `created` was new before it (made by older migrations undone with it): its data loss and reversibility then. */
  rejudge: (created: readonly string[]) => Promise<{ dataLoss: DataLoss; reversible: boolean | null } | null>;
}

/**
 * An up that rewrote only what older migrations of the same undo created (a
 * column added by one changeset, backfilled by the next: Liquibase's advice
 * to keep DDL and DML apart) changed no value that existed before the
 * target: the older migration's down drops what it wrote, and those values
 * are at risk there. Judged by that, not as a rewrite of existing data
 * (which alone made the plan a restore).
 */
async function backfillsOfUndone(migrations: PlanMigration[], ups: ReadonlyArray<readonly ParsedStatement[] | null>, rejudge: ReadonlyArray<PlannedMigration['rejudge']>): Promise<void> {
  for (let i = 0; i < migrations.length; i++) {
    const m = migrations[i]!;
    if (m.dataLoss !== 'rewrite') continue;
    // The selection is newest first: the older ones, oldest first, as they ran.
    const older = ups.slice(i + 1).reverse();
    const olderNames = migrations.slice(i + 1).reverse().map((o) => o.name);
    if (older.length === 0 || older.some((u) => u === null)) continue;
    const created = createdBy(older.flatMap((u) => u!));
    if (created.length === 0) continue;
    const again = await rejudge[i]!(created);
    if (again === null || again.dataLoss === 'rewrite') continue;
    // Which older migrations made what it writes: those whose creations it needed to stop being a rewrite.
    const makers = olderNames.filter((_, j) => createdBy(older[j]!).some((key) => (ups[i] ?? []).some((stmt) => writesInto(stmt, key))));
    m.dataLoss = again.dataLoss;
    m.reversible = again.reversible;
    m.notes.push(`${m.name} only writes into what ${makers.length > 0 ? makers.join(', ') : 'older migrations of this undo'} created, undone with it: no value that existed before them is overwritten (their down drops what it wrote)`);
  }
}

/** Whether a statement writes rows into the object `key` names (its table, or one of the columns it sets). */
function writesInto(stmt: ParsedStatement, key: string): boolean {
  const writes = rowWrites(stmt);
  if (!writes) return false;
  return key === `table:${writes.table}` || writes.updates.some((c) => key === `column:${writes.table}.${c}`);
}

async function planMigration(db: Db, adapter: MigratorAdapter, m: MigrationInfo, major: number, captured: Captured, soFar: RunSoFar): Promise<PlannedMigration> {
  const notes: string[] = captured.problem ? [captured.problem] : [];
  const fromCapture = captured.sql.get(m.name);
  const [upSql, downSql] = fromCapture ? [fromCapture.up, fromCapture.down] : await Promise.all([adapter.sqlOf(m.name, 'up'), adapter.sqlOf(m.name, 'down')]);
  const upStatements: ParsedStatement[] = [];
  const up = await classifyKnown(upSql, major, notes, fromCapture?.diff, (stmt) => void upStatements.push(stmt));
  const canUndo = m.down === 'yes' || m.down === 'inferred';
  let atRisk: AtRisk | null = null;
  let blockers: RowBlocker[] | null = null;
  let downTargets: RiskTarget[] = [];
  let existing: string[] = [];
  let writesCatalog: string[] = [];
  if (canUndo && downSql.source !== 'unknown' && downSql.note === null) {
    const downStatements: ParsedStatement[] = [];
    const down = await classifySql(downSql.sql, { serverVersion: major, source: downSql.path ?? `${m.name} (down)`, onStatement: (stmt) => void downStatements.push(stmt) });
    downTargets = riskTargets(downStatements);
    atRisk = await measureAtRisk(db, downTargets, up?.fills ?? []);
    writesCatalog = await catalogWrites(db, downStatements);
    blockers = await measureBlockers(db, blockerProbes(downStatements, m.name, soFar));
    // A down that drops a table or column its up did not create destroys what existed before the migration (classify says so too).
    if (up !== null) existing = dropsExisting(down, upStatements);
    if (existing.length > 0) notes.push(`the down of ${m.name} also drops ${existing.join(', ')}, which its up did not create: undoing it destroys data that existed before the migration`);
  } else if (canUndo) {
    notes.push(`what the down of ${m.name} would drop is unknown: ${downSql.note ?? 'its SQL cannot be seen without running it'}`);
  }
  // A down whose statements are unknown may change any table before the older downs run.
  if (blockers === null) soFar.unknown(m.name);
  const reversibleAfter = (judged: SqlClassification | null) => (!canUndo || existing.length > 0 || writesCatalog.length > 0 ? false : judged === null ? null : judged.dataLoss === 'none' && judged.reversible !== false);
  const reversible = reversibleAfter(up);
  const plan: PlanMigration = {
    name: m.name,
    appliedAt: m.appliedAt ? m.appliedAt.toISOString() : null,
    down: m.down,
    ...(m.downNote ? { downNote: m.downNote } : {}),
    compatibility: up?.compatibility ?? null,
    dataLoss: up?.dataLoss ?? null,
    reversible,
    rules: [...new Set((up?.statements ?? []).flatMap((s) => s.findings.map((f) => f.rule)))],
    atRisk,
    blockers,
    downSql,
    notes,
    ...(writesCatalog.length > 0 ? { downWritesCatalog: writesCatalog } : {}),
  };
  const rejudge = async (created: readonly string[]) => {
    const again = await classifyKnown(upSql, major, [], fromCapture?.diff, undefined, created);
    return again === null ? null : { dataLoss: again.dataLoss, reversible: reversibleAfter(again) };
  };
  // The up's statements as its classification parsed them; null when its SQL is unknown.
  return { plan, upStatements: up === null ? null : upStatements, downTargets, rejudge };
}

async function classifyKnown(sql: MigrationSql, major: number, notes: string[], diff: SchemaDiff | undefined, onStatement?: (stmt: ParsedStatement) => void, createdBefore: readonly string[] = []): Promise<SqlClassification | null> {
  if (sql.source === 'unknown') {
    notes.push(`${sql.name} (${sql.direction}) could not be classified: ${sql.note ?? 'its SQL is unknown'}`);
    return null;
  }
  if (sql.note) notes.push(`${sql.name} (${sql.direction}): ${sql.note}`);
  const classification = await classifySql(sql.sql, { serverVersion: major, source: sql.path ?? sql.name, created: [...createdBefore, ...(diff ? addedObjects(diff) : [])], ...(onStatement ? { onStatement } : {}) });
  if (!diff) return classification;
  // Where the migration ran in a scratch database, its catalog diff decides what the statements alone cannot.
  const judged = judgedByCatalog(classification, diff).classification;
  const r = reconcile(judged, diff);
  return { ...judged, compatibility: r.compatibility, dataLoss: r.dataLoss, reversible: r.reversible, rewritesTable: r.rewritesTable };
}

/**
 * Migrations that are code whose SQL the adapter cannot tell without running
 * them (umzug): the tool's capture runs them in a throwaway local cluster
 * (never the user's database) up to the live head, then reverts the selected
 * ones as undo would, recording what each up and down sends. Where that
 * fails (no server binaries), the plan says so.
 */
interface Captured {
  /** By migration name: the up's SQL and the down's, as recorded, and what applying the up changed in the catalog. */
  sql: Map<string, { up: MigrationSql; down: MigrationSql; diff: SchemaDiff }>;
  problem: string | null;
  stats: Plan['capture'];
}

const NOT_CAPTURED: Captured = { sql: new Map(), problem: null, stats: null };

async function captureCodeMigrations(config: ResolvedConfig, kind: string, head: string | null, all: readonly MigrationInfo[], selected: readonly MigrationInfo[]): Promise<Captured> {
  const tool = toolOf(kind);
  const capture = tool?.capture?.downs;
  if (!capture || selected.length === 0 || head === null) return NOT_CAPTURED;
  try {
    const result = await capture(config, { head, count: selected.length }, all);
    return {
      sql: new Map(result.runs.map((r) => [r.name, { up: r.up, down: r.down, diff: r.diff }])),
      problem: null,
      stats: { replayed: result.replayed, cached: result.cached, cacheDir: result.cacheDir },
    };
  } catch (err) {
    // Left unclassified: the decision treats it as breaking, with unknown data at risk.
    return { sql: new Map(), problem: `the ${tool.displayName} migrations could not be run in a throwaway database to see their SQL: ${(err as Error).message}`, stats: null };
  }
}

/** `; schema round trip: 5 differences` for one migration's down step. */
function roundTripNote(roundTrip: RoundTrip, name: string): string {
  if (roundTrip.ok === null) return `; schema round trip not proven`;
  const n = roundTrip.differences.filter((d) => d.migration === name).length;
  if (n > 0) return `; schema round trip: ${n} difference(s) (${roundTrip.source === 'record' ? 'against the recorded schema' : 'rehearsed'})`;
  return roundTrip.source === 'record' ? '; nothing its down drops or resets existed before it (recorded schema)' : '; schema round trip exact (rehearsed)';
}

/** `, 40 of them derived (...)` when some of what the down drops is what the up computed. */
function derivedNote(atRisk: AtRisk): string {
  if (atRisk.derived.rows === 0) return '';
  const all = atRisk.derived.rows === atRisk.rows;
  return ` — ${all ? 'all' : `${atRisk.derived.rows}`} of them derived (computed by the migration from other data; running it again recomputes them)`;
}

/**
 * Why a point-in-time restore cannot reach the moment before `oldest`, where dbrollback's own storage shows it
 * (point-reach.ts, as `restore --before-migration` asks it): the restore point migrate made before it while the
 * server was not archiving WAL, no base backup to start from, or none that ended before the point. null where it
 * may (or where the team's own archiver keeps the archive: its listing is shown instead).
 */
async function pitrUnreachable(run: RunContext, oldest: MigrationInfo | undefined): Promise<string | null> {
  if (!oldest || !run.hasStorage || run.config.archiver.kind !== 'dbrollback') return null;
  const point = await restorePointBefore(run.storage, oldest.name, run.config.conn.database).catch(() => null);
  const reach = await pointReach(run.storage, oldest.name, point);
  // Base backups that could not be read say nothing either way: the restore itself will tell.
  return reach.reaches === false ? reach.why : null;
}

/** The team's own archiver's listing (pgbackrest info, barman-cloud-backup-list); dbrollback's own archive is read by `backups --check`. */
async function archiveView(run: RunContext): Promise<PlanArchive | null> {
  if (run.config.archiver.kind === 'dbrollback') return null;
  const archiver = run.archiver;
  try {
    const view = await archiver.view();
    const newest = view.backups.at(-1);
    return { archiver: view.archiver, location: view.location, backups: view.backups.length, newestBackup: newest ? { id: newest.id, stopTime: newest.stopTime } : null, wal: view.wal, problem: null };
  } catch (err) {
    return { archiver: archiver.kind, location: archiver.location, backups: 0, newestBackup: null, wal: null, problem: (err as Error).message };
  }
}

function archiveNote(archive: PlanArchive | null): string {
  if (!archive) return '';
  if (archive.problem) return `; ${archive.location} could not be read: ${archive.problem}`;
  if (!archive.newestBackup) return `; ${archive.location} lists NO base backup to start from`;
  return ` from ${archive.location} (${archive.backups} backup(s), newest ${archive.newestBackup.id} finished ${archive.newestBackup.stopTime}${archive.wal ? `, WAL ${archive.wal.min} … ${archive.wal.max}` : ''})`;
}

/** The head once `selected` (newest first) are undone: the last applied migration left, one that stays applied included. */
function headAfter(applied: readonly MigrationInfo[], selected: readonly MigrationInfo[]): string | null {
  const undone = new Set(selected);
  return applied.findLast((m) => !undone.has(m))?.name ?? null;
}

/** The migration applied just before the oldest of `selected` (the head a restore to before it lands on); the head when nothing is selected. */
function headBefore(applied: readonly MigrationInfo[], selected: readonly MigrationInfo[]): MigrationInfo | null {
  const oldest = selected.at(-1);
  const index = oldest === undefined ? applied.length : applied.indexOf(oldest);
  return index > 0 ? applied[index - 1]! : null;
}

/**
 * The backup to restore from, of the configured database only: the newest complete one taken at the
 * target head (matched as `restore --before-migration --backup auto` matches it, a version-only head
 * included); else the newest taken before the first migration to undo ran.
 */
async function findRestoreBackup(run: RunContext, migrator: string, targetHead: MigrationInfo | null, oldest: MigrationInfo | undefined, applied: readonly MigrationInfo[]): Promise<Plan['restoreFrom']> {
  if (!run.hasStorage) return null;
  const backups = await wholeBackupsOf(run.storage, run.config.conn.database);
  const atHead = targetHead !== null ? backups.find((b) => takenAt(b, targetHead, migrator)) : undefined;
  const before = oldest ? backupBefore(backups, migrator, oldest, applied) : undefined;
  const chosen = atHead ?? before;
  return chosen ? { backupId: chosen.id, createdAt: chosen.createdAt, migrationHead: chosen.migrationHead, atTargetHead: chosen === atHead } : null;
}

/**
 * Why undo would refuse this plan without --accept-data-loss (as undo's own
 * check does: any value a down destroys, derived or not, or a down whose
 * damage cannot be seen), or null when it would not.
 */
function undoRefusesWithout(migrations: readonly PlanMigration[]): string | null {
  const objects = migrations.flatMap((m) => (m.atRisk?.objects ?? []).filter((o) => o.rows > 0));
  const unknown = migrations.filter((m) => m.atRisk === null).map((m) => m.name);
  if (objects.length === 0 && unknown.length === 0) return null;
  const rows = objects.reduce((n, o) => n + o.rows, 0);
  const derived = objects.reduce((n, o) => n + (o.derived?.rows ?? 0), 0);
  const seen = objects.length > 0 ? `destroy ${rows} rows/values in ${objects.map((o) => o.name).join(', ')}${derived > 0 ? ` (${derived === rows ? 'all' : derived} of them derived)` : ''}` : '';
  const unseen = unknown.length > 0 ? `${seen ? ', and ' : ''}do what cannot be seen without running them (${unknown.join(', ')})` : '';
  return `the down migrations ${seen}${unseen}, which undo refuses without --accept-data-loss`;
}

function recommendation(type: PlanType, restoreFrom: Plan['restoreFrom'], config: ResolvedConfig, oldest: string | undefined, noDowns: string | null, routes: RestoreRoutes, wayBackIsRestore: boolean, undoNeeds: string | null): string {
  const pitr = `dbrollback restore --before-migration ${oldest ?? 'NAME'} --data-dir DIR`;
  const tables = routes.routes.find((r) => r.route === 'tables');
  if (type === 'schema-stays' && wayBackIsRestore) {
    // Nothing needs undoing, and no down could: the restore is named for a schema that must go anyway, with its price.
    const whole = routes.routes.find((r) => r.route === 'whole-database');
    const why = noDowns !== null ? `${noDowns} has no down migrations` : 'no down migration can take every one of them back';
    const first = tables ? ` only ${tables.tables.join(', ')}: ${tables.command} (it discards ${tables.discards}), or` : '';
    const way = whole ? `${first} the whole database: ${whole.command}${whole.alternative ? ` (or ${whole.alternative})` : ''}${!restoreFrom && !config.storage ? ' (no storage configured)' : ''} (it discards ${whole.discards})` : '';
    return `Leave the database as it is and roll back the application: the old version runs on the new schema. ${why}: if the schema must go back anyway, restore to the moment before ${oldest}${way ? ` —${way}` : ''}.`;
  }
  if (type === 'restore' && (noDowns !== null || tables !== undefined)) {
    const why = noDowns !== null ? `${noDowns} has no down migrations: the way back is a restore to the moment before ${oldest}.` : `Down migrations cannot bring the data back: restore to the moment before ${oldest}.`;
    const n = tables?.tables.length ?? 0;
    const first = tables
      ? ` First, only ${tables.tables.join(', ')} (the ${n === 1 ? 'table' : 'tables'} the migrations touched), keeping every later write to the other tables: ${tables.command}${tables.replaceBlockedBy.length === 0 ? ` (add --replace to swap ${n === 1 ? 'it' : 'them'} in place)` : ''}. It discards ${tables.discards}.`
      : '';
    const whole = routes.routes.find((r) => r.route === 'whole-database')!;
    const second = ` ${tables ? 'Second, the whole database' : 'The whole database'}: ${whole.command}${whole.alternative ? ` (or ${whole.alternative})` : ''}${!restoreFrom && !config.storage ? ' (no storage configured)' : ''}. It discards ${whole.discards}.`;
    const note = routes.tableRouteNote && noDowns !== null ? ` (${routes.tableRouteNote}.)` : '';
    return why + first + second + note;
  }
  switch (type) {
    case 'app-only':
      return 'Roll back the application only; the database needs no change.';
    case 'schema-stays':
      return 'Leave the database as it is and roll back the application: the old version runs on the new schema. Undo is optional and would destroy the data listed as at risk.';
    case 'undo':
      return undoNeeds === null
        ? 'Run `dbrollback undo` with the same target: it takes a backup, runs the down migrations and verifies before traffic returns.'
        : `Run \`dbrollback undo --accept-data-loss\` with the same target if losing that data is intended: ${undoNeeds}. It takes a backup (those rows included) first, runs the down migrations and verifies before traffic returns.`;
    case 'restore': {
      const whole = routes.routes.find((r) => r.route === 'whole-database');
      const discards = whole ? ` It discards ${whole.discards}.` : '';
      const note = routes.tableRouteNote ? ` (${routes.tableRouteNote}.)` : '';
      return restoreFrom
        ? `Down migrations cannot bring the data back: restore backup ${restoreFrom.backupId} (dbrollback restore --backup ${restoreFrom.backupId})${whole?.alternative ? `, or recover to the moment before ${oldest ?? 'the first migration'} from the WAL archive (${pitr})` : ''}.${discards}${note}`
        : `Down migrations cannot bring the data back, and no backup at the target head was found${config.storage ? '' : ' (no storage configured)'}: recover to the moment before ${oldest ?? 'the first migration'} from the WAL archive (${pitr}).${discards}${note}`;
    }
  }
}

function steps(type: PlanType, migrations: PlanMigration[], options: PlanOptions, targetHead: string | null, routes: RestoreRoutes, roundTrip: RoundTrip | null, archive: PlanArchive | null, wayBackIsRestore: boolean): PlanStep[] {
  if (type === 'app-only') return [{ action: 'none', detail: 'no database step: roll back the application' }];
  const out: PlanStep[] = [];
  if (type === 'schema-stays') out.push({ action: 'keep-schema', detail: wayBackIsRestore ? 'recommended: keep the schema and roll back the application; the steps below are the restore that takes the schema back if it must go anyway (no down can)' : 'recommended: keep the schema; the steps below are what `undo` would do if run anyway' });
  out.push({ action: 'pause-traffic', detail: options.pauseTraffic ? `run ${options.pauseTraffic}` : 'stop writes to the database (no --pause-traffic hook given: do it by hand)' });
  out.push({ action: 'backup', detail: wayBackIsRestore ? 'pg_dump to storage, read back and checksum-verified, manifest written last' : 'undo --backup auto (default): a restore point in a healthy WAL archive plus the at-risk tables when the downs destroy data, else the at-risk tables and the schema (tables), or the whole database (full); read back and checksum-verified, manifest written last' });
  if (wayBackIsRestore) {
    const oldest = migrations.at(-1)?.name ?? 'the first migration';
    for (const r of routes.routes) {
      const what =
        r.route === 'tables'
          ? `first choice, only the touched tables ${r.tables.join(', ')} to before ${oldest} (later writes to other tables kept): ${r.command}`
          : `${routes.routes.length > 1 ? 'second choice, ' : ''}the whole database to before ${oldest} (head ${targetHead ?? '(none)'})${r.command.includes('--data-dir') ? archiveNote(archive) : ''}: ${r.command}${r.alternative ? ` (or ${r.alternative})` : ''}`;
      out.push({ action: 'restore', detail: `${what} — discards ${r.discards}`, discards: r.discards });
    }
  } else {
    for (const m of migrations) {
      const risk = m.atRisk === null ? 'data at risk unknown' : m.atRisk.rows > 0 ? `destroys ${m.atRisk.rows} rows/values in ${m.atRisk.objects.filter((o) => o.rows > 0).map((o) => o.name).join(', ')}${derivedNote(m.atRisk)}` : 'no live data at risk';
      const schema = roundTrip ? roundTripNote(roundTrip, m.name) : '';
      out.push({ action: 'down', detail: `${m.name} (${m.down === 'inferred' ? 'inferred down' : 'down'}; ${risk}${schema})` });
    }
  }
  const schemaGate = roundTrip?.expect?.kind === 'record'
    ? `, schema equal to the one recorded before ${roundTrip.expect.migration}`
    : roundTrip?.expect?.kind === 'changes' ? ', schema changed exactly as in the rehearsal' : '';
  out.push({ action: 'verify', detail: `integrity gate: head ${targetHead ?? '(none)'}${schemaGate}, row counts and fingerprints of untouched tables, enum values, constraints, indexes, sequences, custom checks` });
  out.push({ action: 'resume-traffic', detail: options.resumeTraffic ? `run ${options.resumeTraffic} (only if verify passes)` : 'let traffic back in (only if verify passes)' });
  return out;
}

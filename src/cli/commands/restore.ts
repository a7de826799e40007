import type { Command } from 'commander';
import { connInfoFromUrl, emitCloudNativePg, parseTableRefs, recoverTables, resolveRestore, restore, restorePartial, type BeforeMigrationTarget, type RestoreRequest } from '../../index.js';
import { positiveInt } from '../flags.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { renderRestore, restoreJson } from '../render/restore.js';
import { recoverTablesJson, renderRecoverTables, renderRestorePartial, restorePartialJson } from '../render/restore-tables.js';
import type { CommandResult } from '../output.js';
import { runPitr } from './restore-pitr.js';

interface RestoreFlags extends RestoreRequest {
  terminateConnections?: boolean;
  owner?: boolean;
  jobs?: number;
  tempDir?: string;
}

export function registerRestore(program: Command, registrar: CommandRegistrar): void {
  registrar.action<RestoreFlags>(
    program
      .command('restore')
      .description('logical restore from a backup, checked against its manifest (exit 3 on any difference); or point-in-time recovery into a new data directory')
      .option('--backup <id>', 'backup id, or "latest" (the newest complete whole backup of the --database-url database); a partial backup (undo --backup tables) restores its tables side by side, or in place with --replace; with --tables, only those tables of a whole backup')
      .option('--target-database <url>', 'restore into this database (created if missing) instead of in place')
      .option('--terminate-connections', 'end sessions on the database being replaced (otherwise they refuse the restore)')
      .option('--no-owner', 'do not restore object ownership (for clusters lacking the source roles)')
      .option('--jobs <n>', 'parallel pg_restore jobs (default: 1 for small dumps, else up to 4)', positiveInt('--jobs'))
      .option('--temp-dir <dir>', 'where a parallel restore keeps the downloaded dump (default: the OS temp directory)')
      .option('--point-in-time <time>', 'recover to this time: ISO 8601 with a zone ("2026-01-02 14:30:00+01:00", 2026-01-02T13:30:00Z)')
      .option('--lsn <lsn>', 'recover to this WAL position (e.g. 0/5000060)')
      .option('--restore-point <name>', "recover to a named restore point (pg_create_restore_point('NAME'))")
      .option('--before-migration <name>', 'recover to just before migration NAME: with --data-dir DIR, point in time (the restore point `migrate` made, else the time it was applied); with --backup auto, the logical backup taken at the head before it')
      .option('--tables <list>', 'recover only these tables (schema.table,...; names as SQL writes them: capitals, dots, spaces or quotes in double quotes, a quote inside doubled, e.g. \'billing."Invoice","Sales.EU"."Order Line"\'): with --point-in-time, --lsn, --restore-point or --before-migration, from a throwaway instance recovered to the target (needs --into-database); with --backup ID, or --before-migration NAME --backup auto, from that logical backup (whole or partial), loaded into a scratch database on the same server')
      .option('--into-database <url>', 'with --tables: the database the recovered tables are copied into (schema dbrollback_recovered_<time>); from a logical backup, default the --database-url one')
      .option('--replace', 'with --tables (or a partial backup): swap the recovered tables in place of the live ones (after a backup; asks first, or pass --yes); a point-in-time recovery refuses when foreign keys from other tables point at them, a logical backup makes those keys again')
      .option('--timezone <zone>', 'the zone of a --point-in-time written without one (Europe/Paris, UTC, +02:00)')
      .option('--data-dir <dir>', 'point-in-time: the new data directory (absent or empty)')
      .option('--port <port>', 'point-in-time: leave the recovered server running on this loopback port (default: stop it at the end)', positiveInt('--port'))
      .option('--recovery-timeout <seconds>', 'point-in-time: give up when recovery takes longer (default: no limit)', positiveInt('--recovery-timeout'))
      .option('--emit <platform>', 'print the recovery as a manifest instead of restoring here: cloudnative-pg (a Cluster recovering from the Barman object store of --archiver barman-cloud)')
      .option('--cluster <name>', 'with --emit cloudnative-pg: the new Cluster\'s name')
      .option('--credentials-secret <name>', 'with --emit cloudnative-pg: the Secret holding ACCESS_KEY_ID and ACCESS_SECRET_KEY for the object store (default: the workload\'s cloud identity)')
      .option('--volume-size <size>', 'with --emit cloudnative-pg: spec.storage.size (default 10Gi)'),
    async (run, io, opts) => {
      const { kind, request, beforeMigration, manifest } = await resolveRestore(run, opts);
      for (const warning of beforeMigration?.warnings ?? []) io.log(`warning: ${warning}`);
      if (kind === 'emit') {
        const emitted = await emitCloudNativePg(run.config.archiver, run.archiver, request, beforeMigration ? { 'dbrollback/before-migration': beforeMigration.migration } : {});
        io.log(`cloudnative-pg: recovery from base backup ${emitted.backupId} to ${'lsn' in emitted.target ? `LSN ${emitted.target.lsn} (exclusive)` : `time ${emitted.target.time}`}`);
        return withTarget({ json: { ok: true, target: emitted.target, backupId: emitted.backupId, manifest: emitted.cluster }, human: emitted.manifest }, beforeMigration, false);
      }
      if (kind === 'partial') {
        // Restoring another database's partial backup is allowed when named; the output says whose it is.
        const other = manifest!.database !== run.conn.database;
        if (other) io.log(`warning: backup ${manifest!.id} is a backup of database "${manifest!.database}", not of the configured "${run.conn.database}"`);
        const report = await restorePartial(run.storage, {
          manifest: manifest!,
          ...(request.tables !== undefined ? { tables: parseTableRefs(request.tables) } : {}),
          into: request.intoDatabase !== undefined ? connInfoFromUrl(request.intoDatabase) : run.conn,
          replace: request.replace,
          lockTimeoutMs: run.config.lockTimeoutMs,
          ...(opts.tempDir !== undefined ? { tempDir: opts.tempDir } : {}),
          yes: io.yes,
          ...(io.interactive ? { confirm: (question: string) => io.confirm(question) } : {}),
          onStep: (line) => io.log(line),
          onProgress: progressPrinter(io),
          commandLine: io.commandLine,
          ...(run.signal ? { signal: run.signal } : {}),
        });
        return withTarget({ json: { ...restorePartialJson(report), backupDatabase: manifest!.database, otherDatabase: other }, human: renderRestorePartial(report), ...(report.error ? { error: report.error } : {}) }, beforeMigration);
      }
      if (kind === 'tables') {
        const report = await recoverTables(run.storage, {
          target: { pointInTime: request.pointInTime, lsn: request.lsn, restorePoint: request.restorePoint, restorePointLsn: request.restorePointLsn },
          tables: parseTableRefs(request.tables!),
          into: connInfoFromUrl(request.intoDatabase!),
          sourceDatabase: run.conn.database,
          replace: request.replace,
          lockTimeoutMs: run.config.lockTimeoutMs,
          login: { user: run.conn.user, password: run.conn.password },
          // PostgreSQL runs this very CLI as the throwaway instance's restore_command.
          walFetch: { node: process.execPath, cli: process.argv[1]! },
          archiver: run.archiver,
          ...(request.port !== undefined ? { port: request.port } : {}),
          onStep: (line) => io.log(line),
          onProgress: progressPrinter(io),
          commandLine: io.commandLine,
          yes: io.yes,
          ...(io.interactive ? { confirm: (question: string) => io.confirm(question) } : {}),
          ...(run.signal ? { signal: run.signal } : {}),
        });
        return withTarget({ json: recoverTablesJson(report), human: renderRecoverTables(report), ...(report.error ? { error: report.error } : {}) }, beforeMigration);
      }
      if (kind === 'point-in-time') return withTarget(await runPitr(run, io, request), beforeMigration);
      const report = await restore(run, {
        backup: request.backup!,
        targetDatabase: opts.targetDatabase,
        yes: io.yes,
        ...(io.interactive ? { confirm: (question: string) => io.confirm(question) } : {}),
        terminateConnections: opts.terminateConnections,
        noOwner: opts.owner === false,
        jobs: opts.jobs,
        tempDir: opts.tempDir,
        onStep: (line) => io.log(line),
        onDebug: (line) => io.debug(line),
        onProgress: progressPrinter(io),
        commandLine: io.commandLine,
      });
      return withTarget({ json: restoreJson(report), human: renderRestore(report), ...(report.error ? { error: report.error } : {}) }, beforeMigration);
    },
    { stopsAtSafePoints: true },
  );
}

/** The resolved --before-migration target is part of the result (JSON) and said first (text). */
function withTarget(result: CommandResult, before: BeforeMigrationTarget | null, sayFirst = true): CommandResult {
  if (before === null) return result;
  const base = result.json as Record<string, unknown>;
  // The target's warnings (an older backup, an approximate time) are the run's warnings too, where scripts look for them.
  const warnings = [...(Array.isArray(base.warnings) ? (base.warnings as unknown[]) : []), ...before.warnings];
  const json = { ...base, warnings, beforeMigration: beforeMigrationJson(before) };
  // A manifest on stdout stays a manifest (it is piped to kubectl): the target is then said in its annotations.
  return { ...result, json, human: sayFirst ? `${describeTarget(before)}\n${result.human}` : result.human };
}

function beforeMigrationJson(t: BeforeMigrationTarget) {
  const common = { migration: t.migration, kind: t.kind, warnings: t.warnings };
  if (t.kind === 'restore-point') return { ...common, restorePoint: t.point.name, lsn: t.point.lsn, time: t.point.time };
  if (t.kind === 'applied-at') return { ...common, time: t.time, sharedWith: t.sharedWith };
  return { ...common, backupId: t.backupId, head: t.head, createdAt: t.createdAt, exact: t.gap.exact, latestApplication: t.gap.appliedAt, ageMs: t.gap.ageMs, runsBetween: t.gap.between };
}

function describeTarget(t: BeforeMigrationTarget): string {
  if (t.kind === 'restore-point') return `before ${t.migration}: restore point ${t.point.name} at ${t.point.lsn} (${t.point.time}), exact`;
  if (t.kind === 'applied-at') return `before ${t.migration}: its applied-at time ${t.time} (approximate, see the warnings)`;
  const how = t.gap.exact ? `, by the migrate run that applied ${t.migration}, right before it: exact` : ': OLDER than the state just before its latest application, see the warnings';
  return `before ${t.migration}: logical backup ${t.backupId} taken at head ${t.head ?? '(none)'} on ${t.createdAt}${how}`;
}

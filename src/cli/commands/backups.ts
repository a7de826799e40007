import type { Command } from 'commander';
import { archiveHealth, EXIT, listBackups, openStorage, parseAge, pruneBackups, type ArchiveHealth, type BackupListing } from '../../index.js';
import { formatBytes, table } from '../output.js';
import { positiveInt, type CommandRegistrar } from '../program.js';

interface PruneFlags {
  keep?: number;
  olderThan?: string;
  dryRun?: boolean;
}

export function registerBackups(program: Command, registrar: CommandRegistrar): void {
  const backups = program
    .command('backups')
    .description('list backups, newest first (incomplete ones are shown and never used)')
    .option('--check', 'archive health: WAL continuity per timeline, newest segment, base backups PITR can start from; exit 3 when PITR to now is impossible');
  registrar.action<{ check?: boolean }>(backups, async (config, _io, opts) => {
    const storage = openStorage(config.storage, { cwd: config.cwd });
    try {
      if (opts.check) {
        // The server is asked only when one is named explicitly (never libpq's localhost default).
        const conn = config.connSource === 'libpq-env' ? undefined : config.conn;
        const health = await archiveHealth(storage, { conn });
        return { json: health, human: renderHealth(health, storage.url), exitCode: health.ok ? EXIT.ok : EXIT.verifyFailed };
      }
      const list = await listBackups(storage);
      return { json: { backups: list.map(listingJson) }, human: renderList(list, storage.url) };
    } finally {
      await storage.close();
    }
  });

  registrar.action<PruneFlags>(
    backups
      .command('prune')
      .description('delete old backups (never the newest verified one)')
      .option('--keep <n>', 'keep the newest N complete backups', positiveInt('--keep'))
      .option('--older-than <age>', 'delete backups older than AGE (90m, 12h, 30d, 2w)')
      .option('--dry-run', 'show what would be deleted; delete nothing'),
    async (config, io, opts) => {
      const olderThanMs = opts.olderThan !== undefined ? parseAge(opts.olderThan) : undefined;
      const storage = openStorage(config.storage, { cwd: config.cwd });
      try {
        const result = await pruneBackups(storage, { keep: opts.keep, olderThanMs, dryRun: opts.dryRun });
        const verb = result.dryRun ? 'would delete' : 'deleted';
        for (const b of result.deleted) io.log(`${verb} ${b.id} (${b.status}, ${b.createdAt})`);
        return {
          json: {
            dryRun: result.dryRun,
            deleted: result.deleted.map(listingJson),
            kept: result.kept.map(listingJson),
            protectedId: result.protectedId,
            protectedBaseId: result.protectedBaseId,
            walDeleted: result.walDeleted,
            walKeptFrom: result.walKeptFrom,
          },
          human: [
            `${verb} ${result.deleted.length} backup(s), kept ${result.kept.length}${result.protectedId ? ` (newest verified: ${result.protectedId})` : ''}`,
            result.walKeptFrom
              ? `${verb} ${result.walDeleted.length} archived WAL file(s) before ${result.walKeptFrom} (the oldest kept base backup's start)`
              : 'archived WAL: nothing deleted (no base backup is kept)',
          ].join('\n'),
        };
      } finally {
        await storage.close();
      }
    },
  );
}

function listingJson(b: BackupListing) {
  return {
    id: b.id,
    kind: b.kind,
    createdAt: b.createdAt,
    sizeBytes: b.sizeBytes,
    sha256: b.sha256,
    migrationHead: b.migrationHead,
    serverVersion: b.serverVersion,
    label: b.label,
    database: b.database,
    status: b.status,
    verified: b.verified,
    ...(b.problem ? { problem: b.problem } : {}),
  };
}

function renderList(list: BackupListing[], url: string): string {
  if (list.length === 0) return `no backups in ${url}`;
  const state = (b: BackupListing) => (b.status !== 'complete' ? `${b.status.toUpperCase()} (never used)` : b.verified ? 'verified' : 'not read back');
  return table(
    ['ID', 'KIND', 'CREATED', 'SIZE', 'HEAD', 'LABEL', 'STATE'],
    list.map((b) => [b.id, b.kind, b.createdAt, b.sizeBytes === null ? '' : formatBytes(b.sizeBytes), b.migrationHead ?? '', b.label ?? '', state(b)]),
  );
}

function renderHealth(h: ArchiveHealth, url: string): string {
  const lines = [`WAL archive in ${url}`];
  if (h.timelines.length === 0) lines.push('  no archived WAL');
  for (const t of h.timelines) {
    const gaps = t.gaps.length === 0 ? 'no gaps' : `GAPS: ${t.gaps.map((g) => (g.count === 1 ? g.from : `${g.from}…${g.to} (${g.count})`)).join(', ')}`;
    lines.push(`  timeline ${t.timeline}: ${t.segments} segment(s) ${t.first ?? ''}…${t.last ?? ''}, ${gaps}${t.history ? '' : ', HISTORY FILE MISSING'}`);
  }
  if (h.newest) lines.push(`  newest segment: ${h.newest.name}, archived ${h.newest.archivedAt} (${formatAge(h.newest.ageSeconds)} ago)`);
  if (h.server) {
    lines.push(`  server: writing ${h.server.currentWal}; last archived ${h.server.lastArchivedWal ?? 'none'}${h.server.lastFailedWal ? `; last FAILED ${h.server.lastFailedWal} at ${h.server.lastFailedAt}` : ''}`);
  }
  lines.push('', h.baseBackups.length === 0 ? 'no base backups' : 'base backups:');
  for (const b of h.baseBackups) {
    const state = !b.restorable ? 'NOT RESTORABLE' : b.reachesNow ? 'restorable, reaches now' : `restorable to ${b.reachesSegment}`;
    lines.push(`  ${b.id}  timeline ${b.timeline}  ${b.startWal}…${b.stopWal}  ${state}${b.problem ? ` (${b.problem})` : ''}`);
  }
  lines.push('', `point-in-time restore to now: ${h.pitrToNow.possible ? 'POSSIBLE' : 'NOT POSSIBLE'} — ${h.pitrToNow.reason}`);
  return lines.join('\n');
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

import type { Command } from 'commander';
import { listBackups, openStorage, parseAge, pruneBackups, type BackupListing } from '../../index.js';
import { formatBytes, table } from '../output.js';
import { positiveInt, type CommandRegistrar } from '../program.js';

interface PruneFlags {
  keep?: number;
  olderThan?: string;
  dryRun?: boolean;
}

export function registerBackups(program: Command, registrar: CommandRegistrar): void {
  const backups = program.command('backups').description('list backups, newest first (incomplete ones are shown and never used)');
  registrar.action(backups, async (config) => {
    const storage = openStorage(config.storage, { cwd: config.cwd });
    try {
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
          json: { dryRun: result.dryRun, deleted: result.deleted.map(listingJson), kept: result.kept.map(listingJson), protectedId: result.protectedId },
          human: `${verb} ${result.deleted.length} backup(s), kept ${result.kept.length}${result.protectedId ? ` (newest verified: ${result.protectedId})` : ''}`,
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

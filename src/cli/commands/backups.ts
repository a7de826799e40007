import type { Command } from 'commander';
import { listBackups, parseAge, pruneBackups } from '../../index.js';
import { positiveInt } from '../flags.js';
import type { CommandRegistrar } from '../registrar.js';
import { listingJson, renderBackupList } from '../render/backups.js';

interface PruneFlags {
  keep?: number;
  olderThan?: string;
  dryRun?: boolean;
}

export function registerBackups(program: Command, registrar: CommandRegistrar): void {
  const backups = program.command('backups').description('list backups, newest first (incomplete ones are shown and never used)');
  registrar.action(backups, async (run) => {
    const list = await listBackups(run.storage);
    return { json: { backups: list.map(listingJson) }, human: renderBackupList(list, run.storage.url) };
  });

  registrar.action<PruneFlags>(
    backups
      .command('prune')
      .description('delete old backups (never the newest verified one)')
      .option('--keep <n>', 'keep the newest N complete backups', positiveInt('--keep'))
      .option('--older-than <age>', 'delete backups older than AGE (90m, 12h, 30d, 2w)')
      .option('--dry-run', 'show what would be deleted; delete nothing'),
    async (run, io, opts) => {
      const olderThanMs = opts.olderThan !== undefined ? parseAge(opts.olderThan) : undefined;
      const result = await pruneBackups(run.storage, { keep: opts.keep, olderThanMs, dryRun: opts.dryRun });
      const verb = result.dryRun ? 'would delete' : 'deleted';
      for (const b of result.deleted) io.log(`${verb} ${b.id} (${b.status}, ${b.createdAt})`);
      return {
        json: { dryRun: result.dryRun, deleted: result.deleted.map(listingJson), kept: result.kept.map(listingJson), protectedId: result.protectedId },
        human: `${verb} ${result.deleted.length} backup(s), kept ${result.kept.length}${result.protectedId ? ` (newest verified: ${result.protectedId})` : ''}`,
      };
    },
  );
}

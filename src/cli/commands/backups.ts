import type { Command } from 'commander';
import { archiveHealth, archiverHealth, EXIT, listBackups, parseAge, pruneBackups } from '../../index.js';
import { positiveInt } from '../flags.js';
import type { CommandRegistrar } from '../registrar.js';
import { listingJson, renderArchiverHealth, renderBackupList, renderHealth } from '../render/backups.js';

interface PruneFlags {
  keep?: number;
  olderThan?: string;
  dryRun?: boolean;
}

export function registerBackups(program: Command, registrar: CommandRegistrar): void {
  const backups = program
    .command('backups')
    .description('list backups, newest first (incomplete ones are shown and never used)')
    .option('--check', 'archive health: WAL continuity per timeline, newest segment, base backups PITR can start from (with --archiver pgbackrest|barman-cloud: that tool\'s listing and the server\'s pg_stat_archiver); exit 3 when PITR to now is impossible');
  registrar.action<{ check?: boolean }>(backups, async (run, _io, opts) => {
    if (opts.check) {
      // The server is asked only when one is named explicitly (never libpq's localhost default).
      const conn = run.config.connSource === 'libpq-env' ? undefined : run.conn;
      if (run.config.archiver.kind !== 'dbrollback') {
        const health = await archiverHealth(run.archiver, { ...(conn ? { conn } : {}) });
        return { json: health, human: renderArchiverHealth(health), exitCode: health.ok ? EXIT.ok : EXIT.verifyFailed };
      }
      const health = await archiveHealth(run.storage, { conn });
      return { json: health, human: renderHealth(health, run.storage.url), exitCode: health.ok ? EXIT.ok : EXIT.verifyFailed };
    }
    const list = await listBackups(run.storage);
    return { json: { backups: list.map(listingJson) }, human: renderBackupList(list, run.storage.url) };
  });

  registrar.action<PruneFlags>(
    backups
      .command('prune')
      .description('delete old backups (never the newest verified one) and the archived WAL no kept base backup needs')
      .option('--keep <n>', 'keep the newest N complete backups of each database (a storage may hold several databases\' backups)', positiveInt('--keep'))
      .option('--older-than <age>', 'delete backups older than AGE (90m, 12h, 30d, 2w)')
      .option('--dry-run', 'show what would be deleted; delete nothing'),
    async (run, io, opts) => {
      const olderThanMs = opts.olderThan !== undefined ? parseAge(opts.olderThan) : undefined;
      const result = await pruneBackups(run.storage, { keep: opts.keep, olderThanMs, dryRun: opts.dryRun });
      const verb = result.dryRun ? 'would delete' : 'deleted';
      for (const b of result.deleted) io.log(`${verb} ${b.id} (${b.status}, ${b.createdAt})`);
      return {
        json: {
          dryRun: result.dryRun,
          deleted: result.deleted.map(listingJson),
          kept: result.kept.map(listingJson),
          protectedId: result.protectedId,
          protectedIds: result.protectedIds,
          protectedBaseId: result.protectedBaseId,
          walDeleted: result.walDeleted,
          walKeptFrom: result.walKeptFrom,
        },
        human: [
          `${verb} ${result.deleted.length} backup(s), kept ${result.kept.length}${result.protectedIds.length > 0 ? ` (newest verified${result.protectedIds.length > 1 ? ', one per database' : ''}: ${result.protectedIds.join(', ')})` : ''}`,
          result.walKeptFrom
            ? `${verb} ${result.walDeleted.length} archived WAL file(s) before ${result.walKeptFrom} (the oldest kept base backup's start)`
            : 'archived WAL: nothing deleted (no base backup is kept)',
        ].join('\n'),
      };
    },
  );
}

import type { Command } from 'commander';
import { archiveCommand, childStorageAccess, DbrollbackError } from '../../index.js';
import type { CommandRegistrar } from '../registrar.js';

export function registerArchiveCommand(program: Command, registrar: CommandRegistrar): void {
  registrar.action(
    program
      .command('archive-command')
      .description("print the archive_command to give PostgreSQL (postgresql.conf line on stdout): wal-push into this storage, answering the server's calls for segments it already pushed ahead from a marker, without starting Node"),
    async (run, io) => {
      if (run.config.archiver.kind !== 'dbrollback') {
        throw new DbrollbackError('USAGE', `archive-command prints dbrollback's own archive_command, but the archiver is ${run.config.archiver.kind}: its archive_command is that tool's`, {
          hint: 'Leave out --archiver (or set it to dbrollback) to archive into the dbrollback storage.',
        });
      }
      // PostgreSQL runs this very CLI, opening the storage as this run does (a key file by its path, never a key).
      const command = archiveCommand({ node: process.execPath, cli: process.argv[1]!, access: childStorageAccess(run.storage) });
      io.log('Put this line in postgresql.conf with archive_mode = on and wal_level = replica (archive_mode needs a restart), or run ALTER SYSTEM SET archive_command = \'…\' with the same quoted value and SELECT pg_reload_conf().');
      io.log('It runs as the server\'s OS user on the database host: that user needs this node and dbrollback, and the storage (S3 credentials in its environment, or a directory it can write).');
      if (command.environment.length > 0) io.log(`The key is not in the command: the server's environment must hold ${command.environment.join(', ')} (systemd: Environment= in a drop-in for the postgresql unit), or use --encryption-key-file.`);
      // The setting to paste into postgresql.conf, exactly.
      return { json: { ok: true, ...command }, human: command.setting, asRecorded: true };
    },
  );
}

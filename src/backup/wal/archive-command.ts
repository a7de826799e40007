/**
 * The archive_command a user is given (`dbrollback archive-command`): the
 * marker form (archiveCommandWithMarkers), whose `wal-push` pushes ready
 * segments ahead and whose shell part answers the server's next calls from
 * their markers without starting Node — with the storage opened exactly as
 * this run opened it. It names node and the CLI by absolute path (the
 * server's PATH is not the user's, and a lookup per segment costs), takes
 * the plain form the CLI's short way in accepts, and never holds a key or a
 * credential: a key from a file is named by its path, a key or passphrase
 * from anywhere else must be in the server's environment, under the variable
 * `environment` lists.
 */
import type { ChildStorageAccess } from '../../storage/child-access.js';
import { confString, shellQuote } from '../pitr/recovery-config.js';
import { archiveCommandWithMarkers } from './wal-push-ahead.js';

export interface ArchiveCommandInput {
  /** The program: node and the built CLI (process.execPath, process.argv[1]). */
  node: string;
  cli: string;
  /** How wal-push opens the storage: childStorageAccess(storage) of the run's storage. */
  access: ChildStorageAccess;
}

export interface ArchiveCommand {
  /** The setting's value, as PostgreSQL reads it (a literal % already doubled). */
  archiveCommand: string;
  /** The postgresql.conf line: `archive_command = '…'` (the same literal serves ALTER SYSTEM SET). */
  setting: string;
  /** Variables the server's environment must hold for wal-push (names only: their values are never printed). */
  environment: string[];
}

export function archiveCommand(input: ArchiveCommandInput): ArchiveCommand {
  // A literal % in archive_command is %%; every other % is PostgreSQL's (%p, %f).
  const word = (arg: string) => shellQuote(arg).replace(/%/g, '%%');
  const walPush = [word(input.node), word(input.cli), 'wal-push', '%p', ...input.access.args.map(word)].join(' ');
  const value = archiveCommandWithMarkers(walPush);
  return { archiveCommand: value, setting: `archive_command = ${confString(value)}`, environment: Object.keys(input.access.env).sort() };
}

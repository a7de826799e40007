/**
 * The one table of settings: every setting a run can take, where it may come
 * from (a global CLI flag, a command's flag, the config file, an environment
 * variable) and its help text. Config-file validation, environment lookup,
 * commander's global flags and the help text are all driven from here, so a
 * setting is declared once (pgBackRest's build/config.yaml is the model).
 */
import { ARCHIVER_KINDS } from '../backup/archivers/contract.js';
import { DbrollbackError } from '../errors.js';
import { MIGRATOR_KINDS, TOOLS } from '../tools/registry.js';

/** What `--fail-on` / `failOn` may name: the findings that refuse a run. */
export type FailOn = 'breaking' | 'destructive';
export const FAIL_ON: readonly FailOn[] = ['breaking', 'destructive'];

/** What `undo --backup` / `undoBackup` may name: how much is backed up before the downs run. */
export type UndoBackupMode = 'auto' | 'full' | 'tables' | 'never';
export const UNDO_BACKUP_MODES: readonly UndoBackupMode[] = ['auto', 'full', 'tables', 'never'];

/** `undo --backup MODE`, checked (bad usage, exit 2, when it is not one of the modes). */
export function undoBackupMode(value: string): UndoBackupMode {
  if ((UNDO_BACKUP_MODES as readonly string[]).includes(value)) return value as UndoBackupMode;
  throw new DbrollbackError('USAGE', `--backup must be one of ${UNDO_BACKUP_MODES.join(', ')} (got "${value}")`, {
    hint: 'auto (the default) backs up what the downs can destroy, or relies on a healthy WAL archive; full dumps the whole database. Nothing was changed.',
  });
}

export type OptionKind = 'string' | 'path' | 'choice' | 'boolean' | 'any';

export interface OptionSpec {
  /** The key in the config file and in RawOptions. */
  readonly key: string;
  readonly kind: OptionKind;
  readonly help: string;
  /** A global flag every command takes (commander syntax). */
  readonly flag?: string;
  /** A flag declared by individual commands, resolved with the same precedence as the global ones. */
  readonly commandFlag?: string;
  /** Allowed in the config file. */
  readonly file?: boolean;
  /** Environment variable read when neither a flag nor the config file set it. */
  readonly env?: string;
  readonly choices?: readonly string[];
  /** Only the CLI uses it (output and prompting); the library never sees it. */
  readonly cliOnly?: boolean;
}

export const OPTIONS = [
  { key: 'databaseUrl', kind: 'string', flag: '--database-url <url>', file: true, env: 'DATABASE_URL', help: 'target database (else DATABASE_URL, else libpq PG* variables)' },
  { key: 'storage', kind: 'string', flag: '--storage <url>', file: true, env: 'DBROLLBACK_STORAGE', help: 'backup storage: s3://bucket/prefix, file:///dir or a path (else DBROLLBACK_STORAGE)' },
  { key: 'migrations', kind: 'path', flag: '--migrations <dir>', file: true, env: 'DBROLLBACK_MIGRATIONS', help: 'migrations directory (default ./migrations)' },
  { key: 'migrator', kind: 'choice', flag: '--migrator <tool>', file: true, env: 'DBROLLBACK_MIGRATOR', choices: MIGRATOR_KINDS, help: 'migration tool (detected when omitted)' },
  { key: 'config', kind: 'path', flag: '--config <file>', help: 'config file (default dbrollback.config.{json,mjs,js})' },
  { key: 'json', kind: 'boolean', flag: '--json', cliOnly: true, help: 'print exactly one JSON document on stdout' },
  { key: 'yes', kind: 'boolean', flag: '--yes', cliOnly: true, help: 'do not ask for confirmation' },
  { key: 'verbose', kind: 'boolean', flag: '--verbose', cliOnly: true, help: 'show details and error causes on stderr' },
  { key: 'migrationsTable', kind: 'string', file: true, help: `the migration tool's history table (${TOOLS.flatMap((t) => (t.migrationsTableHelp ? [`${t.kind}: ${t.migrationsTableHelp}`] : [])).join('; ')})` },
  { key: 'migrationsSchema', kind: 'string', file: true, help: "schema of the history table (default public; drizzle: drizzle; sqitch: its registry schema, default sqitch; prisma: the database URL's schema= parameter, as Prisma reads it)" },
  { key: 'checksDir', kind: 'path', file: true, help: "directory of verify's .sql checks (default verify/ beside the migrations)" },
  { key: 'pauseTraffic', kind: 'string', file: true, commandFlag: '--pause-traffic <cmd>', help: 'shell command run before anything changes' },
  { key: 'resumeTraffic', kind: 'string', file: true, commandFlag: '--resume-traffic <cmd>', help: 'shell command run only after verify passes' },
  { key: 'encryptionKeyFile', kind: 'path', flag: '--encryption-key-file <file>', file: true, env: 'DBROLLBACK_ENCRYPTION_KEY_FILE', help: 'a file holding the storage encryption key (64 hex digits or base64 of 32 bytes); the key itself only through DBROLLBACK_ENCRYPTION_KEY, a passphrase through DBROLLBACK_ENCRYPTION_PASSPHRASE' },
  { key: 'lockTimeout', kind: 'any', file: true, env: 'DBROLLBACK_LOCK_TIMEOUT', commandFlag: '--lock-timeout <duration>', help: 'how long one DDL statement of a down or up may wait for a lock ("5s", "500ms", or seconds; default 5s)' },
  { key: 'drillImage', kind: 'string', file: true, help: 'the Docker image drill --provider testcontainers starts (default postgres:<major of the local pg_dump>)' },
  { key: 'archiver', kind: 'choice', flag: '--archiver <name>', file: true, env: 'DBROLLBACK_ARCHIVER', choices: ARCHIVER_KINDS, help: "who keeps the base backups and WAL point-in-time restore reads: dbrollback (its own wal-push archive, the default), pgbackrest or barman-cloud" },
  { key: 'stanza', kind: 'string', flag: '--stanza <name>', file: true, help: 'with --archiver pgbackrest: the stanza' },
  { key: 'pgbackrestConfig', kind: 'path', flag: '--pgbackrest-config <file>', file: true, help: 'with --archiver pgbackrest: its configuration file (default: pgBackRest\'s own)' },
  { key: 'barmanDestination', kind: 'string', flag: '--barman-destination <url>', file: true, help: "with --archiver barman-cloud: the object store URL (s3://bucket/path; CloudNativePG's destinationPath)" },
  { key: 'barmanEndpoint', kind: 'string', flag: '--barman-endpoint <url>', file: true, help: "with --archiver barman-cloud: the S3-compatible endpoint URL (CloudNativePG's endpointURL)" },
  { key: 'barmanServerName', kind: 'string', flag: '--barman-server-name <name>', file: true, help: 'with --archiver barman-cloud: the server name (the folder under the URL; CloudNativePG: the source cluster\'s name)' },
  { key: 'undoBackup', kind: 'choice', file: true, env: 'DBROLLBACK_UNDO_BACKUP', commandFlag: '--backup <mode>', choices: UNDO_BACKUP_MODES, help: 'what undo backs up before the downs: auto (a restore point in a healthy WAL archive, plus the at-risk tables when the downs destroy data; else as tables), tables (the at-risk tables\' data and the whole schema), full (pg_dump of the whole database), never (none: said loudly and recorded); default auto' },
  { key: 'failOn', kind: 'string', file: true, commandFlag: '--fail-on <list>', help: 'migrate refuses (exit 4) pending migrations with findings that are breaking and/or destructive, e.g. breaking,destructive' },
] as const satisfies readonly OptionSpec[];

export type OptionKey = (typeof OPTIONS)[number]['key'];

/** Config-file keys a migration tool adds (its entry's `configKeys`, e.g. umzug's `umzug`): any value, only in the file. */
export const TOOL_OPTIONS: readonly OptionSpec[] = TOOLS.flatMap((t) => (t.configKeys ?? []).map((k): OptionSpec => ({ key: k.key, kind: 'any', file: true, help: k.help })));

export const FILE_OPTIONS: readonly OptionSpec[] = [...OPTIONS.filter((o: OptionSpec) => o.file), ...TOOL_OPTIONS];
export const GLOBAL_FLAGS: readonly OptionSpec[] = OPTIONS.filter((o: OptionSpec) => o.flag !== undefined);

export function optionSpec(key: OptionKey): OptionSpec {
  return OPTIONS.find((o) => o.key === key)!;
}

/** The help line of a command-level flag that is also a setting (same text as the config file's). */
export function commandFlag(key: OptionKey): { flag: string; help: string } {
  const spec = optionSpec(key);
  return { flag: spec.commandFlag!, help: `${spec.help}${spec.file ? ` (config: ${spec.key})` : ''}` };
}

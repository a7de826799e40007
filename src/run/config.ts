/**
 * Raw settings (flags, config file, environment) → one validated config.
 * Precedence: flag > config file > environment > default. Every problem is
 * collected and reported at once, so a broken config is fixed in one pass.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { connInfoFromEnv, connInfoFromUrl, type ConnInfo } from '../db/conninfo.js';
import { DbrollbackError } from '../errors.js';
import { ARCHIVER_KINDS, type ArchiverKind, type ArchiverSettings } from '../backup/archivers/contract.js';
import { MIGRATOR_KINDS, type MigratorKind } from '../tools/registry.js';
import { parseDuration } from '../db/duration.js';
import { FAIL_ON, FILE_OPTIONS, UNDO_BACKUP_MODES, optionSpec, type FailOn, type OptionKey, type UndoBackupMode } from './options.js';
import { CONFIG_FILE_NAMES } from './config-files.js';
import { registerSecret } from '../secrets/redact.js';
import { encryptionKeySources, loadEncryptionKey, type EncryptionKey } from '../storage/encryption-key.js';

/** lock_timeout for downs and ups when nothing is configured: long enough for a busy table, short enough that the application does not queue behind it for long. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

/** Settings a config file may hold (the `file` rows of the options table). Unknown keys are an error: typos must not be silently ignored. */
export interface FileConfig {
  databaseUrl?: string;
  storage?: string;
  migrations?: string;
  migrator?: MigratorKind;
  migrationsTable?: string;
  migrationsSchema?: string;
  checksDir?: string;
  pauseTraffic?: string;
  resumeTraffic?: string;
  /** A file holding the storage encryption key (64 hex digits or base64 of 32 bytes). */
  encryptionKeyFile?: string;
  /** How long one DDL statement of a down (or up) may wait for a lock: "5s", "500ms", or seconds as a number. */
  lockTimeout?: string | number;
  /** The image `drill --provider testcontainers` starts (default postgres:<major of the local PostgreSQL programs>). */
  drillImage?: string;
  /** migrate's policy: comma-separated breaking / destructive. */
  failOn?: string;
  /** Who keeps the base backups and WAL: dbrollback (default), pgbackrest, barman-cloud; and how to reach that archive. */
  archiver?: ArchiverKind;
  stanza?: string;
  pgbackrestConfig?: string;
  barmanDestination?: string;
  barmanEndpoint?: string;
  barmanServerName?: string;
  /** undo's safety backup: auto, full, tables or never. */
  undoBackup?: string;
  /** Keys a migration tool adds (its entry's `configKeys`, e.g. umzug's `umzug`: the project's Umzug instance, or a function returning one). */
  [toolKey: string]: unknown;
}


/**
 * What flags (global or a command's) or a library caller provide: the
 * options table's keys. CLI-only keys (json, yes, verbose) may be present and
 * are ignored here.
 */
export type RawOptions = { [K in OptionKey]?: K extends 'json' | 'yes' | 'verbose' ? boolean : string };

export interface ResolvedConfig {
  /** Where the target database is. */
  conn: ConnInfo;
  /** Where conn came from, for messages: flag, config file, DATABASE_URL, PG* env. */
  connSource: 'flag' | 'config' | 'DATABASE_URL' | 'libpq-env';
  storage: string | undefined;
  migrationsDir: string | undefined;
  migrator: MigratorKind | undefined;
  migrationsTable: string | undefined;
  migrationsSchema: string | undefined;
  checksDir: string | undefined;
  pauseTraffic: string | undefined;
  resumeTraffic: string | undefined;
  /** Client-side storage encryption, when a key is configured. */
  encryption: EncryptionKey | undefined;
  /** lock_timeout for the DDL of downs and ups, in milliseconds. */
  lockTimeoutMs: number;
  drillImage: string | undefined;
  /** migrate's policy (--fail-on / failOn); undefined when not set. */
  failOn: FailOn[] | undefined;
  /** Whose archive point-in-time restore, `backups --check`, `plan` and `migrate` read (default dbrollback's own). */
  archiver: ArchiverSettings;
  /** undo's safety backup (--backup / undoBackup; default auto). */
  undoBackup: UndoBackupMode;
  configFile: string | undefined;
  /** The loaded config module's exports (js/mjs), for adapters that need code (umzug). */
  configModule: Record<string, unknown> | undefined;
  cwd: string;
}

export interface ResolveOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export async function resolveConfig(raw: RawOptions, options: ResolveOptions = {}): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const problems: string[] = [];

  const configFile = await findConfigFile(raw.config, cwd, problems);
  const { file, module } = configFile ? await loadConfigFile(configFile, problems) : { file: {}, module: undefined };
  const fileDir = configFile ? path.dirname(configFile) : cwd;

  // Database: flag > config file > DATABASE_URL > libpq PG* variables.
  let conn: ConnInfo = connInfoFromEnv(env);
  let connSource: ResolvedConfig['connSource'] = 'libpq-env';
  const urlCandidates: Array<[string | undefined, ResolvedConfig['connSource']]> = [
    [raw.databaseUrl, 'flag'],
    [file.databaseUrl, 'config'],
    [env.DATABASE_URL || undefined, 'DATABASE_URL'],
  ];
  const chosen = urlCandidates.find(([url]) => url !== undefined && url !== '');
  if (chosen) {
    try {
      conn = connInfoFromUrl(chosen[0]!, env);
      connSource = chosen[1];
    } catch (err) {
      problems.push(`${sourceLabel(chosen[1])}: ${(err as Error).message}`);
    }
  }
  registerSecret(conn.password);

  // Every other setting: flag > config file > environment (the options table says which apply).
  const pick = (key: OptionKey): string | undefined => {
    const spec = optionSpec(key);
    const flag = raw[key];
    if (typeof flag === 'string') return flag;
    const fromFile = (file as Record<string, unknown>)[key];
    if (typeof fromFile === 'string') return fromFile;
    return spec.env !== undefined ? env[spec.env] || undefined : undefined;
  };
  const fromFileDir = (key: OptionKey): boolean => typeof raw[key] !== 'string' && typeof (file as Record<string, unknown>)[key] === 'string';

  const migratorRaw = pick('migrator');
  let migrator: MigratorKind | undefined;
  if (migratorRaw !== undefined) {
    if ((MIGRATOR_KINDS as readonly string[]).includes(migratorRaw)) migrator = migratorRaw as MigratorKind;
    else problems.push(`migrator: "${migratorRaw}" is not one of ${MIGRATOR_KINDS.join(', ')}`);
  }

  // Paths from the config file are relative to the file; the others to the working directory.
  const pathOf = (key: OptionKey): string | undefined => {
    const value = pick(key);
    return value === undefined ? undefined : path.resolve(fromFileDir(key) ? fileDir : cwd, value);
  };
  const migrationsDir = pathOf('migrations') ?? (await defaultMigrationsDir(cwd));
  if (pick('migrations') !== undefined && !(await exists(migrationsDir!))) {
    problems.push(`migrations: directory ${migrationsDir} does not exist`);
  }

  // The key itself (or a passphrase) only ever comes from the environment, never a flag (argv is visible to every user): a flag names a key file.
  const keyFilePath = pathOf('encryptionKeyFile');
  const keyFileSource = typeof raw.encryptionKeyFile === 'string' ? '--encryption-key-file' : fromFileDir('encryptionKeyFile') ? 'encryptionKeyFile (config file)' : 'DBROLLBACK_ENCRYPTION_KEY_FILE';
  const encryption = await loadEncryptionKey(encryptionKeySources(env, keyFilePath !== undefined ? { path: keyFilePath, source: keyFileSource } : undefined));
  problems.push(...encryption.problems);

  let lockTimeoutMs = DEFAULT_LOCK_TIMEOUT_MS;
  const lockTimeoutRaw: unknown = raw.lockTimeout ?? (file as Record<string, unknown>).lockTimeout ?? (env.DBROLLBACK_LOCK_TIMEOUT || undefined);
  if (lockTimeoutRaw !== undefined) {
    const ms = parseDuration(lockTimeoutRaw as string | number);
    if (ms === undefined) problems.push(`lockTimeout: ${JSON.stringify(lockTimeoutRaw)} is not a duration (use e.g. "5s", "500ms", or a number of seconds)`);
    else lockTimeoutMs = ms;
  }
  const failOn = failOnOf(pick('failOn'), typeof raw.failOn === 'string' ? '--fail-on' : 'failOn', problems);
  const archiver = archiverOf(pick, pathOf, problems);
  const undoBackupRaw = pick('undoBackup');
  let undoBackup: UndoBackupMode = 'auto';
  if (undoBackupRaw !== undefined) {
    if ((UNDO_BACKUP_MODES as readonly string[]).includes(undoBackupRaw)) undoBackup = undoBackupRaw as UndoBackupMode;
    else problems.push(`undoBackup: "${undoBackupRaw}" is not one of ${UNDO_BACKUP_MODES.join(', ')}`);
  }

  if (problems.length > 0) {
    throw new DbrollbackError('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      hint: configFile ? `Fix ${configFile} (and the flags/environment named above), then run again.` : 'Fix the flags/environment named above, then run again.',
      details: { problems },
    });
  }

  return {
    conn,
    connSource,
    storage: pick('storage'),
    migrationsDir,
    migrator,
    migrationsTable: pick('migrationsTable'),
    migrationsSchema: pick('migrationsSchema') ?? prismaSchemaParam(chosen?.[0], migrator),
    checksDir: pathOf('checksDir'),
    pauseTraffic: pick('pauseTraffic'),
    resumeTraffic: pick('resumeTraffic'),
    encryption: encryption.key,
    lockTimeoutMs,
    drillImage: pick('drillImage'),
    failOn,
    archiver,
    undoBackup,
    configFile,
    configModule: module,
    cwd,
  };
}

/** The archiver and the settings its kind needs (each missing one is a problem of its own). */
function archiverOf(pick: (key: OptionKey) => string | undefined, pathOf: (key: OptionKey) => string | undefined, problems: string[]): ArchiverSettings {
  const kind = pick('archiver') ?? 'dbrollback';
  if (!(ARCHIVER_KINDS as readonly string[]).includes(kind)) {
    problems.push(`archiver: "${kind}" is not one of ${ARCHIVER_KINDS.join(', ')}`);
    return { kind: 'dbrollback' };
  }
  const pgbackrest = ['stanza', 'pgbackrestConfig'] as const;
  const barman = ['barmanDestination', 'barmanEndpoint', 'barmanServerName'] as const;
  const stray = (keys: readonly OptionKey[]) => keys.filter((k) => pick(k) !== undefined);
  if (kind !== 'pgbackrest' && stray(pgbackrest).length > 0) problems.push(`${stray(pgbackrest).join(', ')}: only with archiver pgbackrest (archiver is ${kind})`);
  if (kind !== 'barman-cloud' && stray(barman).length > 0) problems.push(`${stray(barman).join(', ')}: only with archiver barman-cloud (archiver is ${kind})`);
  if (kind === 'pgbackrest') {
    const stanza = pick('stanza');
    if (stanza === undefined) {
      problems.push('archiver pgbackrest needs stanza (--stanza NAME, or "stanza" in the config file)');
      return { kind: 'dbrollback' };
    }
    const config = pathOf('pgbackrestConfig');
    return { kind, stanza, ...(config !== undefined ? { config } : {}) };
  }
  if (kind === 'barman-cloud') {
    const destination = pick('barmanDestination');
    const serverName = pick('barmanServerName');
    if (destination === undefined) problems.push('archiver barman-cloud needs the object store URL (--barman-destination s3://BUCKET/PATH, or "barmanDestination" in the config file)');
    else if (!/^(s3|azure|gs):\/\/./.test(destination)) problems.push(`barmanDestination: "${destination}" is not an object store URL (s3://BUCKET/PATH)`);
    if (serverName === undefined) problems.push('archiver barman-cloud needs the server name (--barman-server-name NAME, or "barmanServerName" in the config file)');
    if (destination === undefined || serverName === undefined) return { kind: 'dbrollback' };
    const endpoint = pick('barmanEndpoint');
    return { kind, destination, serverName, ...(endpoint !== undefined ? { endpoint } : {}) };
  }
  return { kind: 'dbrollback' };
}

function failOnOf(raw: string | undefined, label: '--fail-on' | 'failOn', problems: string[]): FailOn[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const bad = parts.filter((p) => !(FAIL_ON as readonly string[]).includes(p));
  if (bad.length > 0 || parts.length === 0) {
    problems.push(`${label} must be breaking and/or destructive (got "${raw}"); several are separated by commas`);
    return undefined;
  }
  return [...new Set(parts)] as FailOn[];
}

/**
 * Prisma's datasource URL names its schema in a `schema` parameter (`…/mydb?schema=app`), which libpq does not
 * know: Prisma keeps `_prisma_migrations` and runs the migrations there. The URL a Prisma team has is that one, so
 * without a migrationsSchema of its own a Prisma run (or one whose tool is still to be detected) follows it, as
 * Prisma does — not public, where Prisma keeps nothing.
 */
function prismaSchemaParam(url: string | undefined, migrator: MigratorKind | undefined): string | undefined {
  if (url === undefined || (migrator !== undefined && migrator !== 'prisma')) return undefined;
  try {
    return new URL(url).searchParams.get('schema') || undefined;
  } catch {
    return undefined;
  }
}

function sourceLabel(source: ResolvedConfig['connSource']): string {
  return { flag: '--database-url', config: 'databaseUrl (config file)', DATABASE_URL: 'DATABASE_URL', 'libpq-env': 'PG* environment' }[source];
}

async function findConfigFile(explicit: string | undefined, cwd: string, problems: string[]): Promise<string | undefined> {
  if (explicit !== undefined) {
    const file = path.resolve(cwd, explicit);
    if (!(await exists(file))) problems.push(`--config: file ${file} does not exist`);
    return (await exists(file)) ? file : undefined;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = path.join(cwd, name);
    if (await exists(file)) return file;
  }
  return undefined;
}

async function loadConfigFile(file: string, problems: string[]): Promise<{ file: FileConfig; module: Record<string, unknown> | undefined }> {
  let data: unknown;
  let module: Record<string, unknown> | undefined;
  if (file.endsWith('.json')) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      problems.push(`${file}: cannot be read (${(err as Error).message})`);
      return { file: {}, module };
    }
    try {
      data = JSON.parse(text);
    } catch (err) {
      problems.push(`${file}: is not valid JSON (${(err as Error).message})`);
      return { file: {}, module };
    }
  } else {
    try {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (err) {
      problems.push(`${file}: could not be loaded (${(err as Error).message})`);
      return { file: {}, module };
    }
    data = module.default ?? module;
  }
  return { file: validateFileConfig(data, file, problems), module };
}

/** Check every key and value; push one line per problem. */
export function validateFileConfig(data: unknown, label: string, problems: string[]): FileConfig {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    problems.push(`${label}: must be an object of settings`);
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const kind = FILE_OPTIONS.find((o) => o.key === key)?.kind;
    if (kind === undefined) {
      problems.push(`${label}: unknown setting "${key}" (known: ${FILE_OPTIONS.map((o) => o.key).join(', ')})`);
      continue;
    }
    if (kind !== 'any' && (typeof value !== 'string' || value === '')) {
      problems.push(`${label}: "${key}" must be a non-empty string (got ${JSON.stringify(value)})`);
      continue;
    }
    if (key === 'migrator' && !(MIGRATOR_KINDS as readonly string[]).includes(value as string)) {
      problems.push(`${label}: "migrator" must be one of ${MIGRATOR_KINDS.join(', ')} (got ${JSON.stringify(value)})`);
      continue;
    }
    if (key === 'databaseUrl') {
      try {
        connInfoFromUrl(value as string);
      } catch (err) {
        problems.push(`${label}: "databaseUrl" ${(err as DbrollbackError).message}`);
        continue;
      }
    }
    out[key] = value;
  }
  return out as FileConfig;
}

async function defaultMigrationsDir(cwd: string): Promise<string | undefined> {
  const dir = path.join(cwd, 'migrations');
  return (await exists(dir)) ? dir : undefined;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

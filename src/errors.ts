/**
 * One error type for everything dbrollback reports on purpose.
 *
 * The `code` is stable (scripts match on it); the table below maps each code
 * to the CLI exit code of the contract:
 *   1 = the operation failed, 2 = bad usage or input (nothing touched),
 *   3 = verification failed (do not return traffic), 4 = refused by a safety rule.
 */

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  verifyFailed: 3,
  refused: 4,
  /** Stopped by SIGINT (Ctrl-C) at a safe point: 128 + 2, as shells report it. */
  interrupted: 130,
  /** Stopped by SIGTERM at a safe point: 128 + 15. */
  terminated: 143,
  /**
   * wal-fetch only: the archive could not be read (storage unreachable, damaged
   * object, bad setup). PostgreSQL stops recovery on an exit above 125, where
   * exit 1 would make it treat the file as absent and end recovery early.
   */
  archiveUnavailable: 126,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every error code dbrollback raises, and the exit code it maps to. */
export const ERROR_CODES = {
  // 2: bad usage or bad input — nothing was touched
  USAGE: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  MIGRATIONS_INVALID: EXIT.usage,
  MIGRATION_NOT_FOUND: EXIT.usage,
  MIGRATOR_UNKNOWN: EXIT.usage,
  MIGRATOR_AMBIGUOUS: EXIT.usage,
  /** The migration tool's history says a migration was interrupted (golang-migrate's dirty flag): fixed with the tool's own command first. */
  MIGRATION_DIRTY: EXIT.usage,
  /** A script uses a placeholder its tool's configuration gives no value (Flyway's "No value provided for placeholder"). */
  PLACEHOLDER_MISSING: EXIT.usage,
  STORAGE_URL_INVALID: EXIT.usage,
  STORAGE_KEY_INVALID: EXIT.usage,
  STORAGE_CREDENTIALS_MISSING: EXIT.usage,
  STORAGE_ACCESS_DENIED: EXIT.usage,
  STORAGE_BUCKET_NOT_FOUND: EXIT.usage,
  BACKUP_NOT_FOUND: EXIT.usage,
  SQL_SYNTAX: EXIT.usage,
  FILE_UNREADABLE: EXIT.usage,
  NOT_A_MIGRATION: EXIT.usage,
  CONFIRMATION_REQUIRED: EXIT.usage,
  TARGET_NOT_EMPTY: EXIT.usage,
  ENCRYPTION_KEY_MISSING: EXIT.usage,
  ENCRYPTION_KEY_WRONG: EXIT.usage,
  OBJECT_NOT_AUTHENTIC: EXIT.usage,
  /** A WAL segment a point-in-time restore needs is not in the archive (checked before anything is written). */
  WAL_MISSING: EXIT.usage,
  WAL_NAME_INVALID: EXIT.usage,
  /** A --restore-point name neither the storage's records nor the archived WAL hold (looked for before anything is written). */
  RESTORE_POINT_NOT_FOUND: EXIT.usage,
  /** The server's TLS certificate failed sslmode verify-ca / verify-full (or a root file's) checks: nothing was done. */
  SSL_VERIFY_FAILED: EXIT.usage,
  /** The connected role lacks an attribute or GRANT the command needs (REPLICATION, CREATEDB): found before anything was changed, the hint names the grant. */
  PRIVILEGE_MISSING: EXIT.usage,

  // 1: the operation failed
  CONNECTION_FAILED: EXIT.failed,
  QUERY_FAILED: EXIT.failed,
  TOOL_NOT_FOUND: EXIT.failed,
  TOOL_TOO_OLD: EXIT.failed,
  TOOL_FAILED: EXIT.failed,
  LOCK_HELD: EXIT.failed,
  MIGRATION_FAILED: EXIT.failed,
  STORAGE_FAILED: EXIT.failed,
  STORAGE_UNREACHABLE: EXIT.failed,
  STORAGE_OBJECT_NOT_FOUND: EXIT.failed,
  STORAGE_OBJECT_EXISTS: EXIT.failed,
  BACKUP_INCOMPLETE: EXIT.failed,
  CHECKSUM_MISMATCH: EXIT.failed,
  BACKUP_FAILED: EXIT.failed,
  RESTORE_FAILED: EXIT.failed,
  /** The restored server stopped before reaching the recovery target. */
  RECOVERY_FAILED: EXIT.failed,
  HOOK_FAILED: EXIT.failed,
  TIMEOUT: EXIT.failed,
  LOCK_TIMEOUT: EXIT.failed,
  INTERNAL: EXIT.failed,
  WAL_NOT_FOUND: EXIT.failed,
  WAL_CORRUPT: EXIT.failed,
  WAL_EXISTS_DIFFERENT: EXIT.failed,
  BASE_BACKUP_UNSUPPORTED: EXIT.failed,
  /** The server is not archiving its WAL (failing archive_command, archiving off or empty): named with pg_stat_archiver's last failure. */
  ARCHIVE_FAILING: EXIT.failed,
  /** Every port of a pinned range (--port) is taken: no throwaway server could be started there. */
  PORT_UNAVAILABLE: EXIT.failed,

  // 130 / 143: stopped by a signal at a safe point; the message names the state
  INTERRUPTED: EXIT.interrupted,
  TERMINATED: EXIT.terminated,

  // 3: verification failed — do not send traffic
  VERIFY_FAILED: EXIT.verifyFailed,

  // 4: refused by a safety rule
  REFUSED: EXIT.refused,
  DATA_LOSS_REFUSED: EXIT.refused,
  IRREVERSIBLE: EXIT.refused,
  CLASSIFY_FAIL_ON: EXIT.refused,
  /** The downs would not bring the schema back to what it was before the migrations (or that cannot be proven). */
  SCHEMA_ROUND_TRIP: EXIT.refused,
  /** A down migration would be stopped by PostgreSQL: rows the table holds now violate a constraint it adds. */
  DOWN_WOULD_FAIL: EXIT.refused,
  /** A pending migration would be stopped by PostgreSQL: rows the table holds now violate what it adds. */
  MIGRATION_WOULD_FAIL: EXIT.refused,
} as const satisfies Record<string, ExitCode>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** PostgreSQL's own error fields, kept when a server error is wrapped. */
export interface PgErrorFields {
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

export interface DbrollbackErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra structured facts for --json output (e.g. which migrations were undone). */
  details?: Record<string, unknown>;
}

export class DbrollbackError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly pg: PgErrorFields | undefined;

  constructor(code: ErrorCode, message: string, options: DbrollbackErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DbrollbackError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
    this.pg = pgFieldsOf(options.cause);
  }

  get exitCode(): ExitCode {
    return ERROR_CODES[this.code];
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint ?? null,
      ...(this.pg ? { pg: this.pg } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isDbrollbackError(err: unknown): err is DbrollbackError {
  return err instanceof DbrollbackError;
}

/** Exit code for any thrown value: ours carry one, anything else is an internal failure. */
export function exitCodeOf(err: unknown): ExitCode {
  return isDbrollbackError(err) ? err.exitCode : EXIT.failed;
}

function pgFieldsOf(cause: unknown): PgErrorFields | undefined {
  if (typeof cause !== 'object' || cause === null) return undefined;
  // Wrapped once more (a run's error around the tool's): PostgreSQL's fields are the inner error's.
  if (cause instanceof DbrollbackError) return cause.pg;
  const c = cause as Record<string, unknown>;
  // node-postgres' DatabaseError carries `severity` and a five-character SQLSTATE `code`.
  if (typeof c.severity !== 'string' || typeof c.code !== 'string') return undefined;
  const fields: PgErrorFields = {};
  for (const key of ['code', 'detail', 'hint', 'position', 'schema', 'table', 'column', 'constraint'] as const) {
    const value = c[key];
    if (typeof value === 'string' && value !== '') fields[key] = value;
  }
  return fields;
}

/** `a`, `a or b`, `a, b or c`: choices as a hint names them. */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

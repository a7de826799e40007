/**
 * dbrollback's public API. Explicit named exports only: what is here is the
 * contract (the CLI uses nothing else).
 */
export { DbrollbackError, ERROR_CODES, EXIT, exitCodeOf, isDbrollbackError } from './errors.js';
export type { ErrorCode, ExitCode, PgErrorFields } from './errors.js';
export { resolveConfig, CONFIG_FILE_NAMES } from './config.js';
export type { FileConfig, RawOptions, ResolvedConfig } from './config.js';
export { connInfoFromEnv, connInfoFromUrl, describeConn } from './db/conninfo.js';
export type { ConnInfo } from './db/conninfo.js';
export { findBinary } from './pgtools/binaries.js';
export type { PgBinary, PgBinaryName } from './pgtools/binaries.js';
export { MIGRATOR_KINDS } from './migrate/adapter.js';
export type {
  DownKind,
  DownResult,
  DownStepResult,
  DownTarget,
  MigrationInfo,
  MigrationStatus,
  MigratorAdapter,
  MigratorKind,
} from './migrate/adapter.js';

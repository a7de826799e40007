/**
 * dbrollback's public API. Explicit named exports only: what is here is the
 * contract (the CLI uses nothing else).
 */
export { DbrollbackError, ERROR_CODES, EXIT, exitCodeOf, isDbrollbackError } from './errors.js';
export { packageVersion } from './run/package-version.js';
export type { ErrorCode, ExitCode, PgErrorFields } from './errors.js';
export { resolveConfig } from './run/config.js';
export { CONFIG_FILE_NAMES } from './run/config-files.js';
export type { FileConfig, RawOptions, ResolvedConfig } from './run/config.js';
export { OPTIONS, GLOBAL_FLAGS, FILE_OPTIONS, FAIL_ON, UNDO_BACKUP_MODES, commandFlag, undoBackupMode } from './run/options.js';
export type { UndoBackupMode } from './run/options.js';
export type { FailOn, OptionKey, OptionSpec } from './run/options.js';
export { openRun, RunContext } from './run/run-context.js';
export type { RunContextOptions } from './run/run-context.js';
export { connInfoFromEnv, connInfoFromUrl, describeConn } from './db/conninfo.js';
export type { ConnInfo } from './db/conninfo.js';
export { findBinary } from './pgtools/binaries.js';
export type { PgBinary, PgBinaryName } from './pgtools/binaries.js';
export type {
  AdapterOptions,
  DownKind,
  DownResult,
  DownStepResult,
  DownTarget,
  GeneratedUp,
  MigrationInfo,
  MigrationStatus,
  MigratorAdapter,
  ToolLock,
  ToolSettings,
} from './tools/contract.js';
export { detectMigrator, migratorLockKeys, MIGRATOR_KINDS, openAdapter, toolOf, TOOLS as MIGRATION_TOOLS } from './tools/registry.js';
export type { MigratorKind, OpenAdapterOptions } from './tools/registry.js';
export { findHistoryTables, historyLookupOn } from './tools/detect.js';
export type { DetectOptions, DetectSettings, FoundTable, HistoryLookup } from './tools/detect.js';
export type { DetectMatch, HistoryProbe, MigrationTool, ProjectEvidence } from './tools/tool.js';
export type { UmzugFactoryInput } from './tools/umzug/run.js';
export type { StorageWithTimes } from './tools/umzug/history.js';
export { backup } from './backup/backup.js';
export type { BackupOptions, BackupResult, BackupSource } from './backup/backup.js';
export { backupRun, baseBackupRun } from './backup/backup-run.js';
export type { BackupRunOptions, BackupRunReport, BaseBackupRunOptions, BaseBackupRunReport } from './backup/backup-run.js';
export { describeRunFacts, unfinishedRuns } from './audit/journal.js';
export type { UnfinishedRun } from './audit/journal.js';
export { listBackups, loadManifest } from './backup/catalog.js';
export type { BackupListing, BackupStatus, LoadManifestOptions } from './backup/catalog.js';
export { pruneBackups, parseAge } from './backup/prune.js';
export type { PruneOptions, PruneResult } from './backup/prune.js';
export { restore, RESTORE_STEPS } from './backup/restore/restore.js';
export type { RestoreMode, RestoreOptions, RestoreReport, RestoreSource } from './backup/restore/restore.js';
export type { BackupKind, BackupManifest } from './backup/manifest.js';
export type { IndexEvent, MessageEvent, ProgressEvent, ProgressListener, TablesEvent, TransferEvent, TransferPhase } from './progress.js';
export { openStorage } from './storage/open-storage.js';
export type { OpenStorageOptions } from './storage/open-storage.js';
export { memoryStorage } from './storage/memory.js';
export { validateKey } from './storage/contract.js';
export type { ObjectInfo, PutOptions, PutResult, Storage, StorageKind } from './storage/contract.js';
export { verify, DEFAULT_JOBS as VERIFY_DEFAULT_JOBS } from './verify/verify.js';
export type { VerifyOptions, VerifyReport, VerifyTarget } from './verify/verify.js';
export { CHECK_IDS } from './verify/check.js';
export type { Check, CheckId, CheckOutcome, CheckResult, CheckStatus, HeadLookup, HeadSchemaLookup, MigrationUp, VerifyContext } from './verify/check.js';
export { CHECKS, selectChecks } from './verify/registry.js';
export { verifyFailedError, verifySummary } from './verify/report.js';
export { baselineFromManifest, loadBaselineFile, parseBaseline, parseTableRefs, formatTableRef } from './verify/baseline.js';
export type { Baseline, BaselineTable } from './verify/baseline.js';
export { fingerprint, fingerprintTable, listUserTables, PINNED_SETTINGS } from './fingerprint/fingerprint.js';
export type { FingerprintOptions, TableFingerprint, TableRef } from './fingerprint/fingerprint.js';
export { status } from './migrate/status.js';
export type { StatusReport } from './migrate/status.js';
export { plan } from './migrate/plan/plan.js';
export type { Plan, PlanMigration, PlanOptions, PlanStep, PlanArchive } from './migrate/plan/plan.js';
export type { PlanType } from './migrate/plan/decide.js';
export type { AtRisk, RiskObject } from './migrate/plan/at-risk.js';
export { blockerMessage, type BlockerKind, type RowBlocker } from './migrate/plan/row-blockers.js';
/** The name RowBlocker had before it also served migrate's ups (kept for existing imports). */
export type { RowBlocker as DownBlocker } from './migrate/plan/row-blockers.js';
export type { MigrationSql } from './tools/contract.js';
export { classify, classifyFailOnError, classifyInputError } from './classify/classify.js';
export type { ClassifyFailure, ClassifyOptions, ClassifyResult } from './classify/classify.js';
export { classifyFiles, classifyMigrationFile } from './classify/classify-files.js';
export type { ClassifyFileError, ClassifyFilesOptions, ClassifyReport, FolderReading } from './classify/classify-files.js';
export { classifySql, classifySqlSync, failingFindings } from './classify/classify-sql.js';
export { initParser } from './sql/parser.js';
/** classify's parse worker, started by the CLI's bin before the program loads (src/cli/early-parse.ts), handed to the next classify. */
export { adoptParseWorker, discardParseWorker } from './sql/parse-ahead.js';
export type { ParseWorker } from './sql/parse-worker.js';
export { RULES as CLASSIFY_RULES } from './classify/registry.js';
export type { Rule as ClassifyRule } from './classify/rule.js';
export { LOCK_LEVELS, DEFAULT_SERVER_VERSION } from './classify/types.js';
export type {
  ClassifySqlOptions,
  Compatibility,
  DataLoss,
  DownInfo,
  Effect,
  Finding,
  FileVerdict,
  LockLevel,
  MigrationFileKind,
  SqlClassification,
  StatementVerdict,
} from './classify/types.js';
export { schemaSnapshot } from './db/schema/snapshot.js';
export type {
  ColumnSnapshot,
  ConstraintSnapshot,
  DomainSnapshot,
  FunctionSnapshot,
  IndexSnapshot,
  RelationSnapshot,
  SchemaSnapshot,
  SnapshotOptions,
} from './db/schema/snapshot.js';
export { diffSchemas } from './db/schema/diff.js';
export type { SchemaChange, SchemaChangeKind, SchemaDiff } from './db/schema/diff.js';
export { reconcile, verdictFromDiff } from './classify/reconcile.js';
export type { DynamicVerdict, Reconciliation } from './classify/reconcile.js';
export { captureNodePgMigrate } from './tools/node-pg-migrate/capture.js';
export type { CapturedNodePgMigrate } from './tools/node-pg-migrate/capture.js';
export { captureUmzug } from './tools/umzug/capture.js';
export type { CapturedUmzugMigration } from './tools/umzug/capture.js';
export { withScratchDatabase } from './tools/capture/scratch.js';
export type { ScratchOptions } from './tools/capture/scratch.js';
export { undo, UNDO_STEPS } from './migrate/undo/undo.js';
export { parseDuration } from './db/duration.js';
export type { BlockingSession } from './db/blockers.js';
export { encryptedStorage } from './storage/encrypted.js';
export { encryptionKeySources, loadEncryptionKey, parseKey } from './storage/encryption-key.js';
export type { EncryptionKey, EncryptionKeySources } from './storage/encryption-key.js';
export { childStorageAccess } from './storage/child-access.js';
export type { ChildStorageAccess } from './storage/child-access.js';
export type { SafetySummary, UndoOptions, UndoOutcome, UndoReport } from './migrate/undo/undo.js';
export type { SafetyBackup, SafetyTaken } from './migrate/undo/safety-backup.js';
export { migrate, MIGRATE_STEPS } from './migrate/migrate/migrate.js';
export type { AppliedMigration, MigrateOptions, MigrateReport } from './migrate/migrate/migrate.js';
export type { UpTarget } from './migrate/migrate/select-pending.js';
export { BACKUP_MODES } from './migrate/migrate/recovery.js';
export type { BackupMode, Recovery } from './migrate/migrate/recovery.js';
export type { Offence, PendingVerdict } from './migrate/migrate/policy.js';
export { recoverTables, RECOVER_TABLES_STEPS } from './backup/table-recovery/recover-tables.js';
export { restorePartial, partialTables, RESTORE_PARTIAL_STEPS } from './backup/table-recovery/restore-partial.js';
export type { RestorePartialOptions, RestorePartialReport } from './backup/table-recovery/restore-partial.js';
export type { RecoverTablesOptions, RecoverTablesReport } from './backup/table-recovery/recover-tables.js';
export type { RecoveredTable } from './backup/table-recovery/verify-copies.js';
export { beforeMigrationTarget, resolveBeforeMigration } from './migrate/before-migration/resolve-target.js';
export { resolveRestore, restoreKind } from './migrate/before-migration/restore-request.js';
export type { ResolvedRestore, RestoreKind, RestoreRequest } from './migrate/before-migration/restore-request.js';
export type { BeforeMigrationTarget } from './migrate/before-migration/resolve-target.js';
export { listRestorePoints, restorePointBefore, BEFORE_MIGRATION_PREFIX } from './backup/restore-points.js';
export type { RestorePointRecord } from './backup/restore-points.js';
export { listHistory } from './audit/audit-trail.js';
export type { AuditRecord, HistoryEntry, StepResult, StepStatus } from './audit/audit-trail.js';
export { oneStepRun } from './audit/runbook.js';
export type { OneStepRun, RunOutcome } from './audit/runbook.js';
export { scrub as redactSecrets } from './secrets/redact.js';
export { shellQuote } from './backup/pitr/recovery-config.js';
/** For the CLI's suggested commands (given-flags.ts): the one escaper the SQL matchers and the tools use too. */
export { escapeRegExp } from './sql/escape-regexp.js';
export { drill, drillExitCode } from './drill/drill.js';
export { parsePortRange, portAllocator } from './pgtools/port-range.js';
export type { PortRange } from './pgtools/port-range.js';
export type { DrillOptions, DrillReport } from './drill/drill.js';
export { drillJunit } from './drill/junit.js';
export type { DrillStatus, DrillStep, StepStatus as DrillStepStatus } from './drill/steps.js';
export { PROVIDER_CHOICES } from './drill/providers/contract.js';
export type { DrillProvider, ProviderChoice, ProviderName, ServerSettings, StartedDatabase, StartOptions } from './drill/providers/contract.js';
export { PROVIDERS, chooseProvider } from './drill/providers/registry.js';
export { defaultImage } from './drill/providers/testcontainers.js';
export { SCENARIO_NAMES } from './drill/scenarios/scenario.js';
export type { Scenario, ScenarioName, ScenarioResult } from './drill/scenarios/scenario.js';
export { selectScenarios } from './drill/scenarios/registry.js';
export type { ScenarioInputs } from './drill/scenarios/registry.js';
export { migrationsScenario, readSeedFile, type DrillSeed } from './drill/scenarios/migrations.js';
export type { MigrationsDrillOptions } from './drill/scenarios/migrations.js';
export { restoreScenario, RESTORE_NO_LOGICAL_BACKUP, RESTORE_ONLY_PARTIAL_BACKUPS } from './drill/scenarios/restore.js';
export type { RestoreDrillOptions } from './drill/scenarios/restore.js';
export { pitrScenario, PITR_NO_BASE_BACKUP } from './drill/scenarios/pitr.js';
export { localPitrRecover, pitrRecoverFor } from './drill/scenarios/pitr-recover.js';
export type { PitrDrillOptions, PitrRecover, PitrRecoverOptions, PitrRecovery } from './drill/scenarios/pitr.js';
export { walPush } from './backup/wal/wal-push.js';
export { walPushAhead, archiveCommandWithMarkers, PUSHED_DIR, DEFAULT_PUSH_AHEAD } from './backup/wal/wal-push-ahead.js';
export { runPusher, startPusher, pushReady, PUSHER_NODE_FLAGS } from './backup/wal/wal-pusher.js';
export type { PusherWorker, PusherOptions, PusherResult } from './backup/wal/wal-pusher.js';
export { PUSHER_LOG } from './backup/wal/push-markers.js';
export type { PushAheadOptions, PushAheadResult } from './backup/wal/wal-push-ahead.js';
export { archiveCommand } from './backup/wal/archive-command.js';
export type { ArchiveCommand, ArchiveCommandInput } from './backup/wal/archive-command.js';
export type { WalPushOptions, WalPushResult } from './backup/wal/wal-push.js';
export { walFetch, DEFAULT_PREFETCH } from './backup/wal/wal-fetch.js';
export type { WalFetchOptions, WalFetchResult } from './backup/wal/wal-fetch.js';
export { walPrefetch } from './backup/wal/wal-prefetch.js';
export type { PrefetchRequest, PrefetchWorker } from './backup/wal/wal-prefetch.js';
export { parseWalName, walKey, parseLsn, formatLsn, WAL_PREFIX } from './backup/wal/layout.js';
export type { WalFileKind, WalFileName } from './backup/wal/layout.js';
export { pitrRestore, PITR_STEPS } from './backup/pitr/pitr-restore.js';
export type { PitrRestoreOptions, PitrRestoreReport } from './backup/pitr/pitr-restore.js';
export { parseRecoveryTarget } from './backup/pitr/target.js';
export type { RecoveryTarget, TargetInput } from './backup/pitr/target.js';
export type { RecoveryOutcome, RecoveryProgress } from './backup/pitr/follow-recovery.js';
export { walChain } from './backup/wal/wal-chain.js';
export type { WalChainOptions, WalChainResult } from './backup/wal/wal-chain.js';
export { loadTimelineHistory } from './backup/wal/timeline-history.js';
export type { TimelineSpan } from './backup/wal/timeline-history.js';
export { baseBackup } from './backup/base/base-backup.js';
export type { BaseBackupOptions, BaseBackupResult } from './backup/base/base-backup.js';
export type { BaseInfo } from './backup/base/base-info.js';
export { archiveHealth } from './backup/wal/archive-health.js';
export type { ArchiveHealth, ArchiveHealthOptions, BaseBackupReport, ServerArchiveState, TimelineReport } from './backup/wal/archive-health.js';
export { checkPauseHook, PAUSE_POINTS } from './audit/fault-point.js';

// Archivers: dbrollback's own archive, pgBackRest, Barman Cloud.
export { ARCHIVER_KINDS } from './backup/archivers/contract.js';
export type { ArchiveBackup, Archiver, ArchiverKind, ArchiverSettings, ArchiveView } from './backup/archivers/contract.js';
export { openArchiver } from './backup/archivers/registry.js';
export { archiverHealth } from './backup/archivers/health.js';
export type { ArchiverHealth } from './backup/archivers/health.js';
export { cloudNativePgCluster, cloudNativePgManifest } from './backup/archivers/cloudnative-pg.js';
export type { CnpgClusterInput, CnpgTarget } from './backup/archivers/cloudnative-pg.js';
export { emitCloudNativePg } from './migrate/before-migration/emit-cloudnative-pg.js';
export type { CloudNativePgEmit } from './migrate/before-migration/emit-cloudnative-pg.js';

/**
 * The audit trail of undo and restore runs. Records live in the backup
 * storage (`audit/<time>-<id>.json`), not in the database: a restore rewinds
 * the database and must not erase its own history.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { text } from 'node:stream/consumers';
import { isDbrollbackError } from '../errors.js';
import type { Storage } from '../storage/contract.js';
import { scrub } from '../secrets/redact.js';
import { compareStrings } from '../compare-strings.js';

export const AUDIT_PREFIX = 'audit/';

export type StepStatus = 'success' | 'failed' | 'not-run' | 'skipped';

/** One step of a run, as it happened. */
export interface StepResult {
  name: string;
  status: StepStatus;
  startedAt: string | null;
  durationMs: number;
  detail: string;
}

export interface AuditRecord {
  version: 1;
  id: string;
  command: 'undo' | 'restore' | 'backup' | 'migrate' | 'base-backup';
  startedAt: string;
  finishedAt: string;
  who: { osUser: string; host: string; pid: number };
  /** The command line, secrets removed. */
  commandLine: string[];
  /** The target database, without password (user@host:port/db). */
  database: string;
  outcome: 'success' | 'failed' | 'refused' | 'verify-failed' | 'interrupted' | 'dry-run';
  plan: unknown;
  backupId: string | null;
  steps: StepResult[];
  verify: unknown;
  error: { code: string; message: string } | null;
  /** undo: migrations undone (newest first) and selected ones still applied. */
  undone?: string[];
  notUndone?: string[];
  /** The backup was skipped on purpose (--no-backup). */
  noBackup?: boolean;
  /** Facts particular to the command (restore's mode and databases, a PITR target). */
  extra?: Record<string, unknown>;
}

export function newRunId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export function whoAmI(): AuditRecord['who'] {
  let osUser = process.env.USER ?? 'unknown';
  try {
    osUser = os.userInfo().username;
  } catch {
    /* no passwd entry (containers): keep $USER */
  }
  return { osUser, host: os.hostname(), pid: process.pid };
}

/** argv with every known secret and URL password removed. */
export function safeCommandLine(argv: readonly string[]): string[] {
  return argv.map((a) => scrub(a));
}

export function auditKey(record: Pick<AuditRecord, 'id'>): string {
  return `${AUDIT_PREFIX}${record.id}.json`;
}

/** Write the record; scrubbed once more as a whole, since plans and errors hold free text. */
export async function writeAuditRecord(storage: Storage, record: AuditRecord): Promise<string> {
  const key = auditKey(record);
  await storage.put(key, scrub(JSON.stringify(record, null, 2)), { contentType: 'application/json' });
  return key;
}

export interface HistoryEntry {
  key: string;
  record: AuditRecord | null;
  /** Why the record could not be read, when it could not. */
  problem: string | null;
}

/** Every audit record, newest first. An unreadable one is listed with its problem, never dropped. */
export async function listHistory(storage: Storage): Promise<HistoryEntry[]> {
  const objects = await storage.list(AUDIT_PREFIX);
  const entries: HistoryEntry[] = [];
  for (const object of objects) {
    if (!object.key.endsWith('.json')) continue;
    try {
      const record = JSON.parse(await text(await storage.get(object.key))) as AuditRecord;
      entries.push({ key: object.key, record, problem: null });
    } catch (err) {
      // A missing or wrong key makes every record unreadable: that is the error, not one record's problem.
      if (isDbrollbackError(err) && (err.code === 'ENCRYPTION_KEY_MISSING' || err.code === 'ENCRYPTION_KEY_WRONG')) throw err;
      entries.push({ key: object.key, record: null, problem: (err as Error).message });
    }
  }
  // Ids carry the second and a random suffix: within one second the start time orders runs.
  return entries.sort((a, b) => startedMs(b) - startedMs(a) || compareStrings(b.key, a.key));
}

function startedMs(entry: HistoryEntry): number {
  const started = entry.record ? Date.parse(entry.record.startedAt) : NaN;
  if (!Number.isNaN(started)) return started;
  const m = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(entry.key);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : 0;
}

/**
 * The record of one run being made: step lines as they happen (with their
 * times), then the outcome. `finish` writes it; failing to write is reported
 * through `onWarning`, never hides the run's own result.
 */
export class AuditRun {
  readonly id: string;
  private readonly started = new Date();
  private readonly steps: StepResult[] = [];
  private last = performance.now();

  constructor(
    private readonly command: AuditRecord['command'],
    private readonly database: string,
    private readonly commandLine: readonly string[] = [],
  ) {
    this.id = newRunId(this.started);
  }

  /** A step finished (a progress line of the operation). */
  step(line: string): void {
    const now = performance.now();
    this.steps.push({ name: line, status: 'success', startedAt: new Date().toISOString(), durationMs: Math.round(now - this.last), detail: '' });
    this.last = now;
  }

  async finish(
    storage: Storage,
    outcome: AuditRecord['outcome'],
    facts: Pick<AuditRecord, 'undone' | 'notUndone' | 'noBackup' | 'extra'> & {
      backupId?: string | null;
      verify?: unknown;
      plan?: unknown;
      error?: { code: string; message: string } | null;
      /** The run's own step results (undo's checklist) instead of the progress lines recorded by `step`. */
      steps?: StepResult[];
    },
    onWarning: (line: string) => void = () => undefined,
  ): Promise<string | null> {
    const { steps, ...rest } = facts;
    if (facts.error && !steps) this.steps.push({ name: 'failed', status: 'failed', startedAt: new Date().toISOString(), durationMs: Math.round(performance.now() - this.last), detail: facts.error.message });
    const record: AuditRecord = {
      version: 1,
      id: this.id,
      command: this.command,
      startedAt: this.started.toISOString(),
      finishedAt: new Date().toISOString(),
      who: whoAmI(),
      commandLine: safeCommandLine(this.commandLine),
      database: this.database,
      outcome,
      ...rest,
      plan: facts.plan ?? null,
      backupId: facts.backupId ?? null,
      steps: steps ?? this.steps,
      verify: facts.verify ?? null,
      error: facts.error ?? null,
    };
    try {
      return await writeAuditRecord(storage, record);
    } catch (err) {
      onWarning(`warning: the audit record could not be written to ${storage.url}: ${(err as Error).message}`);
      return null;
    }
  }
}

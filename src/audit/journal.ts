/**
 * The journal of a mutating run, written to the storage as it goes, so a run
 * that is killed (signal, kill -9, a lost machine) is still known afterwards:
 * which command, on which database, its last completed step and what that
 * means for the database.
 *
 *   journal/<run id>/0000.json   the start: command, database, planned steps, who
 *   journal/<run id>/0001.json   one object per finished step (result + facts)
 *   journal/<run id>/beat-N.json heartbeats while it runs (every 30 s)
 *
 * Every object is written once (the storage is create-only). A run is
 * finished when its audit record (audit/<run id>.json) exists; one without it
 * is running while its heartbeat is fresh and its process may be alive, and
 * interrupted otherwise.
 */
import os from 'node:os';
import { text } from 'node:stream/consumers';
import { compareStrings } from '../compare-strings.js';
import { scrub } from '../secrets/redact.js';
import type { Storage } from '../storage/contract.js';
import { AUDIT_PREFIX, whoAmI, type AuditRecord, type StepResult } from './audit-trail.js';

export const JOURNAL_PREFIX = 'journal/';
const HEARTBEAT_MS = 30_000;
/** A run whose newest sign of life is older than this (and whose process is gone or elsewhere) is interrupted. */
const STALE_MS = 3 * HEARTBEAT_MS;

export interface JournalStart {
  runId: string;
  command: AuditRecord['command'];
  database: string;
  commandLine: string[];
  planned: readonly string[];
}

export interface JournalEntry {
  seq: number;
  at: string;
  step: StepResult | null;
  /** What the run knew after this step (undone migrations, backup id...). */
  facts: Record<string, unknown>;
}

export class Journal {
  private seq = 0;
  private beats = 0;
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly storage: Storage,
    readonly runId: string,
  ) {
    this.timer = setInterval(() => this.enqueue(`beat-${++this.beats}`, { at: new Date().toISOString() }), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Open the run's journal: the start entry is queued at once. */
  static open(storage: Storage, start: JournalStart): Journal {
    const journal = new Journal(storage, start.runId);
    journal.enqueue(entryName(0), {
      runId: start.runId,
      command: start.command,
      database: start.database,
      commandLine: start.commandLine,
      planned: start.planned,
      startedAt: new Date().toISOString(),
      who: whoAmI(),
    });
    return journal;
  }

  /** A step finished (or, with null, progress inside a step): what the run knows now. Written in order, in the background. */
  record(step: StepResult | null, facts: Record<string, unknown> = {}): void {
    const entry: JournalEntry = { seq: ++this.seq, at: new Date().toISOString(), step, facts };
    this.enqueue(entryName(this.seq), entry);
  }

  /** Wait until everything recorded so far is stored (before a step that changes the database). */
  async flush(): Promise<void> {
    await this.queue;
    if (this.failure) throw this.failure;
  }

  /** Stop the heartbeat and store what is queued; a journal that cannot be written is a warning, never the run's failure. */
  async close(onWarning: (line: string) => void = () => undefined): Promise<void> {
    clearInterval(this.timer);
    await this.queue;
    if (this.failure) onWarning(`warning: the run journal could not be written to ${this.storage.url}: ${(this.failure as Error).message}`);
  }

  private enqueue(name: string, body: unknown): void {
    const key = `${JOURNAL_PREFIX}${this.runId}/${name}`;
    this.queue = this.queue.then(async () => {
      if (this.failure) return;
      try {
        await this.storage.put(key, scrub(JSON.stringify(body)), { contentType: 'application/json' });
      } catch (err) {
        this.failure = err;
      }
    });
  }
}

function entryName(seq: number): string {
  return `${String(seq).padStart(4, '0')}.json`;
}

export type RunState = 'running' | 'interrupted';

/** A run with a journal and no audit record. */
export interface UnfinishedRun {
  runId: string;
  command: string;
  database: string;
  startedAt: string;
  who: { osUser: string; host: string; pid: number };
  commandLine: string[];
  planned: string[];
  state: RunState;
  /** The newest sign of life (an entry or a heartbeat). */
  lastSeen: string;
  /** Steps that finished, in order. */
  steps: StepResult[];
  /** The last step that completed successfully (null: none). */
  lastCompleted: string | null;
  /** The facts of the newest entry (what the run knew last). */
  facts: Record<string, unknown>;
}

/** Runs that started and never wrote their audit record, newest first. */
export async function unfinishedRuns(storage: Storage, now: Date = new Date()): Promise<UnfinishedRun[]> {
  const objects = await storage.list(JOURNAL_PREFIX);
  const byRun = new Map<string, typeof objects>();
  for (const o of objects) {
    const id = o.key.slice(JOURNAL_PREFIX.length).split('/')[0]!;
    byRun.set(id, [...(byRun.get(id) ?? []), o]);
  }
  const finished = new Set((await storage.list(AUDIT_PREFIX)).map((o) => o.key.slice(AUDIT_PREFIX.length).replace(/\.json$/, '')));
  const out: UnfinishedRun[] = [];
  for (const [runId, files] of byRun) {
    if (finished.has(runId)) continue;
    const start = files.find((f) => f.key.endsWith(`/${entryName(0)}`));
    if (!start) continue;
    const head = await readJson<Record<string, unknown>>(storage, start.key);
    if (!head) continue;
    const entries: JournalEntry[] = [];
    for (const f of files.filter((x) => /\/\d{4}\.json$/.test(x.key) && x !== start).sort((a, b) => compareStrings(a.key, b.key))) {
      const entry = await readJson<JournalEntry>(storage, f.key);
      if (entry) entries.push(entry);
    }
    const lastSeen = new Date(Math.max(...files.map((f) => f.lastModified.getTime())));
    const who = head.who as UnfinishedRun['who'];
    const steps = entries.map((e) => e.step).filter((s): s is StepResult => s !== null);
    out.push({
      runId,
      command: String(head.command),
      database: String(head.database),
      startedAt: String(head.startedAt),
      who,
      commandLine: (head.commandLine as string[]) ?? [],
      planned: (head.planned as string[]) ?? [],
      state: isAlive(who, lastSeen, now) ? 'running' : 'interrupted',
      lastSeen: lastSeen.toISOString(),
      steps,
      lastCompleted: [...steps].reverse().find((s) => s.status === 'success')?.name ?? null,
      facts: entries.at(-1)?.facts ?? {},
    });
  }
  return out.sort((a, b) => compareStrings(b.runId, a.runId));
}

/**
 * Still running: on this host, its process exists; elsewhere, its heartbeat is fresh.
 * A pid reused by another process after a crash reads as alive until the heartbeat goes stale.
 */
function isAlive(who: UnfinishedRun['who'] | undefined, lastSeen: Date, now: Date): boolean {
  const fresh = now.getTime() - lastSeen.getTime() < STALE_MS;
  if (who && who.host === os.hostname()) {
    try {
      process.kill(who.pid, 0);
      return fresh;
    } catch {
      return false;
    }
  }
  return fresh;
}

async function readJson<T>(storage: Storage, key: string): Promise<T | null> {
  try {
    return JSON.parse(await text(await storage.get(key))) as T;
  } catch {
    return null;
  }
}

/** What an interrupted run's last facts mean for the database. */
export function describeRunFacts(facts: Record<string, unknown>): string {
  const undone = (facts.undone as string[] | undefined) ?? [];
  const notUndone = (facts.notUndone as string[] | undefined) ?? [];
  const parts: string[] = [];
  if (undone.length > 0 || notUndone.length > 0) parts.push(`${undone.length} of ${undone.length + notUndone.length} migrations undone${undone.length ? ` (${undone.join(', ')})` : ''}`);
  const selected = (facts.selected as string[] | undefined) ?? [];
  if (selected.length > 0) {
    const applied = (facts.applied as string[] | undefined) ?? [];
    parts.push(`${applied.length} of ${selected.length} migrations applied${applied.length ? ` (${applied.join(', ')})` : ''}`);
  }
  if (facts.mode === 'point-in-time') {
    // Production is never written to by a point-in-time copy: what is left is the copy.
    const server = facts.serverStarted ? `its server on port ${String(facts.port)} may still be running (pg_ctl -D ${String(facts.dataDir)} stop)` : 'no server was started on it';
    parts.push(`the production database was not touched; ${String(facts.dataDir)} holds a ${facts.recovered ? 'recovered' : 'partial'} copy (${server}): remove it before running the restore again`);
    return parts.join('; ');
  }
  if (facts.mode === 'tables') {
    parts.push(describeTableRecovery(facts));
    return parts.join('; ');
  }
  if (facts.backupId) parts.push(`backup ${String(facts.backupId)} was complete`);
  if (facts.database && facts.mode) parts.push(`restore into "${String(facts.database)}" (${String(facts.mode)})`);
  return parts.length > 0 ? parts.join('; ') : 'nothing had been changed';
}

/** Where a table recovery stopped, for the person who finds it interrupted: which of its writes to the database happened. */
function describeTableRecovery(facts: Record<string, unknown>): string {
  const database = `"${String(facts.database)}"`;
  const throwaway = facts.throwawayDir ? `; the throwaway instance in ${String(facts.throwawayDir)} may still be running (pg_ctl -D ${String(facts.throwawayDir)} stop, then remove it)` : '';
  if (facts.replaced) return `the tables were swapped in ${database}: the recovered ones are live, the replaced ones are in schema ${String(facts.aside)}${throwaway}`;
  if (facts.copied) return `${database} holds the recovered tables in schema ${String(facts.schema)}; the live tables were not touched${throwaway}`;
  const backup = facts.backupId ? `backup ${String(facts.backupId)} was complete; ` : '';
  return `${backup}nothing was written to ${database}${throwaway}`;
}

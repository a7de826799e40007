/**
 * The gate's connections and its deadline. Every connection the checks use
 * comes from here: a small pool, because each new connection costs the server
 * a backend and an authentication round. A connection given back is reset
 * (its transaction rolled back, DISCARD ALL), so nothing a check left behind
 * reaches the next one. A caller may lend a connection it keeps (undo lends
 * its lock session, whose catalog caches are warm): it is used first, reset
 * without giving up its advisory locks, and never closed here. When every
 * connection is busy, a borrower first waits briefly for one to come back —
 * on a small database checks take milliseconds, and a warm connection beats a
 * new one — and opens another only when none does (long scans, big tables).
 * Each gets a statement_timeout ending at the deadline (so the server stops
 * by itself), and when the deadline passes the gate gives up, closes them all
 * and names the checks that were still running.
 */
import type { Db } from '../db/connection.js';
import { connect } from '../db/connection.js';
import type { ConnInfo } from '../db/conninfo.js';
import type { ConnectionSource } from '../db/session.js';
import { DbrollbackError } from '../errors.js';

/** DISCARD ALL without pg_advisory_unlock_all(): the lender's locks stay held. */
const RESET_KEEPING_LOCKS = 'CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DEALLOCATE ALL; UNLISTEN *; DISCARD PLANS; DISCARD SEQUENCES; DISCARD TEMP';

/** How long a borrower waits for a busy connection to come back before opening another. */
const WAIT_FOR_IDLE_MS = 20;

export class Gate implements ConnectionSource {
  private readonly open = new Set<Db>();
  private readonly idle: Db[] = [];
  private readonly waiting: Array<(db: Db | undefined) => void> = [];
  private busy = 0;
  private closed = false;
  private readonly deadline: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly conn: ConnInfo,
    private readonly timeoutSeconds: number | undefined,
    private readonly lent?: Db,
    /** How long a borrower waits for a busy connection to come back (tests lengthen it to take timing out of the question). */
    private readonly waitForIdleMs = WAIT_FOR_IDLE_MS,
  ) {
    this.deadline = timeoutSeconds !== undefined ? Date.now() + timeoutSeconds * 1000 : undefined;
    if (lent) this.idle.push(lent);
  }

  /** Milliseconds left, or undefined without a timeout. */
  remainingMs(): number | undefined {
    return this.deadline === undefined ? undefined : Math.max(0, this.deadline - Date.now());
  }

  /** An idle connection of the pool, one given back within a few milliseconds, or a new one. */
  async acquire(): Promise<Db> {
    const remaining = this.remainingMs();
    if (remaining === 0 || this.closed) throw this.timeoutError([]);
    const reused = this.idle.pop() ?? (this.busy > 0 ? await this.nextReleased() : undefined);
    if (this.closed) throw this.timeoutError([]);
    this.busy += 1;
    try {
      if (reused) {
        await this.limitStatements(reused);
        return reused;
      }
      return await this.openOne(remaining);
    } catch (err) {
      this.busy -= 1;
      throw err;
    }
  }

  private nextReleased(): Promise<Db | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(handOver);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(undefined);
      }, this.waitForIdleMs);
      const handOver = (db: Db | undefined) => {
        clearTimeout(timer);
        resolve(db);
      };
      this.waiting.push(handOver);
    });
  }

  private async openOne(remaining: number | undefined): Promise<Db> {
    const db = await connect(this.conn, { connectTimeoutSeconds: remaining !== undefined ? Math.max(1, Math.ceil(Math.min(remaining / 1000, 10))) : 10 });
    this.open.add(db);
    db.once('end', () => {
      this.open.delete(db);
      const i = this.idle.indexOf(db);
      if (i >= 0) this.idle.splice(i, 1);
    });
    await this.limitStatements(db);
    return db;
  }

  /** Back to the pool, reset (to a waiting borrower first); a connection that cannot be reset is closed instead. */
  async release(db: Db): Promise<void> {
    this.busy -= 1;
    // Already closed (its server went away, or the deadline passed): nothing to reset.
    if (db !== this.lent && !this.open.has(db)) return;
    try {
      if (db.getTransactionStatus() !== 'I') await db.query('ROLLBACK');
      await db.query(db === this.lent ? RESET_KEEPING_LOCKS : 'DISCARD ALL');
    } catch {
      if (db !== this.lent) await db.end().catch(() => undefined);
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter && !this.closed) waiter(db);
    else this.idle.push(db);
  }

  /** Settle `work`, or reject with TIMEOUT when the deadline passes first (`running` names what was still going on). */
  async race<T>(work: Promise<T>, running: () => string[]): Promise<T> {
    const remaining = this.remainingMs();
    if (remaining === undefined) return work;
    const expired = new Promise<never>((_, reject) => {
      this.timer = setTimeout(() => reject(this.timeoutError(running())), remaining);
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(this.timer);
    }
  }

  private async limitStatements(db: Db): Promise<void> {
    const left = this.remainingMs();
    if (left !== undefined) await db.query(`SET statement_timeout = ${Math.max(1, left)}`);
  }

  /** Close every connection still open (their queries stop with them, or at the statement timeout). */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter(undefined);
    await Promise.all([...this.open].map((db) => db.end().catch(() => undefined)));
  }

  private timeoutError(running: string[]): DbrollbackError {
    return new DbrollbackError('TIMEOUT', `verify did not finish within --timeout ${this.timeoutSeconds} s${running.length > 0 ? ` (still running: ${running.join(', ')})` : ''}`, {
      hint: 'Raise --timeout, add --jobs to hash large tables in parallel, or leave slow checks out with --skip-checks. Do not return traffic on an unfinished verify.',
      details: { running },
    });
  }
}

/**
 * One connection shared by the read-only steps of a run. Every connection
 * costs the server a new backend and an authentication round (5–10 ms here),
 * so undo's lock, its plan and the adapter's history reads share one instead
 * of opening one each. It opens on first use; pg queues queries, so steps that
 * use it at the same time are safe. Work that changes session state or data
 * (the migration tool's run, verify's checks) keeps connections of its own.
 */
import { beginConnect, connect, withDb, type Db, type PendingConnection } from './connection.js';
import type { ConnInfo } from './conninfo.js';

export class SharedSession {
  private opening: PendingConnection | undefined;
  private spare: PendingConnection | undefined;

  constructor(private readonly conn: ConnInfo) {}

  /** Start opening the connection now (a failure surfaces at the first db() call). */
  open(): void {
    this.db().catch(() => undefined);
  }

  /** The connection, opened on the first call. */
  db(): Promise<Db> {
    this.opening ??= beginConnect(this.conn);
    return this.opening.ready;
  }

  /**
   * Start opening a second, untouched connection in the background, for a
   * step that needs one of its own later (the migration tool's run): the
   * server starts its backend while the run is busy elsewhere.
   */
  prepareSpare(): void {
    if (this.spare) return;
    this.spare = beginConnect(this.conn);
    this.spare.ready.catch(() => undefined);
  }

  /** The spare connection, now the caller's to close (a new one when none was prepared). */
  takeSpare(): Promise<Db> {
    const spare = this.spare?.ready ?? connect(this.conn);
    this.spare = undefined;
    return spare;
  }

  /** Close what was opened, or is still being opened (without waiting for it to finish connecting). */
  async end(): Promise<void> {
    const opened = [this.opening, this.spare];
    this.opening = undefined;
    this.spare = undefined;
    await Promise.all(opened.map((pending) => pending?.abandon()));
  }
}

/** Run `fn` on the shared session when there is one, else on a connection of its own. */
export async function onSession<T>(session: SharedSession | undefined, conn: ConnInfo, fn: (db: Db) => Promise<T>): Promise<T> {
  return session ? fn(await session.db()) : withDb(conn, fn);
}

/** A connection for a step of its own (the migration tool's run): the session's spare when there is a session, else a new one. */
export function ownConnection(session: SharedSession | undefined, conn: ConnInfo): Promise<Db> {
  return session ? session.takeSpare() : connect(conn);
}

/** Run `fn` on a connection of its own (ownConnection), ended afterwards whatever `fn` did: a migration tool's step. */
export async function onOwnConnection<T>(session: SharedSession | undefined, conn: ConnInfo, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await ownConnection(session, conn);
  try {
    return await fn(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** Where extra connections come from and go back to (verify's gate pools them; by default each is opened and closed). */
export interface ConnectionSource {
  acquire(): Promise<Db>;
  /** Give a connection back; whatever the borrower left (a transaction, settings) does not outlive it. */
  release(db: Db): Promise<void>;
}

/** A new connection per acquire, closed on release. */
export function freshConnections(conn: ConnInfo): ConnectionSource {
  return {
    acquire: () => connect(conn),
    release: (db) => db.end().catch(() => undefined),
  };
}

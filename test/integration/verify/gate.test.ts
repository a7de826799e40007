import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/db/connection.js';
import { Gate } from '../../../src/verify/gate.js';
import { startCluster, uniqueName, type Cluster } from '../../harness/cluster.js';
import type { ConnInfo } from '../../../src/db/conninfo.js';

describe("verify's gate: a pool of reset connections", () => {
  let cluster: Cluster;
  let conn: ConnInfo;

  beforeAll(async () => {
    cluster = await startCluster();
    const name = uniqueName('gate');
    await cluster.createDatabase(name);
    conn = cluster.conn(name);
  });
  afterAll(async () => cluster?.stop());

  it('reuses a connection given back, with nothing the last borrower left behind', async () => {
    const gate = new Gate(conn, undefined);
    try {
      const first = await gate.acquire();
      const pid = (await first.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]!.p;
      await first.query("SET search_path = nowhere; SET default_transaction_read_only = on; CREATE TEMP TABLE left_behind (x int); PREPARE q AS SELECT 1");
      await first.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await first.query('SELECT 1/0').catch(() => undefined); // an aborted transaction
      await gate.release(first);

      const again = await gate.acquire();
      const { rows } = await again.query<{ p: number; sp: string; ro: string; tx: string; temp: string | null; prepared: number }>(
        `SELECT pg_backend_pid() AS p, current_setting('search_path') AS sp, current_setting('default_transaction_read_only') AS ro,
                current_setting('transaction_isolation') AS tx, to_regclass('pg_temp.left_behind')::text AS temp,
                (SELECT count(*)::int FROM pg_prepared_statements) AS prepared`,
      );
      expect(rows[0]).toEqual({ p: pid, sp: '"$user", public', ro: 'off', tx: 'read committed', temp: null, prepared: 0 });
      // ...and opens another when none comes back within its short wait.
      const other = await gate.acquire();
      expect(other).not.toBe(again);
      await gate.release(again);
      await gate.release(other);
    } finally {
      await gate.close();
    }
  });

  it('a second borrower waits for a busy connection to come back and gets that one', async () => {
    // A long wait: the hand-over is tested, not how fast a loaded machine releases (the default is 20 ms).
    const gate = new Gate(conn, undefined, undefined, 10_000);
    try {
      const busy = await gate.acquire();
      const soon = gate.acquire();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await gate.release(busy);
      expect(await soon).toBe(busy);
      await gate.release(busy);
    } finally {
      await gate.close();
    }
  });

  it('keeps the connection it was lent open, with its advisory locks, and uses it first', async () => {
    const lender = await connect(conn);
    try {
      await lender.query('SELECT pg_advisory_lock(4242)');
      const gate = new Gate(conn, undefined, lender);
      const db = await gate.acquire();
      expect(db).toBe(lender);
      await db.query('SET search_path = nowhere');
      await gate.release(db);
      await gate.close();
      const { rows } = await lender.query<{ sp: string; locks: number }>(
        "SELECT current_setting('search_path') AS sp, (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks",
      );
      expect(rows[0]).toEqual({ sp: '"$user", public', locks: 1 });
    } finally {
      await lender.end();
    }
  });

  it('gives every connection, new or reused, the statement timeout that ends at the deadline; close() ends them all', async () => {
    const gate = new Gate(conn, 30);
    const db = await gate.acquire();
    const timeout = async () => (await db.query<{ t: string }>("SELECT current_setting('statement_timeout') AS t")).rows[0]!.t;
    expect(await timeout()).toMatch(/^(29|30)\d{3}ms$|^(29|30)s$/);
    await gate.release(db);
    const reused = await gate.acquire();
    expect(reused).toBe(db);
    expect(await timeout()).toMatch(/^(29|30)\d{3}ms$|^(29|30)s$/);
    await gate.close();
    await expect(reused.query('SELECT 1')).rejects.toThrow();
  });
});

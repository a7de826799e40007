/**
 * The server answers, and can take traffic: not in recovery (a standby or a
 * PITR still replaying) and not read-only.
 */
import { describeConn } from '../../db/conninfo.js';
import type { Check } from '../check.js';

export const connectivity: Check = {
  id: 'connectivity',
  uses: 'connection',
  description: 'the server answers, is not in recovery and accepts writes',
  async run(db, ctx) {
    const started = performance.now();
    const { rows } = await db.query<{ version: string; in_recovery: boolean; default_ro: string; ro: string; database: string }>(
      `SELECT pg_catalog.current_setting('server_version') AS version,
              pg_catalog.pg_is_in_recovery() AS in_recovery,
              pg_catalog.current_setting('default_transaction_read_only') AS default_ro,
              pg_catalog.current_setting('transaction_read_only') AS ro,
              pg_catalog.current_database() AS database`,
    );
    const latencyMs = Math.round(performance.now() - started);
    const r = rows[0]!;
    const data = { serverVersion: r.version, inRecovery: r.in_recovery, readOnly: r.default_ro === 'on' || r.ro === 'on', latencyMs };
    const problems: string[] = [];
    if (r.in_recovery) problems.push('the server is in recovery (a standby, or a restore still replaying WAL): it cannot take writes — promote it or wait for recovery to finish');
    if (r.default_ro === 'on') problems.push('default_transaction_read_only is on: every transaction is read-only — turn it off (ALTER DATABASE/SYSTEM ... RESET default_transaction_read_only)');
    if (problems.length > 0) {
      return { status: 'fail', detail: `${describeConn(ctx.conn)} answers but cannot take traffic`, problems, data };
    }
    return { status: 'pass', detail: `PostgreSQL ${r.version} at ${describeConn(ctx.conn)}: primary, read-write (${latencyMs} ms)`, data };
  },
};

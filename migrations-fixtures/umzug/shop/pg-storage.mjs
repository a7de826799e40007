/**
 * umzug storage in a PostgreSQL table that also keeps when each migration
 * was applied. `executedWithTimes` is the optional extension dbrollback reads
 * applied-at from; umzug itself only needs logMigration/unlogMigration/executed.
 * It writes through the command's connection (context.client), so the history
 * row is part of the migration's transaction.
 */
export class PgStorage {
  constructor({ table = 'umzug_migrations' } = {}) {
    this.table = table;
  }

  async logMigration({ name, context }) {
    await context.client.query(
      `CREATE TABLE IF NOT EXISTS ${this.table} (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    await context.client.query(`INSERT INTO ${this.table} (name) VALUES ($1)`, [name]);
  }

  async unlogMigration({ name, context }) {
    await context.client.query(`DELETE FROM ${this.table} WHERE name = $1`, [name]);
  }

  async executed({ context }) {
    return (await this.executedWithTimes({ context })).map((row) => row.name);
  }

  /** Read-only: no table yet means nothing was applied. */
  async executedWithTimes({ context }) {
    const { rows: exists } = await context.client.query('SELECT to_regclass($1) IS NOT NULL AS ok', [this.table]);
    if (!exists[0].ok) return [];
    const { rows } = await context.client.query(`SELECT name, applied_at FROM ${this.table} ORDER BY applied_at, name`);
    return rows.map((row) => ({ name: row.name, appliedAt: row.applied_at }));
  }
}

'use strict';
/**
 * The team's umzug storage: its own table, `migration_log`, with a serial id
 * (the run order), the migration's name, a checksum of the file it ran and
 * when it ran. umzug needs only logMigration / unlogMigration / executed;
 * the table is created on first use, by whichever of them comes first.
 */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');

const TABLE = 'migration_log';

class MigrationLog {
  async ensureTable(db) {
    await db.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (
      id serial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      checksum text,
      run_on timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async logMigration({ name, path, context }) {
    await this.ensureTable(context);
    const checksum = path ? createHash('sha1').update(readFileSync(path)).digest('hex') : null;
    await context.query(`INSERT INTO ${TABLE} (name, checksum) VALUES ($1, $2)`, [name, checksum]);
  }

  async unlogMigration({ name, context }) {
    await this.ensureTable(context);
    await context.query(`DELETE FROM ${TABLE} WHERE name = $1`, [name]);
  }

  async executed({ context }) {
    await this.ensureTable(context);
    const { rows } = await context.query(`SELECT name FROM ${TABLE} ORDER BY id`);
    return rows.map((row) => row.name);
  }
}

module.exports = { MigrationLog, TABLE };

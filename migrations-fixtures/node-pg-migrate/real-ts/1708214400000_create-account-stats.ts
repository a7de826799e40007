import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createMaterializedView('account_stats', {}, 'SELECT a.id AS account_id, count(p.id) AS projects FROM accounts a LEFT JOIN projects p ON p.account_id = a.id GROUP BY a.id');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropMaterializedView('account_stats');
}

import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('feature_flags', {
    key: { type: 'text', primaryKey: true },
    enabled: { type: 'boolean', notNull: true, default: false },
    rollout: { type: 'smallint', notNull: true, default: 0 },
  });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('feature_flags');
}

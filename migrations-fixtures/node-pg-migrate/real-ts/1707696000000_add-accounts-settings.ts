import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('accounts', { settings: { type: 'jsonb', notNull: true, default: pgm.func("'{}'::jsonb") } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('accounts', ['settings']);
}

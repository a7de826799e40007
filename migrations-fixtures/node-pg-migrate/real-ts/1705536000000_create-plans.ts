import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('plans', {
    id: 'id',
    code: { type: 'text', notNull: true, unique: true },
    monthly_cents: { type: 'integer', notNull: true },
  });
  pgm.sql(`INSERT INTO plans (code, monthly_cents) VALUES ('free', 0), ('team', 1200), ('business', 4900)`);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('plans');
}

import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('teams', { slug: { type: 'varchar(64)' } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('teams', ['slug']);
}

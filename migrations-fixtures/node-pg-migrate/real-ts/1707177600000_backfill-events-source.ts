import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`UPDATE events SET source = 'web' WHERE source IS NULL`);
}

// A data backfill: there is no way back but a restore.
export const down = false;

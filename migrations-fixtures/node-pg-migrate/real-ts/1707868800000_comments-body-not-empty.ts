import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addConstraint('comments', 'comments_body_not_empty', { check: 'length(body) > 0' });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropConstraint('comments', 'comments_body_not_empty');
}

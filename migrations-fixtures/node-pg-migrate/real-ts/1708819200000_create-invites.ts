import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('invites', {
    id: 'id',
    team_id: { type: 'integer', notNull: true, references: 'teams', onDelete: 'CASCADE' },
    email: { type: 'email_address', notNull: true },
    token: { type: 'text', notNull: true },
    expires_at: { type: 'timestamptz', notNull: true },
  });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('invites');
}

import type { MigrationBuilder } from 'node-pg-migrate';

export const shorthands = undefined;

// ALTER TYPE ... ADD VALUE cannot be taken back: PostgreSQL has no DROP VALUE.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addTypeValue('entry_status', 'void', { ifNotExists: true });
}

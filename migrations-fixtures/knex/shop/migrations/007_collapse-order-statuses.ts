/**
 * Irreversible: 'void' and 'refunded' both become 'cancelled'; which was
 * which is lost. Knex runs no migration without a down, so this one's down
 * throws — the convention dbrollback reads as "irreversible" (undo refuses
 * it before touching anything).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex('orders').whereIn('status', ['void', 'refunded']).update({ status: 'cancelled' });
}

export async function down(): Promise<void> {
  throw new Error('irreversible: which orders were void and which refunded is lost');
}

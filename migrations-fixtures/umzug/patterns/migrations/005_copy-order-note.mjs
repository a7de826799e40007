/** Expand/contract rename of orders.note to delivery_note, expand step: the new column is a copy of the old. */
export async function up({ context: { client } }) {
  await client.query('ALTER TABLE orders ADD COLUMN delivery_note text');
  await client.query('UPDATE orders SET delivery_note = note WHERE note IS NOT NULL');
}

export async function down({ context: { client } }) {
  await client.query('ALTER TABLE orders DROP COLUMN delivery_note');
}

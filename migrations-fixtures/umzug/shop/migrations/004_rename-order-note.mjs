/** Breaking (old code still reads orders.note) but reversible. */
export async function up({ context: { client } }) {
  await client.query('ALTER TABLE orders RENAME COLUMN note TO customer_note');
}

export async function down({ context: { client } }) {
  await client.query('ALTER TABLE orders RENAME COLUMN customer_note TO note');
}

/** CREATE INDEX CONCURRENTLY cannot run inside a transaction block: opt out of the per-migration transaction. */
export const transaction = false;

export async function up({ context: { client } }) {
  await client.query('CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at)');
}

export async function down({ context: { client } }) {
  await client.query('DROP INDEX CONCURRENTLY orders_created_at_idx');
}

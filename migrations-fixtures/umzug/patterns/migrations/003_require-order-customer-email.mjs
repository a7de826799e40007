/** "Add nullable, backfill, then constrain", second step: breaking, and the down lifts it. */
export async function up({ context: { client } }) {
  await client.query('ALTER TABLE orders ALTER COLUMN customer_email SET NOT NULL');
}

export async function down({ context: { client } }) {
  await client.query('ALTER TABLE orders ALTER COLUMN customer_email DROP NOT NULL');
}

/** Destructive: the down brings the column back, empty — the dropped values are gone. */
export async function up({ context: { client } }) {
  await client.query('ALTER TABLE customers DROP COLUMN legacy_code');
}

export async function down({ context: { client } }) {
  await client.query('ALTER TABLE customers ADD COLUMN legacy_code text');
}

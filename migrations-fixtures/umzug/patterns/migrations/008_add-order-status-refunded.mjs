/** A new enum value: additive, one-way in PostgreSQL; the down recreates the type without it. */
export async function up({ context: { client } }) {
  await client.query("ALTER TYPE order_status ADD VALUE 'refunded'");
}

export async function down({ context: { client } }) {
  await client.query('ALTER TYPE order_status RENAME TO order_status_old');
  await client.query("CREATE TYPE order_status AS ENUM ('pending', 'paid', 'cancelled')");
  await client.query(`ALTER TABLE orders
    ALTER COLUMN status DROP DEFAULT,
    ALTER COLUMN status TYPE order_status USING status::text::order_status,
    ALTER COLUMN status SET DEFAULT 'pending'`);
  await client.query('DROP TYPE order_status_old');
}

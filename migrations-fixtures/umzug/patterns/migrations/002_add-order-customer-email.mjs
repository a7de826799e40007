/** Expand: orders.customer_email, added and filled from customers in one migration (derived data, no rewrite). */
export async function up({ context: { client } }) {
  await client.query('ALTER TABLE orders ADD COLUMN customer_email text');
  await client.query('UPDATE orders o SET customer_email = (SELECT c.email FROM customers c WHERE c.id = o.customer_id)');
}

export async function down({ context: { client } }) {
  await client.query('ALTER TABLE orders DROP COLUMN customer_email');
}

/** Additive: a nullable column; old code keeps working. */
export async function up({ context: { client } }) {
  await client.query('ALTER TABLE customers ADD COLUMN phone text');
}

export async function down({ context: { client } }) {
  await client.query('ALTER TABLE customers DROP COLUMN phone');
}

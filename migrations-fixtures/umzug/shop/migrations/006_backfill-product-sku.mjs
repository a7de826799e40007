/** Data rewrite: fill products.sku_normalized (it was NULL before; the down clears it). */
export async function up({ context: { client } }) {
  await client.query('UPDATE products SET sku_normalized = upper(sku) WHERE sku_normalized IS NULL');
}

export async function down({ context: { client } }) {
  await client.query('UPDATE products SET sku_normalized = NULL');
}
